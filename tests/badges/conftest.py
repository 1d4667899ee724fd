import pytest
import redis

from badges import counters
from tests.server import redis_url


@pytest.fixture(autouse=True)
def fresh_badge_state(settings):
    """Each test counts hits in PostgreSQL (the root conftest leaves the badge caches cold)."""
    settings.BADGES_COUNTER_REDIS_URL = ""
    # And with no visitors remembered or batches held by this process from earlier tests.
    counters._batch._reset()


@pytest.fixture
def redis_counts(settings):
    """Count hits in this worker's Redis database, which every test starts with empty."""
    url = redis_url()
    settings.BADGES_COUNTER_REDIS_URL = url
    client = redis.Redis.from_url(url)
    yield client
    client.flushdb()
    client.close()
