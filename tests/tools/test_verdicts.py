import pytest
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    CategoryFactory,
    ReviewFactory,
    ToolFactory,
    VoteFactory,
    cast_votes,
    review_tool,
)
from tools.models import Category, PublicationState, Tool
from tools.verdicts import PanelVerdict, percent

pytestmark = pytest.mark.django_db


def stats(tool):
    return Tool.objects.with_stats().get(pk=tool.pk)


@pytest.mark.parametrize(
    ("verdicts", "expected", "line"),
    [
        ("ssss", PanelVerdict.SHIP, "SHIP · 4 ships · 0 skips"),
        ("sskkk", PanelVerdict.SKIP, "SKIP · 2 ships · 3 skips"),
        ("sskk", PanelVerdict.SPLIT, "SPLIT · 2 ships · 2 skips"),
        ("sks", PanelVerdict.SHIP, "SHIP · 2 ships · 1 skip"),
        ("sk", PanelVerdict.PENDING, "PENDING · 2 of 3 reviews in"),
        ("", PanelVerdict.PENDING, "PENDING · 0 of 3 reviews in"),
    ],
)
def test_panel_verdict_rule(panel, verdicts, expected, line):
    tool = ToolFactory()
    review_tool(tool, panel, verdicts)
    summary = stats(tool).panel
    assert summary.verdict == expected
    assert summary.line == line


def test_panel_figures(panel):
    tool = ToolFactory()
    for persona, score, verdict in zip(
        panel, [90, 70, 40, 61], ["ship", "ship", "skip", "ship"], strict=False
    ):
        ReviewFactory(tool=tool, persona=persona, score=score, verdict=verdict)
    summary = stats(tool).panel
    assert (summary.ships, summary.skips) == (3, 1)
    assert summary.ship_percent == 75
    assert summary.average == 65


def test_minimum_reviews_is_a_setting(panel, settings):
    settings.SHIPORSKIP_MIN_PANEL_REVIEWS = 5
    tool = ToolFactory()
    review_tool(tool, panel, "ssss")
    assert stats(tool).panel.verdict == PanelVerdict.PENDING


def test_draft_reviews_do_not_count(panel):
    tool = ToolFactory()
    review_tool(tool, panel, "sss")
    ReviewFactory(tool=tool, persona=panel[3], verdict="skip", status=PublicationState.DRAFT)
    ReviewFactory(tool=tool, persona=panel[4], verdict="skip", status=PublicationState.DRAFT)
    summary = stats(tool).panel
    assert (summary.ships, summary.skips) == (3, 0)


def test_verdict_filter_matches_summary(panel):
    shipped, skipped, split = ToolFactory(), ToolFactory(), ToolFactory()
    review_tool(shipped, panel, "sss")
    review_tool(skipped, panel, "kkk")
    review_tool(split, panel, "sskk")
    assert list(Tool.objects.verdict(PanelVerdict.SHIP)) == [shipped]
    assert list(Tool.objects.verdict(PanelVerdict.SKIP)) == [skipped]
    assert list(Tool.objects.verdict(PanelVerdict.SPLIT)) == [split]


@pytest.mark.parametrize(
    ("ships", "skips", "shown", "line"),
    [
        (0, 0, False, "No community votes yet"),
        (1, 0, False, "1 vote so far"),
        (6, 3, False, "9 votes so far"),
        (7, 3, True, "70% ship · 10 votes"),
        (1, 2, False, "3 votes so far"),
    ],
)
def test_community_threshold(ships, skips, shown, line):
    tool = ToolFactory()
    cast_votes(tool, ships=ships, skips=skips)
    community = stats(tool).community
    assert community.is_shown is shown
    assert community.line == line
    assert (community.ship_percent is not None) is shown


def test_discarded_votes_stop_counting():
    tool = ToolFactory()
    cast_votes(tool, ships=12)
    VoteFactory(tool=tool, choice="skip", discarded_at=timezone.now())
    assert stats(tool).community.votes == 12


def test_published_excludes_drafts_and_scheduled():
    live = ToolFactory()
    ToolFactory(draft=True)
    scheduled = ToolFactory(published_at=timezone.now() + timezone.timedelta(days=2))
    assert list(Tool.objects.published()) == [live]
    assert live.is_published
    assert not scheduled.is_published


def test_category_counts_leave_out_drafts_and_scheduled_tools(client):
    category = CategoryFactory(name="Vector stores")
    ToolFactory(category=category)
    ToolFactory(category=category, draft=True)
    ToolFactory(category=category, published_at=timezone.now() + timezone.timedelta(days=2))
    assert Category.objects.with_published_counts().get(pk=category.pk).published_tools == 1


class TestDatabaseConstraints:
    def test_score_above_100_is_rejected_by_the_database(self, panel):
        tool = ToolFactory()
        with pytest.raises(IntegrityError), transaction.atomic():
            ReviewFactory(tool=tool, persona=panel[0], score=101)

    def test_duplicate_review_is_rejected_by_the_database(self, panel):
        tool = ToolFactory()
        ReviewFactory(tool=tool, persona=panel[0])
        with pytest.raises(IntegrityError), transaction.atomic():
            ReviewFactory(tool=tool, persona=panel[0])

    def test_one_vote_per_voter_per_tool(self):
        tool = ToolFactory()
        VoteFactory(tool=tool, voter="same")
        with pytest.raises(IntegrityError), transaction.atomic():
            VoteFactory(tool=tool, voter="same", choice="skip")

    def test_published_tool_needs_a_date(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            ToolFactory(published_at=None)

    def test_vote_choice_is_checked(self):
        with pytest.raises(IntegrityError), transaction.atomic():
            VoteFactory(choice="nah")


def test_a_pending_panel_reads_the_same_on_every_surface(client, panel):
    """Card, tool page, share text, embed card and badge all say how many reviews are in."""
    tool = ToolFactory(name="Halfway", slug="halfway")
    review_tool(tool, panel, "sk")
    cache.clear()
    surfaces = {
        "home card": client.get(reverse("pages:home")),
        "tool page": client.get(tool.get_absolute_url()),
        "embed card": client.get(reverse("badges:embed", args=[tool.slug])),
        "badge": client.get(reverse("badges:svg", args=[tool.slug]), {"style": "card"}),
    }
    for name, response in surfaces.items():
        html = response.content.decode()
        assert "2 of 3 reviews in" in html, name
        assert "so far" not in html.replace("votes so far", ""), name
    assert "PENDING ⏳ 2 of 3 reviews in from the expert panel" in (
        surfaces["tool page"].content.decode()
    )


def test_a_retired_critics_published_review_still_counts(panel):
    """The verdict counts every published review the tool page shows, whoever wrote it."""
    tool = ToolFactory()
    review_tool(tool, panel[:3], "kks")
    panel[0].is_active = False
    panel[0].save()
    summary = stats(tool).panel
    assert (summary.ships, summary.skips, summary.verdict) == (1, 2, PanelVerdict.SKIP)
    page = Client().get(tool.get_absolute_url()).content.decode()
    assert panel[0].name in page


def test_averages_and_percentages_round_half_up_the_same_everywhere(client, panel):
    """76.5 is 77 on the tool page, the badge, the embed card, JSON-LD and the comparison."""
    tool = ToolFactory(name="Halfway Up", slug="halfway-up")
    for persona, score in zip(panel, [75, 77, 77, 77], strict=False):
        ReviewFactory(tool=tool, persona=persona, score=score)  # average 76.5
    review_tool(ToolFactory(name="Other", slug="other"), panel, "sssk")  # Builder scores 82
    cache.clear()
    assert stats(tool).panel.average == 77
    page = client.get(tool.get_absolute_url()).content.decode()
    assert "<dt>Average score</dt><dd>77/100</dd>" in page
    assert '"ratingValue": 77' in page
    badge = client.get(reverse("badges:badge", args=[tool.slug])).content.decode()
    assert "avg 77/100" in badge
    assert "77/100" in client.get(reverse("badges:embed", args=[tool.slug])).content.decode()
    comparison = client.get("/compare/halfway-up-vs-other/").content.decode()
    assert "77/100" in comparison and "76/100" not in comparison
    # A critic's average: Builder gave 75 and 82, so 78.5, shown as 79.
    critic = client.get(panel[0].get_absolute_url()).content.decode()
    assert "<dt>Average score</dt><dd>79/100</dd>" in critic
    # Percentages too: 1 of 8 is 12.5%, shown as 13%.
    assert (percent(1, 8), percent(3, 8), percent(1, 3), percent(2, 3)) == (13, 38, 33, 67)
