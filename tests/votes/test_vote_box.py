"""The vote box include works wherever a page has tools and the visitor's votes."""

import re

import pytest
from django.template import engines
from django.test import RequestFactory

from tests.factories import ToolFactory, VoteFactory, cast_votes
from tools.models import Tool
from votes.models import Vote

pytestmark = pytest.mark.django_db

# What a comparison page does: several tools, one dict of the visitor's votes.
COMPARISON = """{% for tool in tools %}{% include "votes/vote_box.html" %}{% endfor %}"""


def render(source: str, **context) -> str:
    request = RequestFactory().get("/compare/x-vs-y/")
    return engines["django"].from_string(source).render(context, request)


def pressed_by_box(html: str) -> dict[str, list[str]]:
    boxes = re.findall(r'id="vote-([\w-]+)" data-vote-box="[\w-]+"[^>]*>(.*?)</form>', html, re.S)
    return {
        slug: re.findall(r'value="(ship|skip)"[^>]*aria-pressed="true"', body)
        for slug, body in boxes
    }


def test_one_box_per_tool_each_with_the_visitors_own_choice(django_assert_num_queries):
    first, second, third = ToolFactory.create_batch(3)
    VoteFactory(tool=first, voter="me", choice="ship")
    VoteFactory(tool=second, voter="me", choice="skip")
    VoteFactory(tool=third, voter="someone-else", choice="ship")
    cast_votes(third, ships=12)
    tools = list(Tool.objects.with_stats().order_by("pk"))
    with django_assert_num_queries(1):
        my_votes = Vote.objects.choices_by_tool(voter="me", tools=tools)
    with django_assert_num_queries(0):
        html = render(COMPARISON, tools=tools, my_votes=my_votes)
    assert pressed_by_box(html) == {first.slug: ["ship"], second.slug: ["skip"], third.slug: []}
    assert "100% ship · 13 votes" in html
    assert 'name="next" value="/compare/x-vs-y/"' in html
    assert html.count("<form") == 3


def test_without_votes_looked_up_every_tool_shows_as_not_voted():
    tool = ToolFactory()
    html = render(COMPARISON, tools=list(Tool.objects.with_stats()))
    assert pressed_by_box(html) == {tool.slug: []}
    assert "<span data-not-voted>Would you ship it or skip it?" in html
    # Left for votes.js to mark after the page loads.
    assert "data-vote-known" not in html


def test_no_voter_means_no_query(django_assert_num_queries):
    tools = ToolFactory.create_batch(2)
    with django_assert_num_queries(0):
        assert Vote.objects.choices_by_tool(voter=None, tools=tools) == {}
