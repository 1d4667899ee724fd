"""Tool and comparison pages answer conditional GETs, and never with a stale 304."""

import pytest
from django.test import Client

from tests.factories import ReviewFactory, ToolFactory, cast_votes, review_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def pages(panel):
    first = ToolFactory(slug="alpha", name="Alpha")
    second = ToolFactory(slug="beta", name="Beta")
    review_tool(first, panel, "sssk")
    review_tool(second, panel, "sskk")
    return first, second, ["/tools/alpha/", "/compare/alpha-vs-beta/"]


def revalidate(client: Client, path: str, etag: str):
    return client.get(path, headers={"If-None-Match": etag})


def warm(client: Client, path: str) -> str:
    """A browser's first visit receives the CSRF cookie; its later visits revalidate."""
    client.get(path)
    return client.get(path)["ETag"]


@pytest.mark.parametrize("index", [0, 1])
def test_unchanged_page_answers_304(client, pages, index, django_assert_max_num_queries):
    path = pages[2][index]
    client.get(path)
    first = client.get(path)
    assert first.status_code == 200
    assert "private" in first["Cache-Control"] and "no-cache" in first["Cache-Control"]
    with django_assert_max_num_queries(2):
        again = revalidate(client, path, first["ETag"])
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == first["ETag"]


def changes(pages, panel):
    first, _, _ = pages

    def edit_tool():
        first.tagline = "A new tagline"
        first.save()

    def new_review():
        ReviewFactory(tool=first, persona=panel[5])

    def edit_review():
        review = first.reviews.first()
        review.body = "Changed my mind."
        review.save()

    def new_vote():
        cast_votes(first, ships=1)

    def rename_persona():
        panel[0].name = "Renamed"
        panel[0].save()

    def new_tool_in_catalogue():
        ToolFactory(name="Gamma")

    return [edit_tool, new_review, edit_review, new_vote, rename_persona, new_tool_in_catalogue]


@pytest.mark.parametrize("change_index", range(6))
def test_any_change_to_what_the_page_shows_gives_a_full_200(client, pages, panel, change_index):
    paths = pages[2]
    before = {path: warm(client, path) for path in paths}
    for path in paths:
        assert revalidate(client, path, before[path]).status_code == 304
    changes(pages, panel)[change_index]()
    for path in paths:
        response = revalidate(client, path, before[path])
        assert response.status_code == 200, path
        assert response["ETag"] != before[path]


def test_etag_follows_the_csrf_and_voter_cookies(pages):
    path = pages[2][0]
    client = Client()
    client.cookies["csrftoken"] = "a" * 32
    etag = client.get(path)["ETag"]
    client.cookies["sos_voter"] = "voter-1"
    assert revalidate(client, path, etag).status_code == 200
    voter_etag = client.get(path)["ETag"]
    client.cookies["csrftoken"] = "b" * 32
    assert revalidate(client, path, voter_etag).status_code == 200


def test_htmx_and_full_page_have_different_etags(client, pages):
    path = pages[2][0]
    full = warm(client, path)
    assert client.get(path, headers={"HX-Request": "true"})["ETag"] != full


def test_etag_follows_the_voter_cookie_whatever_it_is_named(pages, settings):
    settings.VOTER_COOKIE_NAME = "renamed_voter"
    path = pages[2][0]
    client = Client()
    etag = client.get(path)["ETag"]
    client.cookies["renamed_voter"] = "voter-1"
    assert revalidate(client, path, etag).status_code == 200
