import pytest
import redis
from django.core.cache import cache

from badges import counters
from badges.data import forget_all_local
from tests.server import redis_url


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
    """Count hits in this worker's Redis database, which every test starts with empty."""
    url = redis_url()
    settings.BADGES_COUNTER_REDIS_URL = url
    client = redis.Redis.from_url(url)
    yield client
    client.flushdb()
    client.close()
