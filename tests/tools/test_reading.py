"""What a reader sees on the home, tool, category and search pages."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import CategoryFactory, ReviewFactory, ToolFactory, cast_votes, review_tool
from tools.models import Tool

pytestmark = pytest.mark.django_db

BUDGET = 8


def text_of(response) -> str:
    return unescape(response.content.decode())


def test_home_sections_sort_tools_into_top_shipped_and_most_divided(client, panel):
    unanimous = ToolFactory(name="Unanimous", published_at=timezone.now() - timedelta(days=3))
    review_tool(unanimous, panel, "sssssss")
    narrow = ToolFactory(name="Narrow Win", published_at=timezone.now() - timedelta(days=2))
    review_tool(narrow, panel, "sssskkk")
    split = ToolFactory(name="Even Split")
    review_tool(split, panel, "sskk")
    pending = ToolFactory(name="Still Pending")
    review_tool(pending, panel, "s")

    html = text_of(client.get(reverse("pages:home")))
    top = html.split('id="top-shipped-heading"')[1].split("</section>")[0]
    divided = html.split('id="most-divided-heading"')[1].split("</section>")[0]
    latest = html.split('id="latest-heading"')[1].split("</section>")[0]

    assert top.index("Unanimous") < top.index("Narrow Win")
    assert "Even Split" not in top
    # Each tool shows once: Narrow Win leads with the shipped, so "divided" skips it.
    assert "Even Split" in divided and "Narrow Win" not in divided
    assert "Unanimous" not in divided and "Still Pending" not in divided
    assert "Still Pending" in latest and "Unanimous" not in latest

    divided_page = text_of(client.get(reverse("pages:section", args=["most-divided"])))
    assert "Even Split" in divided_page and "Narrow Win" in divided_page


def test_home_shows_featured_comparisons_of_published_tools_only(client, catalogue):
    from comparisons.models import FeaturedComparison

    hidden = ToolFactory(name="Hidden Draft", draft=True)
    FeaturedComparison.objects.create(tool_a=catalogue[10], tool_b=hidden)
    html = text_of(client.get(reverse("pages:home")))
    featured = html.split('id="featured-heading"')[1].split("</section>")[0]
    assert f'{catalogue[0].name} <span class="vs">vs</span> {catalogue[1].name}' in featured
    assert "Hidden Draft" not in featured


def test_latest_page_two_is_the_next_slice_and_old_home_pages_lead_there(client, catalogue):
    latest = reverse("pages:section", args=["latest"])
    first = text_of(client.get(latest))
    html = text_of(client.get(latest, {"page": 2}))
    assert "Page 2 of 3" in html
    assert "Top shipped" not in html
    assert "— page 2</title>" in html
    assert 'rel="canonical" href="http://127.0.0.1:8000/verdicts/latest/?page=2"' in html
    assert "Page 1 of 3" in first
    old = client.get(reverse("pages:home"), {"page": 2})
    assert (old.status_code, old["Location"]) == (301, f"{latest}?page=2")


def test_tool_page_share_box_has_the_share_text_and_links(client, panel, settings):
    settings.SITE_URL = "https://shiporskip.example"
    tool = ToolFactory(name="Cursor", slug="cursor")
    review_tool(tool, panel, "ssss")
    html = text_of(client.get(tool.get_absolute_url()))
    expected = (
        "Cursor verdict: SHIP 🚀 4 ships · 0 skips from the expert panel "
        "Full review: https://shiporskip.example/tools/cursor/"
    )
    assert f'<p class="share-text" id="share-text">{expected}</p>' in html
    assert 'data-copy-target="#share-text"' in html
    for network in ["x.com/intent/post", "bsky.app", "linkedin.com", "news.ycombinator.com"]:
        assert network in html


def test_tool_page_suggests_same_category_comparisons_first(client, panel):
    coding = CategoryFactory(name="Coding")
    other = CategoryFactory(name="Other")
    tool = ToolFactory(name="Cursor", slug="cursor", category=coding)
    ToolFactory(name="Aider", slug="aider", category=other)
    ToolFactory(name="Zed AI", slug="zed-ai", category=coding)
    html = text_of(client.get(tool.get_absolute_url()))
    links = html.split('id="compare-heading"')[1]
    assert links.index("Cursor vs Zed AI") < links.index("Cursor vs Aider")
    assert 'href="/compare/cursor-vs-zed-ai/"' in links
    assert 'href="/compare/aider-vs-cursor/"' in links
    assert '<option value="aider">Aider</option>' in links


def test_tool_page_reviews_link_their_critic_and_show_dates(client, panel):
    tool = ToolFactory(published_at=timezone.now().replace(year=2025, month=3, day=4))
    ReviewFactory(tool=tool, persona=panel[1], score=41, verdict="skip")
    html = text_of(client.get(tool.get_absolute_url()))
    assert f'href="/critics/{panel[1].slug}/"' in html
    assert "41</strong>/100" in html and "SKIP" in html
    assert "Reviewed <time" in html and "4 March 2025" in html


def test_tool_page_query_budget(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = client.get(catalogue[0].get_absolute_url())
    assert response.status_code == 200
    assert text_of(response).count('class="review"') == 7


def test_category_page_lists_only_its_published_tools(client, panel):
    coding = CategoryFactory(name="Coding assistants", slug="coding", description="Pairs.")
    ToolFactory(name="In Category", category=coding)
    ToolFactory(name="Drafted", category=coding, draft=True)
    ToolFactory(name="Elsewhere")
    response = client.get(coding.get_absolute_url())
    html = text_of(response)
    assert coding.get_absolute_url() == "/categories/coding/"
    assert "<h1>Coding assistants</h1>" in html
    assert "In Category" in html
    assert "Drafted" not in html and "Elsewhere" not in html
    assert client.get("/categories/nope/").status_code == 404


def test_category_index_counts_published_tools(client):
    coding = CategoryFactory(name="Coding")
    ToolFactory.create_batch(2, category=coding)
    ToolFactory(category=coding, draft=True)
    html = text_of(client.get(reverse("pages:categories")))
    assert "2 verdicts" in html


def test_category_pages_query_budget(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        assert client.get(reverse("pages:categories")).status_code == 200
    with django_assert_max_num_queries(BUDGET):
        response = client.get(catalogue[0].category.get_absolute_url())
    assert text_of(response).count('class="tool-card"') == 10


def test_search_ranks_name_matches_above_review_mentions(client, panel):
    named = ToolFactory(name="Pinecone", tagline="Managed vector database")
    mentioned = ToolFactory(name="Pgvector", tagline="Vectors inside Postgres")
    ReviewFactory(tool=mentioned, persona=panel[0], body="Cheaper than Pinecone for most.")
    ToolFactory(name="Unrelated", tagline="Nothing to see")
    html = text_of(client.get(reverse("pages:search"), {"q": "pinecone"}))
    assert "2 results for “pinecone”" in html
    assert html.index(named.name) < html.index(mentioned.name, html.index("results for"))
    assert "Unrelated" not in html.split("results for")[1]


def test_search_matches_word_prefixes_and_stems(client, panel):
    ToolFactory(name="Ollama", tagline="Run models locally")
    html = text_of(client.get(reverse("pages:search"), {"q": "olla"}))
    assert "1 result for “olla”" in html
    html = text_of(client.get(reverse("pages:search"), {"q": "running model"}))
    assert "1 result for" in html


def test_search_ignores_drafts_and_draft_reviews(client, panel):
    ToolFactory(name="Secret Sauce", draft=True)
    tool = ToolFactory(name="Plain")
    ReviewFactory(tool=tool, persona=panel[0], body="zebra", status="draft")
    for q in ["secret", "zebra"]:
        assert "0 results" in text_of(client.get(reverse("pages:search"), {"q": q}))


@pytest.mark.parametrize(
    "q", ["", "   ", "!!!", "'&|:*()", "a & b | !c", "nul\x00byte", "ünïcödé 日本"]
)
def test_search_survives_punctuation_and_empty_queries(client, panel, q):
    ToolFactory(name="Anything")
    response = client.get(reverse("pages:search"), {"q": q})
    # A NUL is refused before any view (core.middleware); everything else is searched.
    assert response.status_code == (400 if "\x00" in q else 200)


def test_search_refuses_overlong_queries_with_a_clear_400(client):
    response = client.get(reverse("pages:search"), {"q": "x" * 201})
    assert response.status_code == 400
    assert "at most 200 characters" in text_of(response)


def test_search_htmx_request_gets_only_the_results_fragment(client, panel):
    ToolFactory(name="Ollama")
    response = client.get(reverse("pages:search"), {"q": "ollama"}, headers={"HX-Request": "true"})
    html = text_of(response)
    assert html.lstrip().startswith('<section class="search-results"')
    assert "<html" not in html and "Ollama" in html
    assert "HX-Request" in response["Vary"]


def test_search_page_is_not_indexed(client):
    assert '<meta name="robots" content="noindex">' in text_of(client.get(reverse("pages:search")))


def test_search_query_budget(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(BUDGET):
        response = client.get(reverse("pages:search"), {"q": "tool"})
    assert "50 results" in text_of(response)


def test_search_results_paginate_and_keep_the_query(client, catalogue):
    html = text_of(client.get(reverse("pages:search"), {"q": "tool", "page": 2}))
    assert "Page 2 of 3" in html
    assert 'href="?q=tool&page=3"' in html


def test_unpublished_community_votes_do_not_leak_between_tools(client, panel):
    voted = ToolFactory(name="Voted")
    cast_votes(voted, ships=12)
    quiet = ToolFactory(name="Quiet")
    assert "No community votes yet" in text_of(client.get(quiet.get_absolute_url()))


def test_going_back_to_a_live_search_htmx_no_longer_caches_gets_the_whole_page(client):
    """htmx re-fetches a pushed URL it lost from its history cache with HX-Request set."""
    ToolFactory(name="Ollama")
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = client.get(reverse("pages:search"), {"q": "ollama"}, headers=restore)
    html = text_of(response)
    assert "<html" in html
    assert 'id="search-results"' in html
    assert "Ollama" in html
    assert "HX-History-Restore-Request" in response["Vary"]


def test_share_links_of_the_original_site_redirect_to_the_tool_page(client):
    ToolFactory(slug="llama-cpp")
    for path in ["/tool/llama-cpp", "/tool/llama-cpp/"]:
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (301, "/tools/llama-cpp/")
    assert client.get("/tool/llama-cpp", follow=True).status_code == 200
    assert client.get("/tool/no-such-tool", follow=True).status_code == 404


@pytest.mark.parametrize(
    ("verdicts", "expected"),
    [
        ("ssss", "Cursor verdict: SHIP 🚀 4 ships · 0 skips from the expert panel"),
        ("sskkk", "Cursor verdict: SKIP 🛑 2 ships · 3 skips from the expert panel"),
        ("sskk", "Cursor verdict: SPLIT ⚖️ 2 ships · 2 skips from the expert panel"),
        ("s", "Cursor verdict: PENDING ⏳ 1 of 3 reviews in from the expert panel"),
    ],
)
def test_share_text_keeps_the_original_sites_form(client, panel, settings, verdicts, expected):
    settings.SITE_URL = "https://shiporskip.example"
    tool = ToolFactory(name="Cursor", slug="cursor")
    review_tool(tool, panel, verdicts)
    html = text_of(client.get(tool.get_absolute_url()))
    shared = html.split('id="share-text">')[1].split("</p>")[0]
    assert shared == f"{expected} Full review: https://shiporskip.example/tools/cursor/"


def test_favicon_and_touch_icon_are_served_and_linked(client):
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200
    assert icon["Content-Type"] in ("image/x-icon", "image/vnd.microsoft.icon")
    touch = client.get("/apple-touch-icon.png")
    assert (touch.status_code, touch["Content-Type"]) == (200, "image/png")
    body = b"".join(touch.streaming_content)
    assert body[16:24] == (180).to_bytes(4, "big") * 2  # a 180 x 180 PNG
    html = text_of(client.get(reverse("pages:home")))
    assert '<link rel="apple-touch-icon" href="/apple-touch-icon.png">' in html
    svg_icon = html.split('<link rel="icon" href="')[1].split('"')[0]
    assert client.get(svg_icon).status_code == 200


def test_search_landmarks_have_distinct_names(client):
    html = text_of(client.get(reverse("pages:search"), {"q": "x"}))
    forms = re.findall(r"<form [^>]*role=\"search\"[^>]*>", html)
    names = [re.search(r'aria-label="([^"]+)"', form).group(1) for form in forms]
    assert len(forms) == 2 and len(set(names)) == 2, forms


def test_search_finds_every_demo_tool_by_its_exact_name_and_slug(client):
    from demo.loading import load_demo_data

    load_demo_data()
    tools = Tool.objects.published()
    assert tools.count() >= 16
    for tool in tools:
        for text in (tool.name, tool.slug, tool.name.lower()):
            html = text_of(client.get(reverse("pages:search"), {"q": text}))
            first = html.split('class="tool-card-title"><a href="')[1].split('"')[0]
            assert first == tool.get_absolute_url(), f"{text!r} found {first}"
    for partial, slug in [("llama.c", "llama-cpp"), ("3.5 son", "claude-3-5-sonnet")]:
        html = text_of(client.get(reverse("pages:search"), {"q": partial}))
        assert f'href="/tools/{slug}/"' in html, partial


def test_search_with_odd_characters_still_answers(client):
    ToolFactory(name="llama.cpp", slug="llama-cpp")
    for text in ["'&|!:*", "-- ; DROP", "(llama.cpp)", "llama.cpp:*"]:
        assert client.get(reverse("pages:search"), {"q": text}).status_code == 200
    # A NUL can reach no query: refused before any view runs.
    for text in ["llama.cpp\x00", "a\x00b c"]:
        assert client.get(reverse("pages:search"), {"q": text}).status_code == 400


def home_card_links(html: str) -> list[str]:
    return re.findall(r'class="tool-card-title"><a href="([^"]+)"', html)


def test_home_shows_each_tool_once_and_each_section_has_a_see_all_page(client, catalogue):
    html = text_of(client.get(reverse("pages:home")))
    shown = home_card_links(html)
    assert len(shown) == 9 and len(set(shown)) == len(shown)
    see_all = re.findall(r'<p class="see-all"><a href="(/verdicts/[^"]+)"', html)
    assert see_all == ["/verdicts/top-shipped/", "/verdicts/most-divided/", "/verdicts/latest/"]
    for path in see_all:
        page = text_of(client.get(path))
        listed = home_card_links(page)
        assert len(listed) == len(set(listed)) >= 3
    latest = text_of(client.get("/verdicts/latest/"))
    assert len(home_card_links(latest)) == 24 and "Page 1 of 3" in latest
    assert client.get("/verdicts/no-such-section/").status_code == 404


def test_a_deep_see_all_page_costs_what_the_first_costs(
    client, catalogue, django_assert_num_queries
):
    """A page is a slice of the section's ranking, kept per catalogue version: no count and
    no OFFSET that grow with the depth of the page."""
    client.get("/verdicts/latest/")  # ranks the section once
    for page in (1, 3):
        # The page's version, the catalogue's version for the ranking, the page's tools.
        with django_assert_num_queries(3):
            html = text_of(client.get("/verdicts/latest/", {"page": page, "fresh": "1"}))
        assert f"Page {page} of 3" in html


def test_a_see_all_page_follows_a_publication_and_a_review_at_once(client, catalogue, panel):
    client.get("/verdicts/latest/")
    newest = ToolFactory(name="Brand New Tool", published_at=timezone.now())
    html = text_of(client.get("/verdicts/latest/"))
    assert home_card_links(html)[0] == f"/tools/{newest.slug}/"
    # 51 tools: the last page holds the 3 beyond 48.
    assert len(home_card_links(text_of(client.get("/verdicts/latest/", {"page": 3})))) == 3
    # Reviewed unanimously: it leads the shipped as soon as the reviews are saved.
    top = text_of(client.get("/verdicts/top-shipped/"))
    assert f"/tools/{newest.slug}/" not in home_card_links(top)
    review_tool(newest, panel, "sssssss")
    top = text_of(client.get("/verdicts/top-shipped/"))
    assert f"/tools/{newest.slug}/" in home_card_links(top)[:10]
    Tool.objects.filter(pk=newest.pk).update(status="draft")
    html = text_of(client.get("/verdicts/latest/"))
    assert f"/tools/{newest.slug}/" not in html
    # A ranking read afresh, not the old one filtered: 24 cards still lead, 2 are last.
    assert len(home_card_links(html)) == 24
    assert len(home_card_links(text_of(client.get("/verdicts/latest/", {"page": 3})))) == 2


@pytest.mark.parametrize("section", ["top-shipped", "most-divided", "latest"])
def test_see_all_pages_keep_their_query_budget(
    client, catalogue, section, django_assert_max_num_queries
):
    for page in (1, 2):
        with django_assert_max_num_queries(BUDGET):
            response = client.get(reverse("pages:section", args=[section]), {"page": page})
        assert response.status_code == 200
    with django_assert_max_num_queries(BUDGET):
        assert client.get(reverse("pages:home")).status_code == 200
