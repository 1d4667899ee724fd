"""Fixed-window rate limits kept in the shared cache, so every app server counts together."""

from __future__ import annotations

import hashlib
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.html import format_html


def is_rate_limited(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit for ``key`` in ``scope``; True once more than ``limit`` fall in the window."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    bucket = int(time.time() // window)
    cache_key = f"ratelimit:{scope}:{digest}:{bucket}"
    # add() is a no-op when the counter exists and incr() is atomic in Redis and LocMem,
    # so concurrent hits never lose a count the way get-then-set would.
    cache.add(cache_key, 0, timeout=window)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # the window expired between add() and incr()
        cache.add(cache_key, 1, timeout=window)
        count = 1
    return count > limit


def too_many_requests(request: HttpRequest, message: str) -> HttpResponse:
    body = format_html(
        "<!doctype html><title>Too many requests</title><h1>Too many requests</h1><p>{}</p>",
        message,
    )
    return HttpResponse(body, status=429)
