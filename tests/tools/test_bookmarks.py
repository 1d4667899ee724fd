"""The bookmarks page: the browser sends saved slugs, the server renders their cards."""

import pytest
from django.urls import reverse

from tests.factories import ToolFactory, cast_votes, review_tool
from tests.responses import assert_redirects

pytestmark = pytest.mark.django_db

CARDS = "/bookmarks/cards/"


def test_bookmarks_page_is_in_the_nav_and_explains_itself(client):
    home = client.get(reverse("pages:home")).content.decode()
    assert 'href="/bookmarks/"' in home
    page = client.get("/bookmarks/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your bookmarks" in html
    assert 'id="bookmark-loader"' in html
    assert 'hx-post="/bookmarks/cards/"' in html
    assert "needs JavaScript" in html


def test_cards_come_back_in_the_saved_order_and_unknown_slugs_drop_out(client, panel):
    cursor = ToolFactory(name="Cursor", slug="cursor")
    review_tool(cursor, panel, "sssk")
    ToolFactory(name="Zed", slug="zed")
    ToolFactory(name="Hidden Draft", slug="hidden-draft", draft=True)
    response = client.post(
        CARDS,
        {"slugs": "zed,no-such-tool,hidden-draft, cursor,zed,../etc/passwd,,"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert html.index(">Zed<") < html.index(">Cursor<")
    assert html.count('class="tool-card"') == 2
    assert "Hidden Draft" not in html
    assert "SHIP</p>" in html
    assert 'verdict-score-detail">3 ships · 1 skip</p>' in html
    assert 'data-bookmark="cursor"' in html
    assert 'name="tool" value="cursor"' in html
    assert "Vary" in response and "HX-Request" in response["Vary"]


def test_no_bookmarks_says_so(client):
    response = client.post(CARDS, {}, headers={"HX-Request": "true"})
    assert "No bookmarks yet — bookmark tools to save them for later" in response.content.decode()
    only_unknown = client.post(CARDS, {"slugs": "gone"}, headers={"HX-Request": "true"})
    assert "No bookmarks yet" in only_unknown.content.decode()


def test_without_htmx_the_cards_come_in_a_whole_page(client):
    ToolFactory(name="Plain Tool", slug="plain-tool")
    html = client.post(CARDS, {"slugs": "plain-tool"}).content.decode()
    assert "<html" in html
    assert "Plain Tool" in html


def test_too_many_slugs_is_a_bad_request(client, settings):
    response = client.post(CARDS, {"slugs": ",".join(f"tool-{n}" for n in range(51))})
    assert response.status_code == 400
    assert "At most 50 bookmarks" in response.content.decode()


def test_cards_endpoint_is_post_refused_from_other_sites(client):
    from django.test import Client

    assert client.get(CARDS).status_code == 405
    browser = Client(enforce_csrf_checks=True)
    assert browser.post(CARDS, {"slugs": "x"}, HTTP_SEC_FETCH_SITE="cross-site").status_code == 403
    assert browser.post(CARDS, {"slugs": "x"}, HTTP_SEC_FETCH_SITE="same-origin").status_code == 200


def test_user_text_in_cards_is_escaped(client):
    ToolFactory(name="<script>alert(1)</script>", slug="xss")
    html = client.post(CARDS, {"slugs": "xss"}, headers={"HX-Request": "true"}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


def test_fifty_bookmarks_cost_a_fixed_number_of_queries(
    client, panel, django_assert_max_num_queries
):
    tools = ToolFactory.create_batch(50)
    for tool in tools:
        review_tool(tool, panel, "sskks")
        cast_votes(tool, ships=3, skips=1)
    with django_assert_max_num_queries(2):
        response = client.post(
            CARDS, {"slugs": ",".join(t.slug for t in tools)}, headers={"HX-Request": "true"}
        )
    assert response.content.decode().count('class="tool-card"') == 50


def test_compare_two_bookmarks_goes_to_the_canonical_comparison(client):
    ToolFactory(slug="github-copilot")
    ToolFactory(slug="cursor")
    response = client.get("/bookmarks/compare/?tool=github-copilot&tool=cursor")
    assert_redirects(response, "/compare/cursor-vs-github-copilot/")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?tool=cursor",
        "?tool=cursor&tool=cursor",
        "?tool=a&tool=b&tool=cursor",
        "?tool=%3Cx%3E&tool=cursor",
    ],
)
def test_compare_needs_exactly_two_tools(client, query):
    ToolFactory(slug="cursor")
    response = client.get("/bookmarks/compare/" + query)
    assert response.status_code == 400
    assert "Pick two tools to compare" in response.content.decode()


def test_compare_with_an_unpublished_tool_is_404(client):
    ToolFactory(slug="cursor")
    ToolFactory(slug="secret", draft=True)
    assert client.get("/bookmarks/compare/?tool=cursor&tool=secret").status_code == 404
    assert client.get("/bookmarks/compare/?tool=cursor&tool=nope").status_code == 404


def test_bookmark_buttons_on_cards_and_tool_pages(client):
    tool = ToolFactory(name="Ollama", slug="ollama")
    for html in (
        client.get(reverse("pages:home")).content.decode(),
        client.get(tool.get_absolute_url()).content.decode(),
    ):
        assert 'data-bookmark="ollama"' in html
        assert 'aria-label="Bookmark Ollama"' in html
    # Hidden until the script can keep the list.
    assert 'aria-pressed="false" aria-label="Bookmark Ollama" hidden' in html
