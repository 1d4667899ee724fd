"""Fixed-window rate limits kept in the shared cache.

``cache.add`` creates the window's counter only if it is missing and ``cache.incr`` bumps it
atomically (Redis INCR in production), so concurrent requests on several workers never lose
a count the way a read-modify-write would.
"""

import hashlib

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def _cache_key(scope: str, key: str) -> str:
    # Keys may be email addresses or IPs: hash them so no raw value lands in the cache.
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"ratelimit:{scope}:{digest}"


def is_rate_limited(scope: str, key: str, *, limit: int, window: int) -> bool:
    """Count one hit for ``key`` in ``scope``; True once more than ``limit`` in ``window`` s."""
    cache_key = _cache_key(scope, key)
    if cache.add(cache_key, 1, timeout=window):
        return limit < 1
    try:
        hits = cache.incr(cache_key)
    except ValueError:
        # The window expired between add and incr: this hit opens a new one.
        cache.add(cache_key, 1, timeout=window)
        hits = 1
    return hits > limit


def too_many_requests(request: HttpRequest, message: str) -> HttpResponse:
    return render(request, "429.html", {"message": message}, status=429)
