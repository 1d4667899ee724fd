"""Badge, click and embed endpoints as a vendor's visitors and our readers meet them."""

import datetime
import re
import xml.etree.ElementTree as ET  # parses our own output only
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from badges import counters
from badges.models import DailyCount, PendingHit
from tests.factories import ToolFactory, cast_votes, review_tool, reviewed_tool
from tests.responses import assert_not_modified, assert_redirects

pytestmark = pytest.mark.django_db

BADGE_HEADERS = {
    "Content-Type": "image/svg+xml",
    "Cache-Control": "no-cache",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Cross-Origin-Resource-Policy": "cross-origin",
}


@pytest.fixture
def shipped(panel):
    return reviewed_tool(
        panel, "ssssk", ships=30, skips=10, name="Mixtral 8x22B", slug="mixtral-8x22b"
    )


@pytest.fixture
def full_panel(panel):
    """A tool reviewed by all seven critics and voted on, for the query budgets."""
    return reviewed_tool(panel, "ssskkks", ships=40, skips=20)


def stored_counts(tool) -> tuple[int, int]:
    """Every counted request: (raw impressions, raw clicks) for today."""
    counters.flush()
    row = DailyCount.objects.filter(tool=tool, day=timezone.now().date()).first()
    return (row.raw_impressions, row.raw_clicks) if row else (0, 0)


def test_one_client_reloading_and_clicking_200_times_is_one_visitor(client, shipped):
    for _ in range(200):
        client.get("/api/badge/mixtral-8x22b.svg", REMOTE_ADDR="198.51.100.20")
        client.get("/api/badge-click/mixtral-8x22b", REMOTE_ADDR="198.51.100.20")
    client.get("/embed/mixtral-8x22b", REMOTE_ADDR="198.51.100.20")
    client.get("/api/badge/mixtral-8x22b.svg", REMOTE_ADDR="198.51.100.21")
    assert stored_counts(shipped) == (202, 200)
    row = DailyCount.objects.get(tool=shipped, day=timezone.now().date())
    assert (row.impressions, row.clicks) == (2, 1)


def svg_label(response) -> str:
    return ET.fromstring(response.content).get("aria-label")  # noqa: S314 -- our own SVG


@pytest.mark.parametrize("path", ["/api/badge/mixtral-8x22b", "/api/badge/mixtral-8x22b.svg"])
def test_badge_is_an_svg_with_the_verdict_and_the_agreed_headers(client, shipped, path):
    response = client.get(path)
    assert response.status_code == 200
    for header, value in BADGE_HEADERS.items():
        assert response[header] == value
    assert response["ETag"].startswith('"')
    assert svg_label(response) == (
        "ShipOrSkip verdict on Mixtral 8x22B: SHIP · 4 ships · 1 skip; "
        "community 75% ship · 40 votes"
    )
    assert not response.cookies


def test_badge_urls_reverse_to_the_documented_paths():
    assert reverse("badges:svg", kwargs={"slug": "cursor"}) == "/api/badge/cursor.svg"
    assert reverse("badges:badge", kwargs={"slug": "cursor"}) == "/api/badge/cursor"
    assert reverse("badges:click", kwargs={"slug": "cursor"}) == "/api/badge-click/cursor"
    assert reverse("badges:embed", kwargs={"slug": "cursor"}) == "/embed/cursor"


@pytest.mark.parametrize(
    "path",
    [
        "/api/badge/no-such-tool.svg",
        "/api/badge/%E2%9C%93%20%3Cscript%3E.svg",
        "/api/badge/" + "x" * 300,
        "/api/badge/draft-tool.svg",
        "/api/badge/mixtral-8x22b.svg?style=%3Cscript%3E&theme=../../etc",
        "/api/badge/mixtral-8x22b?style=card&style=compact&theme=",
    ],
)
def test_odd_requests_still_get_a_valid_svg(client, shipped, path):
    ToolFactory(slug="draft-tool", draft=True)
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    label = svg_label(response)
    if "mixtral" in path:
        assert label.startswith("ShipOrSkip verdict on Mixtral 8x22B")
    else:
        assert label == "ShipOrSkip: not reviewed"


def test_badge_checks_the_host_like_every_other_page(client, shipped):
    response = client.get("/api/badge/mixtral-8x22b.svg", headers={"Host": "evil.example"})
    assert response.status_code == 400


def test_badge_refuses_writes_with_405(client, shipped):
    assert client.post("/api/badge/mixtral-8x22b.svg").status_code == 405
    assert client.head("/api/badge/mixtral-8x22b.svg").status_code == 200


def test_style_and_theme_choose_the_image(client, shipped):
    card = client.get("/api/badge/mixtral-8x22b.svg?style=card&theme=dark")
    compact = client.get("/api/badge/mixtral-8x22b.svg?style=compact")
    assert b'width="360" height="90"' in card.content
    assert b'width="360" height="20"' in compact.content
    assert card["ETag"] != compact["ETag"]


def test_matching_etag_gets_304_and_still_counts(client, shipped):
    first = client.get("/api/badge/mixtral-8x22b.svg")
    again = assert_not_modified(client, "/api/badge/mixtral-8x22b.svg", first)
    assert again["Cache-Control"] == "no-cache"
    assert stored_counts(shipped) == (2, 0)


def test_our_own_previews_and_head_requests_are_not_impressions(client, shipped):
    client.get("/api/badge/mixtral-8x22b.svg", headers={"Sec-Fetch-Site": "same-origin"})
    client.head("/api/badge/mixtral-8x22b.svg")
    client.get("/api/badge/mixtral-8x22b.svg", headers={"Sec-Fetch-Site": "cross-site"})
    assert stored_counts(shipped) == (1, 0)


def test_clicks_from_the_embed_card_count_even_though_it_is_served_by_us(client, shipped):
    client.get("/api/badge-click/mixtral-8x22b", headers={"Sec-Fetch-Site": "same-origin"})
    client.head("/api/badge-click/mixtral-8x22b")
    assert stored_counts(shipped) == (0, 1)


def test_unknown_tools_are_not_counted(client, shipped):
    client.get("/api/badge/no-such-tool.svg")
    client.get("/api/badge-click/no-such-tool")
    assert not PendingHit.objects.exists()


def test_warm_badge_costs_no_query(client, shipped, settings, django_assert_num_queries):
    settings.BADGES_LOCAL_SECONDS = 0  # go to the shared cache every time
    client.get("/api/badge/mixtral-8x22b.svg")
    with django_assert_num_queries(0):
        for _ in range(5):
            client.get("/api/badge/mixtral-8x22b.svg", headers={"Sec-Fetch-Site": "same-origin"})
    with django_assert_num_queries(1):  # the hit itself, without Redis
        client.get("/api/badge/mixtral-8x22b.svg")


def test_warm_badge_with_redis_counts_touches_no_database(
    client, shipped, redis_counts, django_assert_num_queries
):
    client.get("/api/badge/mixtral-8x22b.svg")
    with django_assert_num_queries(0):
        for _ in range(5):
            client.get("/api/badge/mixtral-8x22b.svg")
    assert stored_counts(shipped) == (6, 0)


def test_editing_a_review_updates_the_badge_at_once(
    client, shipped, django_capture_on_commit_callbacks
):
    assert "4 ships · 1 skip" in svg_label(client.get("/api/badge/mixtral-8x22b.svg"))
    review = shipped.reviews.get(verdict="skip")
    with django_capture_on_commit_callbacks(execute=True):
        review.verdict = "ship"
        review.save()
    assert "5 ships · 0 skips" in svg_label(client.get("/api/badge/mixtral-8x22b.svg"))


def test_unpublishing_a_tool_turns_its_badge_neutral(
    client, shipped, django_capture_on_commit_callbacks
):
    client.get("/api/badge/mixtral-8x22b.svg")
    with django_capture_on_commit_callbacks(execute=True):
        shipped.unpublish()
        shipped.save()
    assert svg_label(client.get("/api/badge/mixtral-8x22b.svg")) == "ShipOrSkip: not reviewed"


def test_click_counts_and_redirects_to_the_tool_page(client, shipped):
    response = client.get("/api/badge-click/mixtral-8x22b")
    assert_redirects(response, "/tools/mixtral-8x22b/")
    assert "no-cache" in response["Cache-Control"]
    assert stored_counts(shipped) == (0, 1)


@pytest.mark.parametrize(
    "query",
    [
        "next=//evil.com",
        "next=/%5Cevil.com",
        "url=/\\evil.com",
        "to=javascript:alert(1)",
        "redirect=https://evil.com/",
        "next=%2F%2Fevil.com",
        "next=http%3A%2F%2Fevil.com",
        "next=%0d%0aLocation:%20https://evil.com",
    ],
)
def test_click_redirect_ignores_the_query_string(client, shipped, query):
    response = client.get(f"/api/badge-click/mixtral-8x22b?{query}")
    assert_redirects(response, "/tools/mixtral-8x22b/")


@pytest.mark.parametrize(
    ("path", "status", "location"),
    [
        ("/api/badge-click///evil.com", 404, None),
        ("/api/badge-click/%2F%2Fevil.com", 404, None),
        ("/api/badge-click/%5Cevil.com", 302, "/"),
        ("/api/badge-click/javascript:alert(1)", 302, "/"),
        ("/api/badge-click/https:%2F%2Fevil.com", 404, None),
        ("/api/badge-click/no-such-tool", 302, "/"),
    ],
)
def test_click_redirect_never_leaves_the_site_whatever_the_slug(
    client, shipped, path, status, location
):
    response = client.get(path)
    assert response.status_code == status
    if location:
        assert response["Location"] == location


def test_click_on_an_unpublished_tool_goes_home(client):
    ToolFactory(slug="hidden", draft=True)
    response = client.get("/api/badge-click/hidden")
    assert response["Location"] == "/"


def test_embed_is_a_frameable_card_without_cookies_or_forms(client, shipped):
    response = client.get("/embed/mixtral-8x22b")
    assert response.status_code == 200
    html = response.content.decode()
    for expected in [
        "Mixtral 8x22B",
        "<strong>SHIP</strong>",
        "4 ships · 1 skip",
        "75% ship · 40 votes",
        'href="/api/badge-click/mixtral-8x22b" target="_blank" rel="noopener"',
    ]:
        assert expected in html
    assert "<form" not in html
    assert "<script" not in html
    assert "csrf" not in html.lower()
    assert not response.cookies
    assert "X-Frame-Options" not in response
    policy = response["Content-Security-Policy"]
    assert "frame-ancestors *" in policy
    assert "script-src 'none'" in policy


def test_embed_counts_an_impression(client, shipped):
    client.get("/embed/mixtral-8x22b")
    assert stored_counts(shipped) == (1, 0)


def test_embed_for_an_unknown_tool_is_a_framable_404(client):
    response = client.get("/embed/no-such-tool")
    assert response.status_code == 404
    assert "Not reviewed yet" in response.content.decode()
    assert "X-Frame-Options" not in response
    assert not response.cookies


def test_every_other_page_still_refuses_framing(client, shipped):
    for path in ["/", shipped.get_absolute_url(), "/tools/mixtral-8x22b/embed/"]:
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY"
        assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert client.get("/api/badge/mixtral-8x22b.svg")["X-Frame-Options"] == "DENY"
    assert client.get("/api/badge-click/mixtral-8x22b")["X-Frame-Options"] == "DENY"


def test_tool_page_offers_previews_and_copy_ready_snippets(client, shipped):
    html = client.get(shipped.get_absolute_url()).content.decode()
    assert "Embed this verdict" in html
    assert 'src="/api/badge/mixtral-8x22b" alt=' in html
    assert '<iframe class="embed-frame" src="/embed/mixtral-8x22b"' in html
    # Snippets are shown as text, escaped once, ready to copy.
    assert (
        "&lt;a href=&quot;http://127.0.0.1:8000/api/badge-click/mixtral-8x22b&quot; "
        "target=&quot;_blank&quot; rel=&quot;noopener&quot;&gt;"
        "&lt;img src=&quot;http://127.0.0.1:8000/api/badge/mixtral-8x22b&quot;"
    ) in html
    assert "alt=&quot;ShipOrSkip verdict on Mixtral 8x22B&quot; width=&quot;" in html
    assert "[![ShipOrSkip verdict on Mixtral 8x22B](http://127.0.0.1:8000/api/badge/" in html
    # The preview on our own page reads the current verdict out.
    assert 'alt="ShipOrSkip verdict on Mixtral 8x22B: SHIP · 4 ships · 1 skip;' in html
    assert 'data-copy-target="#snippet-html"' in html
    assert 'data-copy-target="#snippet-markdown"' in html
    assert 'data-copy-target="#snippet-iframe"' in html
    assert 'data-copy-target="#snippet-iframe-strict"' in html


def test_tool_page_with_a_full_panel_keeps_its_query_budget(
    client, full_panel, django_assert_max_num_queries
):
    with django_assert_max_num_queries(8):
        response = client.get(full_panel.get_absolute_url())
    assert "Embed this verdict" in response.content.decode()


def test_snippet_options_work_without_javascript(client, shipped):
    response = client.get("/tools/mixtral-8x22b/embed/?style=card&theme=dark")
    html = response.content.decode()
    assert response.status_code == 200
    assert "<h1>Badge and embed for Mixtral 8x22B</h1>" in html
    assert 'value="card" checked' in html
    assert 'value="dark" checked' in html
    assert "/api/badge/mixtral-8x22b?theme=dark" in html
    assert 'width="360" height="90"' in html


def test_snippet_options_swap_only_the_snippets_for_htmx(client, shipped):
    response = client.get(
        "/tools/mixtral-8x22b/embed/?style=compact&theme=light", headers={"HX-Request": "true"}
    )
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="embed-snippets" id="embed-snippets">')
    assert "<form" not in html
    assert "style=compact&amp;theme=light" in html
    assert "HX-Request" in response["Vary"]


def test_snippet_page_for_a_draft_is_404(client):
    ToolFactory(slug="hidden", draft=True)
    assert client.get("/tools/hidden/embed/").status_code == 404


def test_markdown_alt_text_cannot_break_out_of_its_brackets(client, panel):
    tool = ToolFactory(name="Tricky](https://evil.com) [x", slug="tricky")
    review_tool(tool, panel, "sss")
    html = client.get("/tools/tricky/embed/").content.decode()
    assert "[![ShipOrSkip verdict on Tricky)(https://evil.com) (x](http" in html


def test_hits_of_past_days_land_on_their_own_day(shipped):
    yesterday = timezone.now().date() - datetime.timedelta(days=1)
    PendingHit.objects.create(tool=shipped, day=yesterday, kind="impression")
    counters.flush()
    assert DailyCount.objects.get(tool=shipped, day=yesterday).raw_impressions == 1


def test_embed_card_and_codes_page_stay_within_their_query_budgets(
    client, full_panel, django_assert_max_num_queries
):
    # The tool's facts, then the impression (counted in PostgreSQL when Redis is not set).
    with django_assert_max_num_queries(2):
        card = client.get(reverse("badges:embed", args=[full_panel.slug]))
    assert "4 ships · 3 skips" in card.content.decode()
    with django_assert_max_num_queries(1):
        codes = client.get(reverse("badges:codes", args=[full_panel.slug]), {"style": "card"})
    assert "Embed this verdict" in codes.content.decode()


# --- The original site's snippets, pasted on vendor pages, keep working ----------------


def svg_size(response) -> tuple[str, str]:
    root = ET.fromstring(response.content)  # noqa: S314 -- our own SVG
    return root.get("width"), root.get("height")


def test_badge_with_no_style_is_the_360_by_90_card_the_original_snippet_sizes(client, shipped):
    plain = client.get("/api/badge/mixtral-8x22b")
    assert svg_size(plain) == ("360", "90")
    assert plain.content == client.get("/api/badge/mixtral-8x22b?style=card").content
    compact = client.get("/api/badge/mixtral-8x22b?style=compact")
    assert svg_size(compact) == ("360", "20")


@pytest.mark.parametrize("style", ["card", "compact"])
def test_each_badge_style_keeps_its_size_whatever_the_figures_say(client, panel, style):
    """A snippet copied at 8 votes must still fit at 10, 1,000 or 100,000 votes."""
    shapes = {
        "pending": ("s", 0, 0),
        "few votes": ("ssssk", 6, 2),
        "shown": ("ssssk", 7, 3),
        "busy split": ("ssskkk", 51_234, 48_766),
        "skip": ("kkkkkkk", 0, 1_000),
    }
    sizes = set()
    for n, (verdicts, ships, skips) in enumerate(shapes.values()):
        tool = ToolFactory(slug=f"sized-{n}", name="A tool with a rather long name, version 3.5")
        review_tool(tool, panel, verdicts)
        cast_votes(tool, ships=ships, skips=skips)
        sizes.add(svg_size(client.get(f"/api/badge/sized-{n}?style={style}")))
        html = client.get(f"/tools/sized-{n}/embed/?style={style}").content.decode()
        snippet = unescape(html.split('id="snippet-html"')[1].split("</textarea>")[0])
        width, height = re.search(r'width="(\d+)" height="(\d+)"', snippet).groups()
        sizes.add((width, height))
    sizes.add(svg_size(client.get(f"/api/badge/no-such-tool?style={style}")))
    assert sizes == {("360", "90") if style == "card" else ("360", "20")}


def snippet(html: str, name: str) -> str:
    return unescape(html.split(f'id="snippet-{name}"')[1].split(">", 1)[1].split("</textarea>")[0])


def test_snippets_read_as_the_original_sites_did(client, shipped, settings):
    settings.SITE_URL = "https://shiporskip.example"
    html = client.get("/tools/mixtral-8x22b/embed/").content.decode()
    assert snippet(html, "html") == (
        '<a href="https://shiporskip.example/api/badge-click/mixtral-8x22b" target="_blank" '
        'rel="noopener"><img src="https://shiporskip.example/api/badge/mixtral-8x22b" '
        'alt="ShipOrSkip verdict on Mixtral 8x22B" width="360" height="90" /></a>'
    )
    assert snippet(html, "iframe") == (
        '<iframe src="https://shiporskip.example/embed/mixtral-8x22b" '
        'title="Mixtral 8x22B ShipOrSkip verdict" width="360" height="260" '
        'style="border:0;border-radius:16px;max-width:100%;" loading="lazy"></iframe>'
    )
    # For vendor pages whose CSP blocks inline styles: no style attribute at all.
    strict = snippet(html, "iframe-strict")
    assert strict.startswith('<iframe src="https://shiporskip.example/embed/mixtral-8x22b" ')
    assert "style=" not in strict and 'frameborder="0"' in strict
    # The vendor's copy cannot follow a verdict change, so its text never names one.
    for text in (snippet(html, "html"), snippet(html, "markdown"), snippet(html, "iframe")):
        assert not re.search(r"SHIP|SKIP|SPLIT|PENDING", text.replace("ShipOrSkip", ""))


def test_embed_card_is_a_main_landmark(client, shipped):
    html = client.get("/embed/mixtral-8x22b").content.decode()
    assert html.count("<main>") == 1
    assert html.index("<main>") < html.index('<article class="embed-card">')
    assert "<main>" in client.get("/embed/no-such-tool").content.decode()
