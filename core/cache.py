"""Django's Redis cache, made to degrade: with Redis down or hung, a read is a miss and a
write is skipped, so pages and badges are served from PostgreSQL instead of failing.

Every call is bounded by short socket timeouts (the cache's ``OPTIONS``), and after one
failure the process leaves Redis alone for ``RETRY_SECONDS`` rather than paying that
timeout on every call while it is away. Rate limits do not use this cache:
``core.ratelimit`` must know when its counts are unavailable instead of reading a miss.
"""

from __future__ import annotations

import logging
import time
from functools import cache as memoise
from functools import wraps

import redis
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

RETRY_SECONDS = 5.0
_down_until = 0.0
# What a Redis call can raise when Redis is away or a connection breaks mid-answer: redis-py
# reports a connection torn down during its handshake as a ValueError from its buffer.
REDIS_FAILURES = (redis.RedisError, OSError, ValueError)


# RESP2: with RESP3, redis-py 8 also negotiates "maintenance notifications" on each new
# connection, and under concurrent connects that handshake failed with an AttributeError
# (a vote answered 500 about once in 500 at 100 concurrent voters). We use nothing of RESP3.
REDIS_PROTOCOL = 2


@memoise
def redis_client(url: str) -> redis.Redis:
    """A client for ``url`` with short timeouts: a hung Redis must cost a request a fraction
    of a second, never a worker."""
    return redis.Redis.from_url(
        url, socket_timeout=0.5, socket_connect_timeout=0.5, protocol=REDIS_PROTOCOL
    )


def redis_reachable(url: str) -> bool:
    try:
        return bool(redis_client(url).ping())
    except REDIS_FAILURES:
        return False


def is_down() -> bool:
    """Whether this process saw the cache fail in the last few seconds."""
    return time.monotonic() < _down_until


def _degrading(default):
    def decorate(method):
        @wraps(method)
        def wrapper(self, *args, **kwargs):
            global _down_until
            if is_down():
                return default() if callable(default) else default
            try:
                return method(self, *args, **kwargs)
            except REDIS_FAILURES as error:
                _down_until = time.monotonic() + RETRY_SECONDS
                logger.warning("cache unavailable, serving without it: %s", error)
                return default() if callable(default) else default

        return wrapper

    return decorate


class DegradingRedisCache(RedisCache):
    def get(self, key, default=None, version=None):
        return _degrading(default)(RedisCache.get)(self, key, default, version)

    set = _degrading(None)(RedisCache.set)
    add = _degrading(False)(RedisCache.add)
    touch = _degrading(False)(RedisCache.touch)
    delete = _degrading(False)(RedisCache.delete)
    get_many = _degrading(dict)(RedisCache.get_many)
    set_many = _degrading(list)(RedisCache.set_many)
    delete_many = _degrading(None)(RedisCache.delete_many)
    has_key = _degrading(False)(RedisCache.has_key)
    clear = _degrading(None)(RedisCache.clear)
