import pytest
import redis
from django.core.cache import cache

from badges.data import forget_all_local

COUNTER_REDIS_URL = "redis://127.0.0.1:6379/5"


@pytest.fixture(autouse=True)
def fresh_badge_state(settings):
    """Each test starts with cold badge caches and counts hits in PostgreSQL."""
    settings.BADGES_COUNTER_REDIS_URL = ""
    cache.clear()
    forget_all_local()
    yield
    cache.clear()
    forget_all_local()


@pytest.fixture
def redis_counts(settings):
    """Count hits in this test's own Redis database, emptied before and after."""
    client = redis.Redis.from_url(COUNTER_REDIS_URL)
    client.flushdb()
    settings.BADGES_COUNTER_REDIS_URL = COUNTER_REDIS_URL
    yield client
    client.flushdb()
