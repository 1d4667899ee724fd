"""An oEmbed-aware editor on another origin, as Chromium runs it: it finds the tool page's
discovery link, asks our oEmbed endpoint across origins and embeds the verdict card."""

import io
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.badges.test_browser import vendor_site  # noqa: F401 (a fixture)
from tests.factories import ToolFactory, cast_votes, review_tool
from tests.server import gunicorn
from tests.tools.test_logos import png_bytes
from tools.logos import read_logo
from tools.services import set_logo

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# What a blog editor does with a pasted link, in the fewest lines: ask the provider the
# page advertised, then put the answer's HTML into the post.
EDITOR_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>A blog post, being written</title></head>
<body>
  <h1>Tools I ship with</h1>
  <div id="post"></div>
  <p id="status">waiting</p>
  <script>
    const endpoint = new URLSearchParams(location.search).get("oembed");
    fetch(endpoint)
      .then((answer) => answer.json())
      .then((embed) => {
        document.getElementById("post").innerHTML = embed.html;
        document.getElementById("status").textContent = embed.type + " " + embed.width;
      })
      .catch((error) => { document.getElementById("status").textContent = "failed " + error; });
  </script>
</body></html>
"""


def test_an_editor_elsewhere_discovers_and_embeds_the_verdict_card(
    page,
    panel,
    vendor_site,  # noqa: F811
):
    tool = ToolFactory(name="Mixtral 8x22B", slug="mixtral-8x22b")
    review_tool(tool, panel, "ssssk")
    cast_votes(tool, ships=30, skips=10)
    set_logo(tool=tool, logo=read_logo(io.BytesIO(png_bytes())))
    folder, editor_origin = vendor_site
    (folder / "editor.html").write_text(EDITOR_PAGE)

    with gunicorn(workers=2) as origin:
        page.goto(f"{origin}/tools/mixtral-8x22b/")
        discovery = page.locator('link[rel="alternate"][type="application/json+oembed"]')
        href = discovery.get_attribute("href")
        assert href.startswith(f"{origin}/oembed?url=")
        assert discovery.get_attribute("title") == "Mixtral 8x22B verdict"

        page.goto(f"{editor_origin}/editor.html?oembed={quote(href, safe='')}")
        page.wait_for_function("document.getElementById('status').textContent !== 'waiting'")
        assert page.locator("#status").inner_text() == "rich 360"
        frame = page.locator("#post iframe")
        assert frame.get_attribute("src") == f"{origin}/embed/mixtral-8x22b"
        assert (frame.get_attribute("width"), frame.get_attribute("height")) == ("360", "260")
        card = page.frame_locator("#post iframe")
        assert card.get_by_role("heading", level=1).inner_text() == "Mixtral 8x22B"
        assert card.locator(".embed-verdict").inner_text().strip() == "▲ SHIP"
        logo = card.locator("img.logo")
        logo.wait_for()
        assert logo.evaluate("img => img.complete && img.naturalWidth") > 0
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "oembed-editor.png", full_page=True)
