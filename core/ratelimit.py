"""Fixed-window rate limits kept in Django's cache.

Each (scope, key) gets one counter per window, created with ``add`` and bumped with
``incr``, both atomic in Redis, so every gunicorn worker and every app server sharing
``REDIS_URL`` counts against the same number. Without Redis the local-memory cache gives
per-process limits, which is enough for a single development server.

Keys are hashed: callers pass IP addresses and voter ids, which should not sit in the
cache in the clear, and hashing keeps cache keys short and safe for any backend.
"""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import pluralize


def _window_index(window: int, now: float) -> int:
    return int(now // window)


def seconds_until_reset(window: int, *, now: float | None = None) -> int:
    """How long until the current window for ``window`` seconds starts afresh."""
    now = time.time() if now is None else now
    return max(1, window - int(now) % window)


def is_rate_limited(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one attempt for ``key`` in ``scope``; True once it exceeds ``limit`` per window."""
    if limit <= 0:
        return True
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"ratelimit:{scope}:{digest}:{_window_index(window, time.time())}"
    # The counter outlives its window by a little so a late incr never recreates it.
    if cache.add(cache_key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:
            # Expired or evicted between add and incr: this attempt opens a fresh count.
            cache.add(cache_key, 1, timeout=window + 5)
            count = 1
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
