"""The whole stack in a real browser: gunicorn + whitenoise + PostgreSQL + Chromium."""

import pytest
from django.core.management import call_command

from tests.server import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]


def test_home_and_tool_page_in_chromium(page):
    call_command("seed_demo", verbosity=0)
    with gunicorn() as base_url:
        page.goto(base_url + "/")
        assert page.title().endswith("— ShipOrSkip")
        assert page.get_by_role("heading", level=1).inner_text() == "Ship it or skip it?"
        stylesheet_loaded = page.evaluate(
            "getComputedStyle(document.querySelector('.tool-card')).borderRadius"
        )
        assert stylesheet_loaded == "10px"
        page.get_by_role("link", name="llama.cpp").click()
        page.wait_for_url("**/tools/llama-cpp/")
        assert page.get_by_role("heading", level=1).inner_text() == "llama.cpp"
        assert "SHIP" in page.locator(".score-panel .verdict-score").inner_text()
        assert page.locator("article.review").count() >= 3
        assert page.evaluate("typeof htmx") == "object"
