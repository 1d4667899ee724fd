import fcntl
from pathlib import Path

import pytest
import redis
from django.core.cache import cache

from badges import counters
from badges.data import forget_all_local

COUNTER_REDIS_URL = "redis://127.0.0.1:6379/5"
REDIS_LOCK = Path(__file__).resolve().parents[2] / ".badges-redis.lock"


@pytest.fixture(autouse=True)
def fresh_badge_state(settings):
    """Each test starts with cold badge caches and counts hits in PostgreSQL."""
    settings.BADGES_COUNTER_REDIS_URL = ""
    cache.clear()
    forget_all_local()
    counters._send_only.retry_at = 0.0
    yield
    cache.clear()
    forget_all_local()
    counters._send_only.close()
    counters._send_only.retry_at = 0.0


@pytest.fixture
def redis_counts(settings):
    """Count hits in the badges' Redis database, emptied before and after.

    The database is shared by every xdist worker, so tests that use it take turns.
    """
    with open(REDIS_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        client = redis.Redis.from_url(COUNTER_REDIS_URL)
        client.flushdb()
        settings.BADGES_COUNTER_REDIS_URL = COUNTER_REDIS_URL
        try:
            yield client
        finally:
            client.flushdb()
            fcntl.flock(lock, fcntl.LOCK_UN)
