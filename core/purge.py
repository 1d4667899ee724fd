"""Telling the shared HTTP caches in front of the app (Varnish) to drop pages by tag.

Pages carry their tags in the ``xkey`` header (core/pagecache.py); an editor's change
names the tags it touches and, once its transaction commits, one ``PURGE`` request per
cache in ``VARNISH_PURGE_URLS`` carries them all in ``xkey-purge`` (deploy/varnish/
default.vcl). Sending runs inside the editor's request, so it is bounded by a short
timeout and never raises: a cache that is down or slow costs that save at most
``TIMEOUT_SECONDS`` per cache and a log line, and the page it kept goes stale for no
longer than its s-maxage.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from http.client import HTTPConnection, HTTPException, HTTPSConnection
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

PURGE_HEADER = "xkey-purge"
TIMEOUT_SECONDS = 0.5

logger = logging.getLogger(__name__)


class _Batch:
    """The tags one transaction purges, sent once when it commits.

    One save of a tool with its inline reviews fires a dozen signals; they add to the
    transaction's batch, which leaves as one request per cache. A transaction that rolls
    back drops its batch with its other on-commit callbacks.
    """

    def __init__(self) -> None:
        self.tags: set[str] = set()
        self.sent = False

    def __call__(self) -> None:
        self.sent = True
        purge(self.tags)


def purge_on_commit(*tags: str) -> None:
    """Purge ``tags`` when the current transaction commits (at once outside one)."""
    if not settings.VARNISH_PURGE_URLS or not tags:
        return
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # Django keeps the transaction's callbacks as (savepoints, callback, robust).
        batch = next(
            (
                c
                for _, c, _ in reversed(connection.run_on_commit)
                if isinstance(c, _Batch) and not c.sent
            ),
            None,
        )
        if batch is not None:
            batch.tags.update(tags)
            return
    batch = _Batch()
    batch.tags.update(tags)
    transaction.on_commit(batch, robust=True)


def purge(tags: Iterable[str]) -> None:
    """Ask every cache in ``VARNISH_PURGE_URLS`` to drop the pages tagged with ``tags``."""
    names = " ".join(sorted(tags))
    for url in settings.VARNISH_PURGE_URLS:
        parts = urlsplit(url)
        connection_class = HTTPSConnection if parts.scheme == "https" else HTTPConnection
        connection = connection_class(parts.hostname, parts.port, timeout=TIMEOUT_SECONDS)
        try:
            connection.request("PURGE", parts.path or "/", headers={PURGE_HEADER: names})
            response = connection.getresponse()
            response.read()
            level = logging.INFO if response.status == 200 else logging.WARNING
            # Varnish says how many pages went ("Purged 3").
            logger.log(
                level, "purge of %s at %s: %s %s", names, url, response.status, response.reason
            )
        except (OSError, HTTPException) as error:
            logger.warning("purge of %s at %s failed: %s", names, url, error)
        finally:
            connection.close()
