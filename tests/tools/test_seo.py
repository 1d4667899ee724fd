"""Titles, canonical links, link previews, JSON-LD, feeds, sitemap and robots.txt."""

import json
import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
from django.urls import reverse

from tests.factories import ToolFactory, review_tool

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "https://shiporskip.example"


def parse_xml(content: bytes) -> ET.Element:
    # Our own feed and sitemap output, not untrusted input.
    return ET.fromstring(content)  # noqa: S314


def head_of(response) -> str:
    return unescape(response.content.decode().split("</head>")[0])


def meta(head: str, key: str) -> str:
    match = re.search(rf'<meta (?:name|property)="{re.escape(key)}" content="([^"]*)"', head)
    assert match, f"no {key} in the page head"
    return match.group(1)


def json_ld_blocks(response) -> list[dict]:
    html = response.content.decode()
    blocks = re.findall(r'<script type="application/ld\+json"[^>]*>(.*?)</script>', html, re.S)
    return [json.loads(block) for block in blocks]


def test_every_reading_page_has_its_own_title_description_and_canonical(client, catalogue, panel):
    first, second = sorted(catalogue[:2], key=lambda tool: tool.slug)
    paths = [
        reverse("pages:home"),
        catalogue[0].get_absolute_url(),
        f"/compare/{first.slug}-vs-{second.slug}/",
        reverse("comparisons:index"),
        reverse("pages:categories"),
        catalogue[0].category.get_absolute_url(),
        reverse("pages:critics"),
        panel[0].get_absolute_url(),
        reverse("pages:search"),
    ]
    titles, descriptions = set(), set()
    for path in paths:
        head = head_of(client.get(path))
        titles.add(re.search(r"<title>(.*?)</title>", head).group(1))
        descriptions.add(meta(head, "description"))
        assert f'<link rel="canonical" href="https://shiporskip.example{path}">' in head
        assert meta(head, "og:url") == f"https://shiporskip.example{path}"
        # Tool and comparison pages have a share card; the others a plain summary card.
        has_card = path.startswith(("/tools/", "/compare/")) and path != "/compare/"
        expected_card = "summary_large_image" if has_card else "summary"
        assert meta(head, "og:title") and meta(head, "twitter:card") == expected_card
    assert len(titles) == len(paths)
    assert len(descriptions) == len(paths)


def test_tool_page_link_preview_tags(client, panel):
    tool = ToolFactory(name="Cursor", slug="cursor", tagline="An editor that writes code.")
    review_tool(tool, panel, "ssss")
    head = head_of(client.get(tool.get_absolute_url()))
    assert meta(head, "og:title") == "Cursor verdict: SHIP — ShipOrSkip"
    assert meta(head, "og:type") == "article"
    assert "An editor that writes code." in meta(head, "og:description")
    assert meta(head, "twitter:title") == "Cursor verdict: SHIP — ShipOrSkip"
    assert meta(head, "og:image") == "https://shiporskip.example/og/tools/cursor.png"
    assert meta(head, "twitter:card") == "summary_large_image"


def test_canonical_ignores_tracking_parameters(client, catalogue):
    head = head_of(client.get(reverse("pages:home"), {"utm_source": "x", "page": "1"}))
    assert '<link rel="canonical" href="https://shiporskip.example/">' in head


def test_tool_json_ld_describes_the_reviews_and_the_aggregate_rating(client, panel):
    tool = ToolFactory(name="Cursor", slug="cursor", tagline='Says "hi" </script><b>')
    review_tool(tool, panel, "sssk")
    (data,) = json_ld_blocks(client.get(tool.get_absolute_url()))
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "SoftwareApplication"
    assert data["name"] == "Cursor"
    assert data["description"] == 'Says "hi" </script><b>'
    assert data["url"] == "https://shiporskip.example/tools/cursor/"
    rating = data["aggregateRating"]
    assert rating["@type"] == "AggregateRating"
    assert rating["ratingValue"] == 71 and rating["bestRating"] == 100
    assert rating["reviewCount"] == 4
    assert len(data["review"]) == 4
    review = data["review"][0]
    assert review["@type"] == "Review"
    assert review["author"]["name"] == f"The {panel[0].name}"
    assert review["reviewRating"] == {
        "@type": "Rating",
        "ratingValue": 82,
        "bestRating": 100,
        "worstRating": 0,
    }


def test_tool_without_reviews_has_no_aggregate_rating(client):
    tool = ToolFactory()
    (data,) = json_ld_blocks(client.get(tool.get_absolute_url()))
    assert "aggregateRating" not in data and "review" not in data


def test_comparison_json_ld_lists_both_tools(client, panel):
    for slug in ["alpha", "beta"]:
        review_tool(ToolFactory(name=slug.title(), slug=slug), panel, "sssk")
    (data,) = json_ld_blocks(client.get("/compare/alpha-vs-beta/"))
    assert data["@type"] == "ItemList"
    names = [item["item"]["name"] for item in data["itemListElement"]]
    assert names == ["Alpha", "Beta"]
    assert data["itemListElement"][0]["item"]["aggregateRating"]["ratingValue"] == 71


def test_rss_feed_lists_new_verdicts_with_absolute_links(client, panel):
    tool = ToolFactory(name="Cursor", slug="cursor")
    review_tool(tool, panel, "ssss")
    ToolFactory(name="Hidden", draft=True)
    response = client.get(reverse("pages:feed"))
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = parse_xml(response.content).find("channel")
    assert channel.findtext("link") == "https://shiporskip.example/"
    items = channel.findall("item")
    assert [item.findtext("title") for item in items] == ["Cursor verdict: SHIP"]
    assert items[0].findtext("link") == "https://shiporskip.example/tools/cursor/"
    assert "SHIP · 4 ships · 0 skips" in items[0].findtext("description")


def test_atom_feed_parses(client, catalogue):
    root = parse_xml(client.get(reverse("pages:feed-atom")).content)
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 30
    assert entries[0].find(f"{ATOM}link").get("href").startswith("https://shiporskip.example/")


def test_feed_query_budget(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get(reverse("pages:feed")).status_code == 200


def test_sitemap_lists_every_public_page_on_site_url(client, catalogue, panel):
    from comparisons.models import FeaturedComparison

    ToolFactory(slug="secret-draft", draft=True)
    root = parse_xml(client.get("/sitemap.xml").content)
    urls = [url.findtext(f"{SITEMAP}loc") for url in root.findall(f"{SITEMAP}url")]
    assert "https://shiporskip.example/" in urls
    assert f"https://shiporskip.example{catalogue[0].get_absolute_url()}" in urls
    assert f"https://shiporskip.example{panel[0].get_absolute_url()}" in urls
    assert f"https://shiporskip.example{catalogue[0].category.get_absolute_url()}" in urls
    featured = FeaturedComparison.objects.first()
    assert f"https://shiporskip.example{featured.get_absolute_url()}" in urls
    assert not any("secret-draft" in url for url in urls)
    assert len([url for url in urls if "/tools/" in url]) == 50


def test_sitemap_ignores_the_host_header(client, catalogue):
    response = client.get("/sitemap.xml", headers={"Host": "127.0.0.1"})
    assert b"https://shiporskip.example/" in response.content


def test_sitemap_query_budget(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/sitemap.xml").status_code == 200


def test_robots_txt_points_at_the_sitemap(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert "User-agent: *" in body
    assert "Disallow: /admin/" in body
    assert "Sitemap: https://shiporskip.example/sitemap.xml" in body
