"""Reading pages are the same bytes for every anonymous reader, and cacheable by anyone."""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from comparisons.models import comparison_url
from core import pagecache
from tests.factories import ToolFactory
from tests.responses import assert_redirects
from tools.models import Tool
from votes.models import Vote

pytestmark = pytest.mark.django_db


def empty_page_cache_now() -> None:
    """The shared cache and this process's copies of pages, as on a fresh server."""
    cache.clear()
    pagecache.forget_local()


@pytest.fixture
def site(catalogue):
    first, second = sorted(catalogue[:2], key=lambda tool: tool.slug)
    return {
        "tools": catalogue,
        "urls": [
            "/",
            "/verdicts/latest/?page=2",
            first.get_absolute_url(),
            comparison_url(first, second),
            reverse("comparisons:index"),
            reverse("pages:categories"),
            first.category.get_absolute_url(),
            reverse("pages:critics"),
            reverse("pages:critic", args=["skeptic"]),
            reverse("pages:search") + "?q=tool",
            reverse("pages:feed"),
            reverse("pages:feed-atom"),
            reverse("pages:sitemap"),
        ],
    }


def test_anonymous_reading_pages_set_no_cookie_and_are_public(site):
    for url in site["urls"]:
        response = Client().get(url)
        assert response.status_code == 200, url
        assert not response.cookies, url
        cache_control = response["Cache-Control"]
        assert "public" in cache_control, url
        assert "max-age=" in cache_control and "s-maxage=" in cache_control, url
        assert response["ETag"], url
        assert "Cookie" not in response.get("Vary", ""), url
        assert "csrfmiddlewaretoken" not in response.content.decode(), url


def test_a_reader_with_cookies_gets_the_same_bytes_as_one_without(site):
    tool = site["tools"][0]
    reader = Client()
    reader.cookies["sos_voter"] = "someone"
    reader.cookies["csrftoken"] = "a" * 32
    Vote.objects.create(tool=tool, voter="someone", choice="ship")
    for url in site["urls"]:
        empty_page_cache_now()
        fresh = Client().get(url)
        mine = reader.get(url)
        assert fresh.content == mine.content, url
        assert fresh["ETag"] == mine["ETag"], url


def test_only_search_says_it_varies_on_htmx(site):
    search = Client().get(reverse("pages:search") + "?q=tool", HTTP_HX_REQUEST="true")
    assert "HX-Request" in search["Vary"]
    page = Client().get(site["tools"][0].get_absolute_url())
    assert "Vary" not in page


def test_a_matching_etag_is_a_304(site):
    url = site["tools"][0].get_absolute_url()
    etag = Client().get(url)["ETag"]
    response = Client().get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert "public" in response["Cache-Control"]


def test_the_reader_own_vote_is_a_private_answer(site):
    tool = site["tools"][0]
    reader = Client()
    reader.post(f"/tools/{tool.slug}/vote/", {"choice": "skip"})
    answer = reader.get(tool.get_absolute_url() + "?voted=1")
    assert set(answer["Cache-Control"].split(", ")) == {"private", "no-store"}
    html = answer.content.decode()
    assert re.search(r'value="skip"[^>]*aria-pressed="true"', html)
    assert "You voted <strong data-my-choice>SKIP</strong>" in html
    shared = reader.get(tool.get_absolute_url())
    assert "public" in shared["Cache-Control"]
    assert "data-my-choice></strong>" in shared.content.decode()


def test_votes_mine_answers_privately_with_the_reader_votes(site):
    first, second = site["tools"][:2]
    reader = Client()
    reader.post(f"/tools/{first.slug}/vote/", {"choice": "ship"})
    response = reader.get(f"/votes/mine/?tools={first.slug},{second.slug}")
    assert response.json() == {"votes": {first.slug: "ship"}}
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}
    assert Client().get(f"/votes/mine/?tools={first.slug}").json() == {"votes": {}}


@pytest.mark.parametrize("tools", [",".join(f"t{n}" for n in range(21)), "bad%00slug"])
def test_votes_mine_refuses_what_no_page_asks(site, tools):
    assert Client().get(f"/votes/mine/?tools={tools}").status_code == 400


def test_no_js_vote_returns_to_the_private_answer():
    tool = ToolFactory()
    response = Client().post(
        f"/tools/{tool.slug}/vote/", {"choice": "ship", "next": f"/tools/{tool.slug}/"}
    )
    assert_redirects(response, f"/tools/{tool.slug}/?voted=1#vote-{tool.slug}")


# --- the whole-page cache -------------------------------------------------------------


def test_a_warm_tool_page_costs_one_query_and_no_rendering(site, django_assert_num_queries):
    from django.test.signals import template_rendered

    url = site["tools"][0].get_absolute_url()
    Client().get(url)
    rendered = []
    template_rendered.connect(lambda **kw: rendered.append(kw["template"]), dispatch_uid="t")
    try:
        with django_assert_num_queries(1):
            response = Client().get(url)
    finally:
        template_rendered.disconnect(dispatch_uid="t")
    assert response.status_code == 200
    assert rendered == []


@pytest.mark.parametrize("index", range(13))
def test_every_warm_reading_page_costs_one_query(site, index, django_assert_num_queries):
    url = site["urls"][index]
    Client().get(url)
    with django_assert_num_queries(1):
        assert Client().get(url).status_code == 200


def _fresh_and_cached(url: str) -> tuple[bytes, bytes]:
    """The page as the cache serves it now, and as a fresh render would."""
    cached = Client().get(url).content
    empty_page_cache_now()
    fresh = Client().get(url).content
    return cached, fresh


def test_cached_bytes_equal_a_fresh_render_after_each_kind_of_change(site, settings):
    tool, rival = site["tools"][:2]
    urls = [
        tool.get_absolute_url(),
        comparison_url(tool, rival),
        "/",
        tool.category.get_absolute_url(),
    ]
    for url in urls:
        Client().get(url)

    def review_edit():
        review = tool.reviews.first()
        review.verdict = "skip" if review.verdict == "ship" else "ship"
        review.save()

    def unpublish():
        rival.unpublish()
        rival.save()

    def publish():
        rival.publish()
        rival.save()

    def vote():
        Vote.objects.create(tool=tool, voter="a-new-reader", choice="ship")

    for change in (review_edit, unpublish, publish, vote):
        change()
        for url in urls:
            if url.startswith("/compare/") and not rival.is_published:
                continue
            if change is vote and url in ("/", tool.category.get_absolute_url()):
                # Lists read counts within LIST_PAGE_SECONDS, not at once (see README).
                continue
            cached, fresh = _fresh_and_cached(url)
            assert cached == fresh, (change.__name__, url)


def test_a_review_edit_shows_on_the_very_next_request(site):
    tool = site["tools"][0]
    url = tool.get_absolute_url()
    assert "New take from the panel" not in Client().get(url).content.decode()
    assert "New take from the panel" not in Client().get("/").content.decode()
    review = tool.reviews.first()
    review.body = "New take from the panel"
    review.save()
    assert "New take from the panel" in Client().get(url).content.decode()


def test_unpublishing_shows_on_the_very_next_request(site):
    tool = site["tools"][0]
    assert Client().get(tool.get_absolute_url()).status_code == 200
    assert tool.name in Client().get(tool.category.get_absolute_url()).content.decode()
    tool.unpublish()
    tool.save()
    assert Client().get(tool.get_absolute_url()).status_code == 404
    assert tool.name not in Client().get(tool.category.get_absolute_url()).content.decode()


def test_a_vote_shows_on_the_tool_page_at_once(site):
    tool = Tool.objects.with_stats().get(pk=site["tools"][0].pk)
    before = tool.community.votes
    url = tool.get_absolute_url()
    assert f"{before} votes" in Client().get(url).content.decode()
    Client().post(f"/tools/{tool.slug}/vote/", {"choice": "ship"})
    assert f"{before + 1} votes" in Client().get(url).content.decode()


# --- where a warm hit is answered, and what its version is made of -------------------


def test_a_warm_hit_carries_exactly_the_headers_of_the_render_it_repeats(site):
    for url in site["urls"]:
        empty_page_cache_now()
        rendered = Client().get(url)
        repeated = Client().get(url)
        assert repeated.content == rendered.content, url
        assert dict(repeated.headers) == dict(rendered.headers), url
        # Answered before the frame middleware ran, and still unframeable.
        assert repeated["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in repeated["Content-Security-Policy"]


def test_a_warm_hit_is_answered_before_sessions_csrf_and_users(site, monkeypatch):
    from django.contrib.sessions.middleware import SessionMiddleware

    url = site["tools"][0].get_absolute_url()
    Client().get(url)
    reached = []
    original = SessionMiddleware.process_request
    monkeypatch.setattr(
        SessionMiddleware,
        "process_request",
        lambda self, request: reached.append(request.path) or original(self, request),
    )
    assert Client().get(url).status_code == 200
    assert reached == []
    # A miss goes the whole way, and is stored for the next reader.
    empty_page_cache_now()
    Client().get(url)
    assert reached == [url]


def test_the_version_query_is_prepared_once_per_connection(site):
    from django.db import connection

    url = site["tools"][0].get_absolute_url()
    for _ in range(3):
        Client().get(url)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans + custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%tools_contentversion%"],
        )
        runs = [count for (count,) in cursor.fetchall()]
    assert runs and max(runs) >= 3
