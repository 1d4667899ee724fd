"""Rate limits survive a Redis under memory pressure: a crawler filling the cache with
share cards evicts pages and cards, never a limit being counted."""

import pytest
import redis
from django.core.cache import caches

from core.ratelimit import is_rate_limited
from devtools.redis import throwaway_redis

CARD = b"\x89PNG" + bytes(64 * 1024)


@pytest.fixture
def small_redis(settings):
    # Debian's and compose's policy, with little room so eviction starts quickly.
    with throwaway_redis(maxmemory="12mb", policy="volatile-lru") as server:
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": "sos",
            }
        }
        settings.RATELIMIT_REDIS_URL = server.url
        caches["default"].close()
        yield server


def test_a_crawler_walking_pair_cards_cannot_evict_a_sign_in_lockout(small_redis):
    for _ in range(3):
        is_rate_limited("admin-login-user", "edna", limit=3, window=900)
    assert is_rate_limited("admin-login-user", "edna", limit=3, window=900)

    cache = caches["default"]
    stats = redis.Redis.from_url(small_redis.url)
    # Three times the memory limit in share cards, each kept for a week as the site does.
    for n in range(3 * 12 * 16):
        cache.set(f"share:pair:tool-{n}-vs-tool-{n + 1}", CARD, 7 * 86400)
    assert stats.info("stats")["evicted_keys"] > 100
    assert stats.info("memory")["used_memory"] <= 13 * 1024 * 1024

    # Still locked out: the count was not evicted, and it keeps counting.
    assert is_rate_limited("admin-login-user", "edna", limit=3, window=900)
    assert not is_rate_limited("admin-login-user", "someone-else", limit=3, window=900)


def test_every_redis_we_run_is_bounded_with_an_eviction_policy():
    from devtools.redis import CONFIG
    from tests.server import ROOT

    assert "maxmemory 256mb" in CONFIG
    assert "maxmemory-policy volatile-lru" in CONFIG
    compose = (ROOT / "compose.yaml").read_text()
    redis_service = compose.split("\n  redis:\n", 1)[1].split("\n  migrate:\n", 1)[0]
    command = redis_service.split("command:", 1)[1].split("healthcheck:", 1)[0]
    assert "--maxmemory\n      - 256mb" in command
    assert "--maxmemory-policy\n      - volatile-lru" in command
