"""Fixed-window rate limits, shared by every worker and app server through Redis.

Each (scope, window) has one Redis hash per window, field = a hash of the key, bumped with
``HINCRBY`` (atomic, so every gunicorn worker and every app server sharing the Redis
counts against the same number). The hashes carry no expiry on purpose: Redis runs with
``maxmemory-policy volatile-lru``, which evicts only keys that have one, so a crawler
filling the cache with share cards can push out pages and cards but never a rate limit
in the middle of being counted. Instead of expiring, each count deletes the hash of the
previous window of its scope, so at most one finished window per scope lingers.

Keys are hashed: callers pass IP addresses, usernames and voter ids, which should not sit
in Redis in the clear, and hashing keeps field names short.

When Redis cannot be reached, ``is_rate_limited`` raises ``LimitsUnavailable`` rather than
guessing; each caller decides what is safe (admin sign-in refuses with a 503, a vote goes
on because its stuffing limit lives in PostgreSQL). Without ``RATELIMIT_REDIS_URL`` (a bare
``manage.py`` or gunicorn with no Redis) the counts live in Django's cache, per process.
"""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize

from core.cache import REDIS_FAILURES, redis_client

logger = logging.getLogger(__name__)

KEY_PREFIX = "sos:ratelimit"


class LimitsUnavailable(Exception):
    """The shared counts cannot be read or written just now (Redis down or hung)."""


def _window_index(window: int, now: float) -> int:
    return int(now // window)


def seconds_until_reset(window: int, *, now: float | None = None) -> int:
    """How long until the current window for ``window`` seconds starts afresh."""
    now = time.time() if now is None else now
    return max(1, window - int(now) % window)


def window_key(scope: str, window: int, index: int) -> str:
    return f"{KEY_PREFIX}:{scope}:{window}:{index}"


def _count_in_redis(url: str, scope: str, field: str, window: int, index: int) -> int:
    pipeline = redis_client(url).pipeline(transaction=False)
    pipeline.hincrby(window_key(scope, window, index), field, 1)
    pipeline.delete(window_key(scope, window, index - 1))
    try:
        count, _ = pipeline.execute()
    except REDIS_FAILURES as error:
        logger.warning("rate limits unavailable (%s): %s", scope, error)
        raise LimitsUnavailable(str(error)) from error
    return count


def _count_in_cache(scope: str, field: str, window: int, index: int) -> int:
    # Per-process fallback: add and incr are atomic within the local-memory cache.
    store = caches["default"]
    key = f"ratelimit:{scope}:{field}:{index}"
    if store.add(key, 1, timeout=window + 5):
        return 1
    try:
        return store.incr(key)
    except ValueError:
        store.add(key, 1, timeout=window + 5)
        return 1


def is_rate_limited(
    scope: str, key: str, *, limit: int, window: int, if_unavailable: bool | None = None
) -> bool:
    """Count one attempt for ``key`` in ``scope``; True once it exceeds ``limit`` per window.

    When the shared counts cannot be reached the answer is ``if_unavailable``, or, left at
    None, ``LimitsUnavailable`` is raised for the caller to refuse.
    """
    if limit <= 0:
        return True
    field = hashlib.sha256(key.encode()).hexdigest()[:32]
    index = _window_index(window, time.time())
    if url := settings.RATELIMIT_REDIS_URL:
        try:
            count = _count_in_redis(url, scope, field, window, index)
        except LimitsUnavailable:
            if if_unavailable is None:
                raise
            return if_unavailable
    else:
        count = _count_in_cache(scope, field, window, index)
    return count > limit


def wait_in_words(seconds: int) -> str:
    """ "45 seconds", "about 6 minutes": how a person would say the wait."""
    if seconds < 120:
        return f"{seconds} second{pluralize(seconds)}"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"about {minutes} minutes"
    return f"about {round(minutes / 60)} hours"


def too_many_requests(request: HttpRequest, message: str, *, retry_after: int = 60) -> HttpResponse:
    """A 429 page that says what happened and when to try again (also in Retry-After)."""
    response = render(
        request,
        "429.html",
        {"message": message, "retry_after": retry_after, "wait": wait_in_words(retry_after)},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
