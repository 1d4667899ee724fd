"""A vendor's page on another origin embeds our badge and card, as Chromium shows them."""

import functools
import http.server
import io
import re
import threading
import urllib.request
from html import unescape
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from badges import counters
from badges.models import DailyCount
from tests.factories import ToolFactory, cast_votes, review_tool
from tests.server import gunicorn, redis_url

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

VENDOR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mixtral, by its vendor</title></head>
<body>
  <h1>Our model</h1>
  <p>What the critics say:</p>
  <a id="badge-link" href="{origin}/api/badge-click/mixtral-8x22b"><img id="badge"
     src="{origin}/api/badge/mixtral-8x22b.svg?style=card&amp;theme=light"
     alt="ShipOrSkip verdict" width="360" height="90"></a>
  <iframe id="card" src="{origin}/embed/mixtral-8x22b?theme=light" title="ShipOrSkip verdict"
     width="360" height="260" style="border:0"></iframe>
</body></html>
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture
def vendor_site(tmp_path):
    """Serve tmp_path from another port on 127.0.0.1: a different origin from ours."""
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(tmp_path))
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield tmp_path, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_vendor_page_shows_badge_and_card_and_clicks_land_on_our_tool_page(
    page, panel, redis_counts, vendor_site
):
    tool = ToolFactory(name="Mixtral 8x22B", slug="mixtral-8x22b")
    review_tool(tool, panel, "ssssk")
    cast_votes(tool, ships=30, skips=10)
    folder, vendor_origin = vendor_site

    with gunicorn(workers=2, env={"REDIS_URL": redis_url()}) as origin:
        (folder / "index.html").write_text(VENDOR_PAGE.format(origin=origin))
        page.goto(f"{vendor_origin}/index.html")

        page.wait_for_function("document.getElementById('badge').complete")
        assert page.evaluate("document.getElementById('badge').naturalWidth") == 360
        card = page.frame_locator("#card")
        assert card.get_by_role("heading", level=1).inner_text() == "Mixtral 8x22B"
        assert card.locator(".embed-verdict").inner_text().strip() == "▲ SHIP"
        assert "75% ship · 40 votes" in card.locator(".embed-figures").inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "badges-vendor-page.png", full_page=True)

        # The card's link opens our review in a new tab that cannot reach back.
        with page.context.expect_page() as new_tab:
            card.get_by_role("link", name="Read the full review").click()
        review_tab = new_tab.value
        review_tab.wait_for_url(f"{origin}/tools/mixtral-8x22b/")
        assert review_tab.evaluate("window.opener") is None
        review_tab.close()

        page.click("#badge-link")
        page.wait_for_url(f"{origin}/tools/mixtral-8x22b/")
        assert page.get_by_role("heading", level=1).inner_text() == "Mixtral 8x22B"
        # Our own previews on the tool page render too, and are not counted.
        assert page.get_by_role("heading", name="Embed this verdict").is_visible()
        preview = page.locator(".embed-preview img")
        expect(preview).to_have_js_property("complete", True)
        assert preview.evaluate("img => img.naturalWidth") > 0

        # Choosing a style swaps in new snippets (htmx), and the copy button copies one.
        page.evaluate("document.body.dataset.loadedOnce = 'yes'")
        page.get_by_label("Compact (360 \u00d7 20)").check()
        expect(preview).to_have_attribute("src", re.compile("style=compact"))
        assert page.evaluate("document.body.dataset.loadedOnce") == "yes"  # no reload
        page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=origin)
        page.get_by_role("button", name="Copy HTML").click()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith(
            f'<a href="{origin}/api/badge-click/mixtral-8x22b" target="_blank" rel="noopener">'
        )
        assert f'<img src="{origin}/api/badge/mixtral-8x22b?style=compact" ' in copied
        page.locator("#embed").screenshot(path=ARTIFACTS / "badges-embed-section.png")

    counters.flush()
    counts = DailyCount.objects.get(tool=tool, day=timezone.now().date())
    assert (counts.raw_impressions, counts.raw_clicks) == (2, 2)
    # Badge and card were seen, and clicked, by one visitor within the hour.
    assert (counts.impressions, counts.clicks) == (1, 1)


STRICT_VENDOR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'self' {origin}; style-src 'self'">
<link rel="stylesheet" href="vendor.css"><title>A vendor with a strict policy</title></head>
<body><h1>Our model</h1>
<div id="plain">{plain}</div>
<div id="strict">{strict}</div>
</body></html>
"""
VENDOR_BACKGROUND = (240, 230, 210)


def snippet_from_our_page(origin: str, name: str) -> str:
    with urllib.request.urlopen(f"{origin}/tools/mixtral-8x22b/embed/", timeout=10) as response:
        html = response.read().decode()
    textarea = html.split(f'id="snippet-{name}"')[1].split(">", 1)[1].split("</textarea>")[0]
    return unescape(textarea)


def corner_pixels(page, selector: str) -> list[tuple[int, int, int]]:
    box = page.locator(selector).bounding_box()
    png = page.screenshot(clip=box)
    image = Image.open(io.BytesIO(png)).convert("RGB")
    width, height = image.size
    return [image.getpixel(xy) for xy in [(1, 1), (width - 2, 1), (1, height - 2)]]


def test_strict_iframe_snippet_is_borderless_and_rounded_under_a_strict_csp(
    page, panel, vendor_site
):
    tool = ToolFactory(name="Mixtral 8x22B", slug="mixtral-8x22b")
    review_tool(tool, panel, "ssssk")
    folder, vendor_origin = vendor_site
    (folder / "vendor.css").write_text("body { background: rgb(240, 230, 210); margin: 24px; }")
    blocked = []
    page.on("console", lambda m: blocked.append(m.text) if "Content Security" in m.text else None)

    with gunicorn(workers=1) as origin:
        html = STRICT_VENDOR_PAGE.format(
            origin=origin,
            plain=snippet_from_our_page(origin, "iframe"),
            strict=snippet_from_our_page(origin, "iframe-strict"),
        )
        (folder / "index.html").write_text(html)
        page.goto(f"{vendor_origin}/index.html")
        strict = page.frame_locator("#strict iframe")
        expect(strict.get_by_role("heading", level=1)).to_have_text("Mixtral 8x22B")
        expect(strict.get_by_role("main")).to_have_count(1)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "badges-strict-csp-vendor.png", full_page=True)

        # The page's policy refused the usual snippet's inline style: a border shows there.
        assert any("style" in message for message in blocked), blocked
        assert (
            page.eval_on_selector("#plain iframe", "e => getComputedStyle(e).borderTopWidth")
            != "0px"
        )
        # The strict snippet needs no style: no border, and the card's own rounded corners
        # let the vendor's background show at the frame's corners.
        assert (
            page.eval_on_selector("#strict iframe", "e => getComputedStyle(e).borderTopWidth")
            == "0px"
        )
        radius = strict.locator(".embed-card").evaluate(
            "e => getComputedStyle(e).borderTopLeftRadius"
        )
        assert radius == "16px"
        assert corner_pixels(page, "#strict iframe") == [VENDOR_BACKGROUND] * 3
