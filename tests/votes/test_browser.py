"""Voting in Chromium, with htmx and with JavaScript switched off."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import ToolFactory, cast_votes
from tests.server import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

# The htmx journey spends four rate-limited votes, then one more to see the refusal.
PER_VOTER = 4


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with gunicorn(workers=2, env={"VOTE_RATE_PER_VOTER": str(PER_VOTER)}) as base_url:
        yield base_url


@pytest.fixture
def tool():
    tool = ToolFactory(name="Aider", slug="aider")
    cast_votes(tool, ships=6, skips=3)
    return tool


def watch_for_page_errors(page) -> list[str]:
    """Script errors, CSP violations and failed requests (bar the favicon we do not have)."""
    problems = []
    page.on(
        "console",
        lambda m: (
            problems.append(m.text)
            if m.type == "error" and not m.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return problems


def test_vote_with_htmx_updates_in_place_and_survives_a_reload(server, tool, page):
    problems = watch_for_page_errors(page)
    page.goto(f"{server}/tools/aider/")
    box = page.locator("#vote-aider")
    line = box.locator(".community-line")
    ship = box.get_by_role("button", name="Ship it")
    skip = box.get_by_role("button", name="Skip it")
    expect(line).to_have_text("9 votes so far")
    # A marker on window disappears if the page reloads.
    page.evaluate("window.stillTheSamePage = true")

    ship.click()
    expect(line).to_have_text("70% ship · 10 votes")
    expect(ship).to_have_attribute("aria-pressed", "true")
    expect(box.locator(".vote-status")).to_contain_text("You voted SHIP")
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.url == f"{server}/tools/aider/"

    page.reload()
    expect(line).to_have_text("70% ship · 10 votes")
    expect(ship).to_have_attribute("aria-pressed", "true")
    expect(skip).to_have_attribute("aria-pressed", "false")
    page.evaluate("window.stillTheSamePage = true")

    skip.click()
    expect(line).to_have_text("60% ship · 10 votes")
    expect(skip).to_have_attribute("aria-pressed", "true")
    expect(ship).to_have_attribute("aria-pressed", "false")

    box.get_by_role("button", name="Take back my vote").click()
    expect(line).to_have_text("9 votes so far")
    expect(box.get_by_role("button", name="Take back my vote")).to_have_count(0)

    ship.click()
    expect(line).to_have_text("70% ship · 10 votes")
    skip.click()
    expect(line).to_have_text("60% ship · 10 votes")
    # One vote too many: the refusal shows inside the box, the counted vote stays.
    ship.click()
    expect(box.locator(".vote-error")).to_have_text("You are voting faster than anyone reads.")
    expect(skip).to_have_attribute("aria-pressed", "true")
    expect(line).to_have_text("60% ship · 10 votes")
    assert page.evaluate("window.stillTheSamePage") is True
    # The refusal is the only failure: no script errors, no CSP violations.
    assert problems == [f"429 {server}/tools/aider/vote/"], problems


def test_vote_without_javascript_posts_and_redirects_back(server, tool, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(f"{server}/tools/aider/")
        box = page.locator("#vote-aider")
        line = box.locator(".community-line")
        expect(line).to_have_text("9 votes so far")

        box.get_by_role("button", name="Skip it").click()
        page.wait_for_url(f"{server}/tools/aider/?voted=1#vote-aider")
        expect(line).to_have_text("60% ship · 10 votes")
        expect(box.get_by_role("button", name="Skip it")).to_have_attribute("aria-pressed", "true")

        page.reload()
        expect(line).to_have_text("60% ship · 10 votes")
        expect(box.locator(".vote-status")).to_contain_text("You voted SKIP")

        box.get_by_role("button", name="Ship it").click()
        expect(line).to_have_text("70% ship · 10 votes")
        expect(box.get_by_role("button", name="Ship it")).to_have_attribute("aria-pressed", "true")

        box.get_by_role("button", name="Take back my vote").click()
        expect(line).to_have_text("9 votes so far")
    finally:
        context.close()


def test_a_form_on_another_site_cannot_vote(server, tool, page):
    """Another site's page posts our vote form, as a forgery would: refused, nothing written."""
    evil = f"""<!doctype html><title>Win a prize</title>
        <form method="post" action="{server}/tools/aider/vote/">
          <input type="hidden" name="choice" value="skip"><button>Claim</button>
        </form>"""
    page.route(
        "http://evil.example/**", lambda route: route.fulfill(body=evil, content_type="text/html")
    )
    page.goto("http://evil.example/")
    page.get_by_role("button", name="Claim").click()
    expect(page.locator("h1")).to_have_text("That form came from another site")
    from votes.models import Vote

    assert Vote.objects.filter(tool=tool).count() == 9


def test_after_an_htmx_vote_the_status_message_changes_in_place(server, tool, page):
    """Screen readers announce a live region's new text, not a region swapped in anew."""
    page.goto(f"{server}/tools/aider/")
    box = page.locator("#vote-aider")
    status = box.get_by_role("status")
    expect(status).to_have_text(re.compile("Would you ship it or skip it"))
    status.evaluate("node => { window.statusNode = node; }")
    # Record every change the region goes through, as assistive technology would see it.
    status.evaluate(
        """node => { window.announced = [];
           new MutationObserver(() => window.announced.push(node.textContent))
             .observe(node, {childList: true, subtree: true, characterData: true}); }"""
    )

    box.get_by_role("button", name="Ship it").click()
    expect(status).to_contain_text("You voted SHIP")
    assert status.evaluate("node => node === window.statusNode")
    assert status.evaluate("node => node.isConnected")
    assert box.get_by_role("status").count() == 1
    assert any("You voted SHIP" in text for text in page.evaluate("window.announced"))
    # The rest of the box was refreshed around it.
    expect(box.get_by_role("button", name="Ship it")).to_have_attribute("aria-pressed", "true")
    expect(box.locator(".community-line")).to_have_text("70% ship · 10 votes")

    box.get_by_role("button", name="Skip it").click()
    expect(status).to_contain_text("You voted SKIP")
    assert status.evaluate("node => node === window.statusNode")
