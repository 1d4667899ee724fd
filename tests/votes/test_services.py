from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import ToolFactory, VoteFactory, cast_votes
from tools.models import Tool
from tools.verdicts import Verdict
from votes.models import CommunityCount, Vote
from votes.services import cast_vote, discard_votes, restore_votes, withdraw_vote

pytestmark = pytest.mark.django_db


def community(tool):
    return Tool.objects.with_stats().get(pk=tool.pk).community


def cast(tool, voter, *, fingerprint="fp", network="net", choice=Verdict.SHIP):
    return cast_vote(
        tool=tool, voter=voter, fingerprint=fingerprint, network=network, choice=choice
    )


def test_cast_then_change_updates_one_row(settings):
    tool = ToolFactory()
    cast_vote(tool=tool, voter="v1", fingerprint="fp", network="net", choice=Verdict.SHIP)
    first = Vote.objects.get()
    cast_vote(tool=tool, voter="v1", fingerprint="fp", network="net", choice=Verdict.SKIP)
    vote = Vote.objects.get()
    assert vote.pk == first.pk
    assert vote.choice == Verdict.SKIP
    assert vote.updated_at > first.updated_at
    assert vote.created_at == first.created_at


def test_new_votes_beyond_the_daily_network_cap_are_set_aside(settings):
    settings.VOTES_PER_NETWORK_PER_DAY = 3
    tool = ToolFactory()
    # One network, a different browser each time: the user agent does not matter.
    for n in range(5):
        cast(tool, f"v{n}", fingerprint=f"browser-{n}", network="one-office")
    cast(tool, "elsewhere", network="other")
    assert Vote.objects.count() == 6
    assert community(tool).votes == 4
    flagged = Vote.objects.set_aside()
    assert sorted(flagged.values_list("voter", flat=True)) == ["v3", "v4"]
    assert all("Set aside automatically" in vote.discard_reason for vote in flagged)


def test_the_network_cap_is_per_day(settings):
    settings.VOTES_PER_NETWORK_PER_DAY = 1
    tool = ToolFactory()
    cast(tool, "yesterday", network="office")
    Vote.objects.update(created_at=timezone.now() - timedelta(days=1, minutes=1))
    cast(tool, "today", network="office")
    cast(tool, "today-again", network="office")
    assert sorted(Vote.objects.counted().values_list("voter", flat=True)) == [
        "today",
        "yesterday",
    ]


def test_a_visitor_without_a_cookie_repeating_a_vote_at_once_is_one_voter(settings):
    tool = ToolFactory()
    first = cast_vote(tool=tool, voter=None, fingerprint="fp", network="n", choice=Verdict.SHIP)
    again = cast_vote(tool=tool, voter=None, fingerprint="fp", network="n", choice=Verdict.SHIP)
    other = cast_vote(tool=tool, voter=None, fingerprint="fp2", network="n", choice=Verdict.SHIP)
    assert first == again != other
    assert community(tool).votes == 2
    Vote.objects.update(created_at=timezone.now() - timedelta(seconds=30))
    later = cast_vote(tool=tool, voter=None, fingerprint="fp", network="n", choice=Verdict.SHIP)
    assert later not in (first, other)
    assert community(tool).votes == 3


def test_network_cap_is_per_tool(settings):
    settings.VOTES_PER_NETWORK_PER_DAY = 1
    first, second = ToolFactory.create_batch(2)
    cast_vote(tool=first, voter="v1", fingerprint="fp", network="net", choice=Verdict.SHIP)
    cast_vote(tool=second, voter="v1", fingerprint="fp", network="net", choice=Verdict.SHIP)
    assert Vote.objects.counted().count() == 2


def test_a_counted_voter_can_still_change_their_mind_at_the_limit(settings):
    settings.VOTES_PER_NETWORK_PER_DAY = 2
    tool = ToolFactory()
    cast_vote(tool=tool, voter="v1", fingerprint="fp", network="net", choice=Verdict.SHIP)
    cast_vote(tool=tool, voter="v2", fingerprint="fp", network="net", choice=Verdict.SHIP)
    cast_vote(tool=tool, voter="v2", fingerprint="fp", network="net", choice=Verdict.SKIP)
    assert community(tool).ships == 1
    assert community(tool).skips == 1


def test_changing_a_discarded_vote_does_not_bring_it_back():
    vote = VoteFactory(choice=Verdict.SHIP)
    discard_votes(votes=Vote.objects.all(), reason="ring")
    cast_vote(
        tool=vote.tool, voter=vote.voter, fingerprint="fresh", network="net", choice=Verdict.SKIP
    )
    vote.refresh_from_db()
    assert vote.choice == Verdict.SKIP
    assert vote.discarded_at is not None
    assert community(vote.tool).votes == 0


def test_withdrawing_a_discarded_vote_keeps_the_audit_row():
    vote = VoteFactory()
    discard_votes(votes=Vote.objects.all(), reason="ring")
    withdraw_vote(tool=vote.tool, voter=vote.voter)
    cast_vote(
        tool=vote.tool, voter=vote.voter, fingerprint="fp", network="net", choice=Verdict.SHIP
    )
    assert Vote.objects.get().discarded_at is not None


def test_discard_and_restore_change_counts_at_once():
    tool = ToolFactory()
    VoteFactory.create_batch(4, tool=tool, choice=Verdict.SHIP)
    VoteFactory(tool=tool, choice=Verdict.SKIP)
    assert discard_votes(votes=Vote.objects.filter(choice=Verdict.SHIP), reason="ring") == 4
    assert community(tool).votes == 1
    assert Vote.objects.count() == 5
    # Discarding again finds nothing new to discard and keeps the first reason.
    assert discard_votes(votes=Vote.objects.all(), reason="second look") == 1
    assert set(Vote.objects.values_list("discard_reason", flat=True)) == {"ring", "second look"}
    assert restore_votes(votes=Vote.objects.all()) == 5
    assert community(tool).votes == 5


def recount(tool) -> tuple[int, int]:
    """The community figures counted from the vote rows themselves."""
    counted = Vote.objects.counted().filter(tool=tool)
    return (
        counted.filter(choice=Verdict.SHIP).count(),
        counted.filter(choice=Verdict.SKIP).count(),
    )


def kept(tool) -> tuple[int, int]:
    row = CommunityCount.objects.filter(tool=tool).first()
    return (row.ships, row.skips) if row else (0, 0)


def test_kept_counts_follow_every_kind_of_vote_change():
    tool, other = ToolFactory.create_batch(2)
    steps = [
        lambda: cast_vote(tool=tool, voter="a", fingerprint="fa", network="n", choice=Verdict.SHIP),
        lambda: cast_vote(tool=tool, voter="b", fingerprint="fb", network="n", choice=Verdict.SKIP),
        lambda: cast_vote(tool=tool, voter="a", fingerprint="fa", network="n", choice=Verdict.SKIP),
        lambda: cast_vote(tool=tool, voter="a", fingerprint="fa", network="n", choice=Verdict.SKIP),
        lambda: discard_votes(votes=Vote.objects.filter(voter="b"), reason="test"),
        lambda: cast_vote(tool=tool, voter="b", fingerprint="fb", network="n", choice=Verdict.SHIP),
        lambda: restore_votes(votes=Vote.objects.filter(voter="b")),
        lambda: withdraw_vote(tool=tool, voter="a"),
        lambda: cast_votes(other, ships=3, skips=2),
        # One statement over two tools, as the admin's bulk actions run.
        lambda: discard_votes(votes=Vote.objects.all(), reason="test"),
        lambda: restore_votes(votes=Vote.objects.filter(choice=Verdict.SHIP)),
        lambda: Vote.objects.filter(tool=other, choice=Verdict.SHIP).update(tool=tool),
        lambda: Vote.objects.filter(voter="b").delete(),
    ]
    for step in steps:
        step()
        assert kept(tool) == recount(tool)
        assert kept(other) == recount(other)
    assert kept(tool) == (3, 0)


def test_with_stats_reads_the_kept_counts_and_a_tool_without_votes_has_none():
    voted, quiet = ToolFactory.create_batch(2)
    cast_votes(voted, ships=4, skips=1)
    assert (community(voted).ships, community(voted).skips) == (4, 1)
    assert not CommunityCount.objects.filter(tool=quiet).exists()
    assert community(quiet).votes == 0


def test_deleting_a_tool_deletes_its_votes_and_counts():
    tool = ToolFactory()
    cast_votes(tool, ships=2, skips=2)
    tool.delete()
    assert not CommunityCount.objects.exists()
    assert not Vote.objects.exists()
