"""Bookmarks and the footer signup in Chromium against the real stack."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ToolFactory, review_tool
from tests.server import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


def watch_console(page) -> list[str]:
    """Script errors and CSP violations; failed loads (favicon, a 400 shown in place) aside."""
    problems = []

    def on_console(message):
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            problems.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(str(error)))
    return problems


def test_bookmark_two_tools_reload_and_compare_them(page, panel):
    for name, slug in [("Zed", "zed"), ("Cursor", "cursor"), ("Ollama", "ollama")]:
        review_tool(ToolFactory(name=name, slug=slug), panel, "sssk")
    with gunicorn() as base_url:
        problems = watch_console(page)
        page.goto(base_url + "/bookmarks/")
        page.get_by_text("No bookmarks yet — bookmark tools to save them for later").wait_for()

        page.goto(base_url + "/")
        # The home page lists Zed in more than one section; any of its buttons will do, and
        # every copy of it follows.
        page.get_by_role("button", name="Bookmark Zed").first.click()
        assert (
            page.get_by_role("button", name="Bookmark Zed").last.get_attribute("aria-pressed")
            == "true"
        )
        page.goto(base_url + "/tools/cursor/")
        page.get_by_role("button", name="Bookmark Cursor").click()
        assert (
            page.get_by_role("button", name="Bookmark Cursor").get_attribute("aria-pressed")
            == "true"
        )

        page.reload()
        cursor_button = page.get_by_role("button", name="Bookmark Cursor")
        assert cursor_button.get_attribute("aria-pressed") == "true"
        assert "Bookmarked" in cursor_button.inner_text()

        page.get_by_role("link", name="Bookmarks").click()
        page.wait_for_url("**/bookmarks/")
        cards = page.locator("#bookmark-results .tool-card")
        cards.first.wait_for()
        # Most recently bookmarked first.
        assert [t.strip() for t in cards.locator("h3").all_inner_texts()] == ["Cursor", "Zed"]
        assert page.get_by_text("Ollama").count() == 0

        page.get_by_label("Compare Zed").check()
        page.get_by_label("Compare Cursor").check()
        with page.expect_navigation():
            page.get_by_role("button", name="Compare the two ticked").click()
        # The comparison page belongs to the comparisons app; the address is the contract.
        assert re.search(r"/compare/cursor-vs-zed/$", page.url)

        page.goto(base_url + "/bookmarks/")
        page.locator("#bookmark-results .tool-card").first.wait_for()
        page.locator("#bookmark-results").get_by_role("button", name="Bookmark Zed").click()
        expect(page.locator("#bookmark-results .tool-card")).to_have_count(1)
        assert problems == []


def test_footer_signup_with_htmx_shows_errors_and_thanks_in_place(page):
    ToolFactory(name="Cursor", slug="cursor")
    with gunicorn() as base_url:
        problems = watch_console(page)
        page.goto(base_url + "/tools/cursor/")
        footer = page.locator("#footer-signup")
        footer.get_by_label("Email address").fill("someone@example")
        footer.get_by_role("button", name="Subscribe").click()
        page.locator("#footer-signup .form-error").wait_for()
        assert "Enter a valid email address" in page.locator("#footer-signup").inner_text()

        page.locator("#footer-signup").get_by_label("Email address").fill("reader@example.com")
        page.locator("#footer-signup").get_by_role("button", name="Subscribe").click()
        page.get_by_text("Check your inbox.").wait_for()
        assert page.url == base_url + "/tools/cursor/"
        assert problems == []
