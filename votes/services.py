"""Every write to votes goes through here.

The unique constraint on (tool, voter) is the last word on "one visitor, one vote": a vote
is a single ``INSERT ... ON CONFLICT DO UPDATE``, so concurrent repeats and flips from one
voter always land on one row. Each tool's counts (``CommunityCount``) are kept by triggers
on the votes table in the same transaction, never computed or written here.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from tools.models import Tool
from tools.standing import refresh_standings
from tools.verdicts import Verdict
from votes.models import Vote

OVER_FINGERPRINT_LIMIT = "Automatic: more voters from one network and browser than allowed"


def cast_vote(*, tool: Tool, voter: str, fingerprint: str, choice: Verdict) -> None:
    """Record ``voter``'s choice on ``tool``, replacing any earlier choice.

    A new voter whose fingerprint already holds ``VOTES_PER_FINGERPRINT`` counted votes on
    this tool is recorded but discarded, so cookie-clearing cannot stuff the count and
    editors can still review (and restore) the votes. An existing vote keeps its discard
    state: changing one's mind never brings a discarded vote back.
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Serialise new voters from one fingerprint on one tool, so two requests
            # cannot both see room under the limit.
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                [f"vote:{tool.pk}:{fingerprint}"],
            )
        others = (
            Vote.objects.counted()
            .filter(tool=tool, fingerprint=fingerprint)
            .exclude(voter=voter)
            .count()
        )
        over_limit = others >= settings.VOTES_PER_FINGERPRINT
        Vote.objects.bulk_create(
            [
                Vote(
                    tool=tool,
                    voter=voter,
                    fingerprint=fingerprint,
                    choice=choice,
                    discarded_at=timezone.now() if over_limit else None,
                    discard_reason=OVER_FINGERPRINT_LIMIT if over_limit else "",
                )
            ],
            update_conflicts=True,
            unique_fields=["tool", "voter"],
            update_fields=["choice", "updated_at"],
        )


def withdraw_vote(*, tool: Tool, voter: str) -> None:
    """Take back ``voter``'s vote on ``tool``.

    A discarded vote stays on record for the audit trail (and so that withdrawing and
    voting again cannot launder it); it already does not count.
    """
    Vote.objects.counted().filter(tool=tool, voter=voter).delete()


def discard_votes(*, votes: QuerySet[Vote], reason: str) -> int:
    """Stop counting ``votes`` at once; they stay in the table for audit. Returns how many.

    The tools' Certified Ship and verdict timelines follow at once too.
    """
    with transaction.atomic():
        tool_ids = set(votes.counted().values_list("tool_id", flat=True).distinct())
        count = votes.counted().update(
            discarded_at=timezone.now(), discard_reason=reason[:200], updated_at=timezone.now()
        )
        refresh_standings(tool_ids=tool_ids)
    return count


def restore_votes(*, votes: QuerySet[Vote]) -> int:
    """Count previously discarded ``votes`` again. Returns how many; the tools' award and
    timelines follow at once."""
    with transaction.atomic():
        tool_ids = set(votes.discarded().values_list("tool_id", flat=True).distinct())
        count = votes.discarded().update(
            discarded_at=None, discard_reason="", updated_at=timezone.now()
        )
        refresh_standings(tool_ids=tool_ids)
    return count
