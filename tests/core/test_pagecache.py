"""Each process's copies of shared pages: used before the shared cache, never past the
moment the shared copy expires."""

from __future__ import annotations

import dataclasses
import time

import pytest
from django.core.cache import cache
from django.test import Client

from core import pagecache

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored_home(catalogue) -> str:
    Client().get("/")
    (key,) = pagecache._local
    return key


def test_a_warm_page_is_served_from_the_process_copy_without_the_shared_cache(stored_home):
    copy = pagecache._local[stored_home]
    assert cache.get(stored_home) == copy
    cache.clear()
    pagecache._local[stored_home] = dataclasses.replace(copy, content=b"the local copy")
    assert Client().get("/").content == b"the local copy"


def test_a_process_copy_goes_when_the_shared_copy_expires(stored_home):
    copy = pagecache._local[stored_home]
    assert copy.expires_at == pytest.approx(time.time() + pagecache.LIST_PAGE_SECONDS, abs=2)
    pagecache._local[stored_home] = dataclasses.replace(
        copy, content=b"an expired copy", expires_at=time.time() - 1
    )
    cache.clear()
    response = Client().get("/")
    assert response.content != b"an expired copy"
    assert b"</html>" in response.content
