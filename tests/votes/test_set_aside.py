"""Counted and set aside, in public: the tool page's figures and the rules page."""

import re

import pytest
from django.conf import settings
from django.urls import reverse

from tests.factories import ToolFactory, cast_votes
from votes.models import Vote
from votes.services import discard_votes

pytestmark = pytest.mark.django_db


def audit_line(html: str) -> str:
    return re.search(r'<p class="vote-audit"><a href="([^"]+)">([^<]+)</a></p>', html).groups()


def test_the_tool_page_counts_votes_and_restoring_moves_them_at_once(client, editor):
    tool = ToolFactory(slug="audited")
    cast_votes(tool, ships=40, skips=10)
    discard_votes(votes=Vote.objects.filter(choice="skip"), reason="ring")
    first = client.get(tool.get_absolute_url())
    rules, line = audit_line(first.content.decode())
    assert line == "40 counted · 10 set aside"
    assert rules == reverse("votes:rules")

    client.force_login(editor)
    ids = [str(pk) for pk in Vote.objects.discarded().values_list("pk", flat=True)[:4]]
    response = client.post(
        reverse("admin:votes_vote_changelist"),
        {"action": "count_again", "_selected_action": ids},
    )
    assert response.status_code == 302
    client.logout()
    again = client.get(tool.get_absolute_url(), headers={"if-none-match": first["ETag"]})
    assert again.status_code == 200
    assert audit_line(again.content.decode())[1] == "44 counted · 6 set aside"


def test_the_rules_page_explains_in_plain_words(client, django_assert_max_num_queries):
    # The production settings, untouched: the page must read the limit the votes obey.
    with django_assert_max_num_queries(0):
        html = client.get(reverse("votes:rules")).content.decode()
    assert "<h1>How community votes count</h1>" in html
    assert (
        f"at most {settings.VOTES_PER_NETWORK_PER_DAY} new votes to a tool's count in 24 hours"
        in html
    )
    assert "By an editor." in html
    assert "they move from “set aside” back to “counted”" in html
