"""Reading in a real browser: gunicorn + whitenoise + PostgreSQL + Chromium.

axe-core checks WCAG 2.x A/AA on the main pages in light and dark mode; a reader's
journey runs at phone and desktop widths; live search and the copy button need a browser.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from comparisons.models import FeaturedComparison
from tests.server import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parent.parent
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def seed() -> None:
    call_command("seed_demo", verbosity=0)
    assert FeaturedComparison.objects.exists()


def axe_violations(page) -> list[str]:
    # The page's CSP forbids inline scripts, so axe is evaluated through the
    # DevTools protocol rather than added as a <script> element.
    page.evaluate(AXE.read_text() + "\n;window.axe = axe;")
    results = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_AA
    )
    assert results["passes"], "axe ran but checked nothing"
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(node["target"][0] for node in violation["nodes"][:3])
        for violation in results["violations"]
    ]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_main_pages_have_no_wcag_a_or_aa_violations(browser):
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm install` (axe-core).")
    seed()
    paths = [
        "/",
        "/tools/cursor/",
        "/compare/cursor-vs-github-copilot/",
        "/compare/",
        "/categories/",
        "/categories/coding/",
        "/critics/",
        "/critics/skeptic/",
        "/search/?q=model",
    ]
    found = {}
    with gunicorn() as base_url:
        for scheme in ["light", "dark"]:
            context = browser.new_context(color_scheme=scheme)
            page = context.new_page()
            for path in paths if scheme == "light" else paths[:3]:
                page.goto(base_url + path)
                if violations := axe_violations(page):
                    found[f"{scheme} {path}"] = violations
            context.close()
    assert found == {}, "\n".join(f"{k}: {v}" for k, v in found.items())


@pytest.mark.parametrize("width", [360, 1280])
def test_journey_home_tool_compare_critic(browser, width):
    seed()
    context = browser.new_context(viewport={"width": width, "height": 800})
    page = context.new_page()
    with gunicorn() as base_url:
        page.goto(base_url + "/")
        assert no_sideways_scroll(page)
        page.get_by_role("link", name="See all verdicts, newest first").click()
        page.wait_for_url("**/verdicts/latest/")
        page.locator(".card-grid").get_by_role("link", name="Cursor").click()
        page.wait_for_url("**/tools/cursor/")
        assert page.get_by_role("heading", level=1).inner_text() == "Cursor"
        assert no_sideways_scroll(page)

        page.locator("#compare-with").select_option(label="GitHub Copilot")
        page.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_url("**/compare/cursor-vs-github-copilot/")
        assert page.get_by_role("heading", level=1).inner_text() == (
            "Cursor vs GitHub Copilot: which one should you ship?"
        )
        assert no_sideways_scroll(page)
        # Phone: the two reviews stack; desktop: they sit side by side.
        cells = page.locator(".scorecard-pair").first.locator(".scorecard-cell")
        first_box, second_box = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
        if width < 720:
            assert second_box["y"] >= first_box["y"] + first_box["height"]
        else:
            assert second_box["y"] == first_box["y"]
            assert second_box["x"] > first_box["x"] + first_box["width"]

        page.locator(".scorecard-line h3 a").first.click()
        page.wait_for_url("**/critics/*/")
        assert page.get_by_role("heading", level=1).inner_text().startswith("The ")
        assert page.get_by_text("Ship rate").is_visible()
        assert no_sideways_scroll(page)
    context.close()


def test_live_search_and_copy_button(browser):
    seed()
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    with gunicorn() as base_url:
        page.goto(base_url + "/search/")
        page.locator("#search-q").press_sequentially("vecto", delay=30)
        results = page.locator("#search-results")
        results.get_by_role("link", name="Pinecone").wait_for()
        assert "results for “vecto”" in results.inner_text()
        assert page.url.endswith("/search/?q=vecto")

        page.goto(base_url + "/tools/cursor/")
        button = page.get_by_role("button", name="Copy share text")
        button.click()
        page.get_by_role("button", name="Copied").wait_for()
        copied = page.evaluate("navigator.clipboard.readText()")
        assert copied.startswith("Cursor verdict: ")
        assert copied.endswith("/tools/cursor/")
    context.close()


def test_pages_read_fully_without_javascript(browser):
    seed()
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    with gunicorn() as base_url:
        page.goto(base_url + "/tools/cursor/")
        assert page.locator("#share-text").is_visible()
        assert not page.get_by_role("button", name="Copy share text").is_visible()
        page.locator("#compare-with").select_option(label="Ollama")
        page.get_by_role("button", name="Compare", exact=True).click()
        page.wait_for_url("**/compare/cursor-vs-ollama/")
        page.goto(base_url + "/search/?q=vector")
        assert page.locator("#search-results").get_by_role("link", name="Pinecone").is_visible()
    context.close()
