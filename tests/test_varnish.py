"""Varnish with the repository's VCL in front of a real gunicorn.

Debian's varnishd (devtools/varnish.py) serves deploy/varnish/default.vcl with its backend
pointed at a gunicorn on the test database. The edits below are made in this process, as
an editor's save would be, and send their purges to that varnishd (core/purge.py).
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from devtools import varnish
from tests.factories import ToolFactory, review_tool
from tests.server import gunicorn
from votes.models import Vote

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def front(settings) -> Iterator[varnish.Front]:
    with gunicorn(workers=1) as app, varnish.serve(urlsplit(app).port) as cache:
        settings.VARNISH_PURGE_URLS = [cache.url]
        yield cache


@pytest.fixture
def tool(panel):
    tool = ToolFactory(slug="cached-tool", name="Cached Tool")
    review_tool(tool, panel, "ssk")
    return tool


class Answer:
    def __init__(self, status: int, headers, body: bytes):
        self.status, self.headers, self.body = status, headers, body

    @property
    def cache(self) -> str:
        return self.headers.get("X-Cache", "")


def fetch(url: str, *, method: str = "GET", data: bytes | None = None, headers=None) -> Answer:
    request = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=10) as response:
            answer = Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        answer = Answer(error.code, error.headers, error.read())
    # Whatever the request, an answer that sets a cookie never comes from the cache.
    assert not (answer.headers.get("Set-Cookie") and answer.cache == "hit")
    return answer


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def test_the_second_anonymous_get_is_a_hit_and_a_review_edit_purges_it(front, tool, caplog):
    caplog.set_level(logging.INFO, logger="core.purge")
    url = front.url + "/tools/cached-tool/"
    first = fetch(url)
    assert (first.status, first.cache) == (200, "miss")
    second = fetch(url)
    assert (second.status, second.cache) == (200, "hit")
    assert second.body == first.body
    assert "xkey" not in second.headers

    review = tool.reviews.first()
    review.body = "A fresh take, written after the benchmark results came in."
    review.save()

    # The page went because of the purge (one object: the page), not because it aged out.
    assert [record.getMessage() for record in caplog.records] == [
        f"purge of listing tool-{tool.pk} at {front.url}: 200 Purged 1"
    ]
    third = fetch(url)
    assert (third.status, third.cache) == (200, "miss")
    assert b"A fresh take, written after the benchmark results came in." in third.body


def test_unpublishing_purges_the_page_and_the_lists(front, tool):
    for path in ("/tools/cached-tool/", "/"):
        fetch(front.url + path)
        assert fetch(front.url + path).cache == "hit"

    tool.unpublish()
    tool.save()

    assert fetch(front.url + "/tools/cached-tool/").status == 404
    home = fetch(front.url + "/")
    assert home.cache == "miss"
    assert b"Cached Tool" not in home.body


def test_a_vote_post_passes_through_to_the_app(front, tool):
    fetch(front.url + "/tools/cached-tool/")
    answer = fetch(
        front.url + "/tools/cached-tool/vote/",
        method="POST",
        data=b"choice=ship",
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Sec-Fetch-Site": "same-origin",
        },
    )
    assert answer.cache == "pass"
    assert answer.status == 302
    assert "sos_voter" in answer.headers["Set-Cookie"]
    assert Vote.objects.filter(tool=tool).count() == 1


def test_requests_with_cookies_pass_and_answers_setting_cookies_are_never_stored(front, tool):
    url = front.url + "/tools/cached-tool/"
    assert fetch(url).cache == "miss"
    assert fetch(url, headers={"Cookie": "sos_voter=someone"}).cache == "pass"

    # The sign-in page sets the CSRF cookie: asked for again and again, it is never a hit.
    sign_in = [fetch(front.url + "/admin/login/") for _ in range(3)]
    assert all(answer.status == 200 for answer in sign_in)
    assert all("csrftoken" in answer.headers["Set-Cookie"] for answer in sign_in)
    assert [answer.cache for answer in sign_in] == ["miss", "miss", "miss"]
