import pytest
import redis

from badges import counters
from tests.server import redis_url


@pytest.fixture(autouse=True)
def fresh_badge_state(settings):
    """Each test counts hits in PostgreSQL (the root conftest leaves the badge caches cold)."""
    settings.BADGES_COUNTER_REDIS_URL = ""
    counters._send_only.retry_at = 0.0
    yield
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
