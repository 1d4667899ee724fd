import pytest

from tests.factories import ToolFactory, VoteFactory, cast_votes
from tools.models import Tool
from tools.verdicts import Verdict
from votes.models import CommunityCount, Vote
from votes.services import cast_vote, discard_votes, restore_votes, withdraw_vote

pytestmark = pytest.mark.django_db


def community(tool):
    return Tool.objects.with_stats().get(pk=tool.pk).community


def test_cast_then_change_updates_one_row(settings):
    tool = ToolFactory()
    cast_vote(tool=tool, voter="v1", fingerprint="fp", choice=Verdict.SHIP)
    first = Vote.objects.get()
    cast_vote(tool=tool, voter="v1", fingerprint="fp", choice=Verdict.SKIP)
    vote = Vote.objects.get()
    assert vote.pk == first.pk
    assert vote.choice == Verdict.SKIP
    assert vote.updated_at > first.updated_at
    assert vote.created_at == first.created_at


def test_new_voters_beyond_the_fingerprint_limit_are_kept_but_not_counted(settings):
    settings.VOTES_PER_FINGERPRINT = 3
    tool = ToolFactory()
    for n in range(5):
        cast_vote(tool=tool, voter=f"v{n}", fingerprint="one-laptop", choice=Verdict.SHIP)
    cast_vote(tool=tool, voter="elsewhere", fingerprint="other", choice=Verdict.SHIP)
    assert Vote.objects.count() == 6
    assert community(tool).votes == 4
    flagged = Vote.objects.discarded()
    assert sorted(flagged.values_list("voter", flat=True)) == ["v3", "v4"]
    assert all("Automatic" in vote.discard_reason for vote in flagged)


def test_fingerprint_limit_is_per_tool(settings):
    settings.VOTES_PER_FINGERPRINT = 1
    first, second = ToolFactory.create_batch(2)
    cast_vote(tool=first, voter="v1", fingerprint="fp", choice=Verdict.SHIP)
    cast_vote(tool=second, voter="v1", fingerprint="fp", choice=Verdict.SHIP)
    assert Vote.objects.counted().count() == 2


def test_a_counted_voter_can_still_change_their_mind_at_the_limit(settings):
    settings.VOTES_PER_FINGERPRINT = 2
    tool = ToolFactory()
    cast_vote(tool=tool, voter="v1", fingerprint="fp", choice=Verdict.SHIP)
    cast_vote(tool=tool, voter="v2", fingerprint="fp", choice=Verdict.SHIP)
    cast_vote(tool=tool, voter="v2", fingerprint="fp", choice=Verdict.SKIP)
    assert community(tool).ships == 1
    assert community(tool).skips == 1


def test_changing_a_discarded_vote_does_not_bring_it_back():
    vote = VoteFactory(choice=Verdict.SHIP)
    discard_votes(votes=Vote.objects.all(), reason="ring")
    cast_vote(tool=vote.tool, voter=vote.voter, fingerprint="fresh", choice=Verdict.SKIP)
    vote.refresh_from_db()
    assert vote.choice == Verdict.SKIP
    assert vote.discarded_at is not None
    assert community(vote.tool).votes == 0


def test_withdrawing_a_discarded_vote_keeps_the_audit_row():
    vote = VoteFactory()
    discard_votes(votes=Vote.objects.all(), reason="ring")
    withdraw_vote(tool=vote.tool, voter=vote.voter)
    cast_vote(tool=vote.tool, voter=vote.voter, fingerprint="fp", choice=Verdict.SHIP)
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
        lambda: cast_vote(tool=tool, voter="a", fingerprint="fa", choice=Verdict.SHIP),
        lambda: cast_vote(tool=tool, voter="b", fingerprint="fb", choice=Verdict.SKIP),
        lambda: cast_vote(tool=tool, voter="a", fingerprint="fa", choice=Verdict.SKIP),
        lambda: cast_vote(tool=tool, voter="a", fingerprint="fa", choice=Verdict.SKIP),
        lambda: discard_votes(votes=Vote.objects.filter(voter="b"), reason="test"),
        lambda: cast_vote(tool=tool, voter="b", fingerprint="fb", choice=Verdict.SHIP),
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
