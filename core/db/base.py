"""Django's PostgreSQL backend with a health check that costs no round trip.

With ``CONN_HEALTH_CHECKS`` Django checks a persistent connection before the first query
of every request, and the stock check is a ``SELECT 1``: a round trip to PostgreSQL on
every page view, as much as a warm cached page costs otherwise. This check asks the
socket instead. An idle connection has nothing to read, so a readable one has been
spoken to by the server, and outside LISTEN (which the site does not use) the server only
speaks first to say it is closing the connection (a restart, ``pg_terminate_backend``, an
idle timeout) or has closed it. Either way it is not used again. What neither check can
tell quickly, a server that hung, is for the request deadline (core/watchdog.py).
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self) -> bool:
        connection = self.connection
        if connection is None or connection.closed or connection.broken:
            return False
        if connection.info.transaction_status != TransactionStatus.IDLE:
            # In a transaction (or a failed one): only a real query can tell.
            return super().is_usable()
        try:
            readable, _, _ = select.select([connection.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable
