"""Tool and comparison pages answer conditional GETs, and never with a stale 304."""

import pytest
from django.test import Client

from tests.factories import ReviewFactory, ToolFactory, cast_votes, review_tool
from tests.responses import assert_not_modified

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
    return client.get(path)["ETag"]


@pytest.mark.parametrize("index", [0, 1])
def test_unchanged_page_answers_304(client, pages, index, django_assert_max_num_queries):
    path = pages[2][index]
    client.get(path)
    first = client.get(path)
    assert first.status_code == 200
    assert "public" in first["Cache-Control"]
    # The version query alone: the page is neither read from the cache nor rendered.
    with django_assert_max_num_queries(1):
        assert_not_modified(client, path, first)


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


def test_the_etag_does_not_follow_cookies(pages):
    """The page holds nothing of the reader, so one ETag serves everyone."""
    path = pages[2][0]
    etag = Client().get(path)["ETag"]
    client = Client()
    client.cookies["csrftoken"] = "a" * 32
    client.cookies["sos_voter"] = "voter-1"
    assert revalidate(client, path, etag).status_code == 304
