"""A deadline on waiting for PostgreSQL, so a hung database costs a request seconds.

PostgreSQL's own statement timeout cannot help when the server is stopped (SIGSTOP, a VM
paused) or cut off by a partition: the kernel keeps the connection open and the client
waits for an answer that never comes. Each request therefore registers a deadline; a
watchdog thread per process checks every quarter second and, for a request past its
deadline whose connection is still waiting on a query, shuts that connection's socket.
The blocked wait wakes with an error, Django's ``OperationalError``, which
``DatabaseUnavailableMiddleware`` answers with the 503 page; the broken connection is
dropped at the end of the request and the next one connects afresh once PostgreSQL is
back. A connection that is not in the middle of a query is never touched.

New connections are bounded separately, by ``connect_timeout`` (``DB_CONNECT_TIMEOUT``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator

from django.db import DEFAULT_DB_ALIAS, connections
from psycopg.pq import TransactionStatus

logger = logging.getLogger(__name__)

CHECK_EVERY = 0.25

_lock = threading.Lock()
_deadlines: dict[int, tuple[float, object]] = {}
_watcher_pid = 0


def _cut_off(wrapper) -> None:
    raw = getattr(wrapper, "connection", None)
    if raw is None or raw.closed or raw.pgconn.transaction_status != TransactionStatus.ACTIVE:
        return
    # A duplicate of the descriptor, so psycopg's own stays valid to report the error.
    with contextlib.suppress(OSError), socket.socket(fileno=os.dup(raw.pgconn.socket)) as sock:
        sock.shutdown(socket.SHUT_RDWR)
        logger.warning("PostgreSQL did not answer in time; cut the connection off")


def _watch() -> None:
    while True:
        time.sleep(CHECK_EVERY)
        now = time.monotonic()
        with _lock:
            late = [(key, wrapper) for key, (due, wrapper) in _deadlines.items() if due <= now]
            for key, _ in late:
                del _deadlines[key]
        for _, wrapper in late:
            _cut_off(wrapper)


def _ensure_watcher() -> None:
    global _watcher_pid
    if _watcher_pid == os.getpid():
        return
    with _lock:
        if _watcher_pid != os.getpid():  # forked workers each start their own
            threading.Thread(target=_watch, name="db-watchdog", daemon=True).start()
            _watcher_pid = os.getpid()


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Queries on this thread's connection inside the block get ``seconds`` in all."""
    _ensure_watcher()
    key = threading.get_ident()
    with _lock:
        previous = _deadlines.get(key)
        due = time.monotonic() + seconds
        if previous is not None:
            due = min(due, previous[0])
        # The wrapper itself: django.db.connection would resolve in the watchdog's thread.
        _deadlines[key] = (due, connections[DEFAULT_DB_ALIAS])
    try:
        yield
    finally:
        with _lock:
            if previous is not None and previous[0] > time.monotonic():
                _deadlines[key] = previous
            else:
                _deadlines.pop(key, None)
