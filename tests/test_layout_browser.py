"""What a phone reader sees first: Chromium at 360 px (and a desktop for contrast).

The header fits one line, the home page leads with verdicts and never repeats a tool,
the verdict is the largest type above the fold, and the comparison table stacks without
cutting a word in two.
"""

from pathlib import Path

import pytest
from django.core.management import call_command

from tests.server import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

# Every word inside ``root`` that the browser laid out across two lines.
BROKEN_WORDS = """root => {
  const broken = [];
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (!node.parentElement.getClientRects().length) continue;  // not displayed
    for (const match of node.data.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + match[0].length);
      const boxes = [...range.getClientRects()].filter(r => r.width > 0);
      const lines = new Set(boxes.map(r => Math.round(r.top)));
      if (lines.size > 1) broken.push(match[0]);
    }
  }
  return broken;
}"""

# Font size of every visible text element on the first screen, bar the verdicts.
ABOVE_THE_FOLD_SIZES = """() => {
  const sizes = [];
  for (const element of document.querySelectorAll("main *")) {
    const own = [...element.childNodes].some(n => n.nodeType === 3 && n.data.trim());
    const box = element.getBoundingClientRect();
    if (!own || !box.width || box.top >= innerHeight || box.bottom <= 0) continue;
    if (element.closest(".verdict-score")) continue;
    const size = parseFloat(getComputedStyle(element).fontSize);
    sizes.push([element.className || element.tagName, size]);
  }
  return sizes;
}"""


@pytest.fixture
def site():
    call_command("seed_demo", verbosity=0)
    with gunicorn() as base_url:
        yield base_url


def open_page(browser, base_url, path, viewport, color_scheme="light"):
    context = browser.new_context(viewport=viewport, color_scheme=color_scheme)
    page = context.new_page()
    page.goto(base_url + path)
    return context, page


def test_header_at_360_px_is_one_line_with_a_menu_that_opens(browser, site):
    context, page = open_page(browser, site, "/tools/cursor/", PHONE)
    header = page.locator(".site-header .header-row")
    brand = page.locator(".brand").bounding_box()
    menu = page.get_by_text("Menu", exact=True)
    assert menu.is_visible()
    box = menu.bounding_box()
    # One line: the menu sits beside the brand, and the header is no taller than it.
    assert abs((box["y"] + box["height"] / 2) - (brand["y"] + brand["height"] / 2)) < 4
    assert header.bounding_box()["height"] < 70
    assert not page.get_by_role("link", name="Bookmarks").is_visible()
    menu.click()
    bookmarks = page.get_by_role("navigation", name="Main").get_by_role("link", name="Bookmarks")
    assert bookmarks.is_visible()
    bookmarks.click()
    page.wait_for_url("**/bookmarks/")
    context.close()

    context, page = open_page(browser, site, "/", DESKTOP)
    assert not page.get_by_text("Menu", exact=True).is_visible()
    links = page.locator(".nav-wide a")
    tops = {round(links.nth(n).bounding_box()["y"]) for n in range(links.count())}
    assert len(tops) == 1 and links.count() == 6
    assert page.locator(".site-header .site-search").is_visible()
    context.close()


def test_home_at_360_px_leads_with_verdicts_and_shows_each_tool_once(browser, site):
    context, page = open_page(browser, site, "/", PHONE)
    first_screen = page.evaluate(
        """() => [...document.querySelectorAll('.verdict-score')]
            .filter(e => e.getBoundingClientRect().bottom <= innerHeight).length"""
    )
    assert first_screen >= 1, "no verdict on the first screen"
    names = page.locator(".tool-card-title").all_inner_texts()
    assert names and len(names) == len(set(names)), names
    see_all = page.get_by_role("link", name="See all")
    assert see_all.count() == 3
    height = page.evaluate("document.documentElement.scrollHeight")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=ARTIFACTS / "home-360.png", full_page=True)
    assert height < 6000, f"the home page is {height} px tall at 360 px"
    see_all.first.click()
    page.wait_for_url("**/verdicts/top-shipped/")
    assert page.locator(".tool-card").count() >= 3
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_verdict_is_the_largest_type_above_the_fold(browser, site, scheme, viewport):
    for path, selector in [
        ("/tools/cursor/", ".tool-page .verdict-score"),
        ("/compare/cursor-vs-github-copilot/", ".versus .verdict-score"),
        ("/", ".tool-card .verdict-score"),
    ]:
        context, page = open_page(browser, site, path, viewport, scheme)
        verdict = page.locator(selector).first
        word = verdict.locator(".verdict-score-word")
        figure = verdict.locator(".verdict-score-figure strong")
        assert word.bounding_box()["y"] + word.bounding_box()["height"] <= viewport["height"]
        word_size = float(word.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        figure_size = float(figure.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
        assert figure_size == word_size
        if path != "/":
            others = page.evaluate(ABOVE_THE_FOLD_SIZES)
            assert any(name == "H1" for name, _ in others)
            assert all(size < word_size for _, size in others), (path, word_size, others)
        else:
            title = page.locator(".tool-card-title").first
            title_size = float(title.evaluate("e => parseFloat(getComputedStyle(e).fontSize)"))
            assert word_size > title_size
        # The word is coloured by verdict, readable on its tint in either scheme.
        colour = word.evaluate("e => getComputedStyle(e).color")
        background = verdict.evaluate("e => getComputedStyle(e).backgroundColor")
        assert colour != background
        context.close()


def test_comparison_table_stacks_at_360_px_without_breaking_words(browser, site):
    context, page = open_page(browser, site, "/compare/cursor-vs-github-copilot/", PHONE)
    table = page.locator(".decision-table")
    assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    assert table.evaluate(BROKEN_WORDS) == []
    # Stacked: each row's label spans the top, the two tools' values sit under it.
    row = table.locator("tbody tr").nth(4)
    label, cells = row.locator("th").bounding_box(), row.locator("td")
    assert cells.nth(0).bounding_box()["y"] >= label["y"] + label["height"] - 1
    assert "Cursor" in cells.nth(0).evaluate("e => getComputedStyle(e, '::before').content")
    page.screenshot(path=ARTIFACTS / "compare-360.png", full_page=True)
    # The tool cards beside each other hold their words whole as well.
    assert page.locator(".versus").evaluate(BROKEN_WORDS) == []
    context.close()

    context, page = open_page(browser, site, "/compare/cursor-vs-github-copilot/", DESKTOP)
    assert page.locator(".decision-table thead").is_visible()
    assert page.locator(".decision-table").evaluate(BROKEN_WORDS) == []
    context.close()
