"""The tool admin fits a 1280 px screen: no horizontal scrolling on the change list or on
the change form with its inline panel of reviews."""

import pytest

from tests.factories import ToolFactory, cast_votes, review_tool
from tests.server import gunicorn

pytestmark = [pytest.mark.browser, pytest.mark.server, pytest.mark.django_db(transaction=True)]

PASSWORD = "a long admin password 42"


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with gunicorn(workers=1) as base_url:
        yield base_url


@pytest.fixture
def reviewed(panel, django_user_model):
    django_user_model.objects.create_superuser("wide", "wide@example.com", PASSWORD)
    tools = [
        ToolFactory(
            name=f"A tool with a fairly long name {n}",
            tagline="A tagline long enough to need the room it is given on the page, and more.",
        )
        for n in range(5)
    ]
    for tool in tools:
        review_tool(tool, panel, "sssskkk")
        cast_votes(tool, ships=120, skips=37)
    tool = tools[0]
    for review in tool.reviews.all():
        review.body = "A long review body that goes on. " * 40
        review.save()
    return tool


def assert_fits_1280_pixels(page, url: str, *, shown: str, widest: str) -> None:
    """At ``url``, ``shown`` is on screen, nothing scrolls sideways, and no element matching
    ``widest`` reaches past the right edge."""
    page.goto(url)
    assert page.locator(shown).first.is_visible()
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    right = page.evaluate(
        "selector => Math.max(...[...document.querySelectorAll(selector)]"
        ".map(e => e.getBoundingClientRect().right))",
        widest,
    )
    assert right <= 1280


def test_tool_changelist_and_change_form_fit_1280_pixels(server, reviewed, page):
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{server}/admin/login/")
    page.fill("#id_username", "wide")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    assert_fits_1280_pixels(
        page,
        f"{server}/admin/tools/tool/",
        shown="td.field-community_column",
        widest="#result_list th, #result_list td",
    )
    assert_fits_1280_pixels(
        page,
        f"{server}/admin/tools/tool/{reviewed.pk}/change/",
        shown=".review-panel textarea",
        widest=".review-panel textarea",
    )
