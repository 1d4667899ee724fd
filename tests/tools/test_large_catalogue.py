"""Pages that draw on the whole catalogue stay bounded and current as it grows."""

from datetime import timedelta
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from pages.views import COMPARE_PICKER_SIZE
from tests.factories import CategoryFactory, ReviewFactory, ToolFactory, review_tool

pytestmark = pytest.mark.django_db


def section(html: str, heading_id: str) -> str:
    return unescape(html).split(f'id="{heading_id}"')[1].split("</section>")[0]


def test_a_newly_published_leader_reaches_the_home_sections_at_once(client, panel):
    """The cached ranking is keyed on the catalogue, so publishing a tool refreshes it."""
    review_tool(ToolFactory(name="Old Favourite"), panel, "ssssssk")
    assert "Old Favourite" in section(client.get("/").content.decode(), "top-shipped-heading")

    newcomer = ToolFactory(name="Newcomer", status="draft", published_at=None)
    review_tool(newcomer, panel, "sssssss")
    assert "Newcomer" not in section(client.get("/").content.decode(), "top-shipped-heading")

    newcomer.status = "published"
    newcomer.published_at = timezone.now() - timedelta(minutes=1)
    newcomer.save()
    top = section(client.get("/").content.decode(), "top-shipped-heading")
    assert top.index("Newcomer") < top.index("Old Favourite")


def test_the_compare_picker_is_bounded_and_puts_the_tools_own_category_first(client):
    coding, other = CategoryFactory(name="Coding"), CategoryFactory(name="Other")
    tool = ToolFactory(name="Cursor", slug="cursor", category=coding)
    ToolFactory.create_batch(COMPARE_PICKER_SIZE + 10, category=other)
    ToolFactory(name="Zed AI", slug="zed-ai", category=coding)

    html = client.get(tool.get_absolute_url()).content.decode()
    picker = html.split('id="compare-with"')[1].split("</select>")[0]
    options = picker.count("<option value=")
    assert options == COMPARE_PICKER_SIZE + 1  # the "Choose a tool" prompt, then the tools
    assert picker.index('value="zed-ai"') < picker.index('value="tool-')
    assert 'value="cursor"' not in picker


def test_search_finds_a_tool_mentioned_only_in_a_published_review(client, panel):
    tool = ToolFactory(name="Quiet Tool", tagline="Nothing to see.")
    ReviewFactory(tool=tool, persona=panel[0], body="Handles kubernetes rollouts nicely.")
    ToolFactory(name="Loud Tool")
    response = client.get(reverse("pages:search"), {"q": "kubernetes"})
    html = unescape(response.content.decode())
    assert "Quiet Tool" in html
    assert "Loud Tool" not in html
