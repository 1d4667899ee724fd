"""Every write to votes goes through here.

The unique constraint on (tool, voter) is the last word on "one visitor, one vote": a vote
is a single ``INSERT ... ON CONFLICT DO UPDATE``, so concurrent repeats and flips from one
voter always land on one row. Each tool's counts (``CommunityCount``) are kept by triggers
on the votes table in the same transaction, never computed or written here.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from core.purge import purge_on_commit
from reviews.versions import LISTING_TAG, tool_tag
from tools.models import Tool
from tools.standing import refresh_standings
from tools.verdicts import Verdict
from votes.identity import new_voter_id
from votes.models import SET_ASIDE_PREFIX, Vote

SET_ASIDE_REASON = f"{SET_ASIDE_PREFIX}: more new votes from one network than a day allows"


def _voter_seconds_ago(*, tool: Tool, fingerprint: str, choice: Verdict) -> str | None:
    """A voter minted moments ago on this tool by the same network and browser, with the
    same choice: the first of a double-click without JavaScript, whose cookie the second
    request could not carry yet."""
    since = timezone.now() - timedelta(seconds=settings.VOTE_DOUBLE_SUBMIT_SECONDS)
    return (
        Vote.objects.filter(tool=tool, fingerprint=fingerprint, choice=choice)
        .since(since)
        .order_by("-created_at")
        .values_list("voter", flat=True)
        .first()
    )


def cast_vote(
    *, tool: Tool, voter: str | None, fingerprint: str, network: str, choice: Verdict
) -> str:
    """Record the choice of ``voter`` (None: a visitor without a voter cookie) on ``tool``,
    replacing any earlier choice; returns the voter id the vote is recorded under.

    A vote that is new on this tool is counted only while its network (``network``, a
    keyed /24 or /48) has added fewer than ``VOTES_PER_NETWORK_PER_DAY`` counted votes to
    the tool in the last 24 hours. Beyond that it is recorded but set aside (discarded with
    ``SET_ASIDE_REASON``), for editors to review and count again: an office behind one
    address still votes, and cookie-clearing cannot stuff the count. An existing vote keeps
    its discard state: changing one's mind never brings a discarded vote back.

    New votes from one network on one tool are serialised, so two requests cannot both
    see room under the cap, and a visitor without a cookie who repeats the same choice
    within ``VOTE_DOUBLE_SUBMIT_SECONDS`` from the same network and browser is taken to be
    the voter just minted, so a double-click counts once.
    """
    with transaction.atomic():
        if voter is None or not Vote.objects.filter(tool=tool, voter=voter).exists():
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))",
                    [f"vote:{tool.pk}:{network}"],
                )
            if voter is None:
                repeated = _voter_seconds_ago(tool=tool, fingerprint=fingerprint, choice=choice)
                if repeated is not None:
                    return repeated
                voter = new_voter_id()
            since = timezone.now() - timedelta(days=1)
            counted_today = (
                Vote.objects.counted()
                .filter(tool=tool, network=network)
                .since(since)
                .exclude(voter=voter)
                .count()
            )
            set_aside = counted_today >= settings.VOTES_PER_NETWORK_PER_DAY
        else:
            set_aside = False  # not a new vote: the upsert below keeps its discard state
        Vote.objects.bulk_create(
            [
                Vote(
                    tool=tool,
                    voter=voter,
                    fingerprint=fingerprint,
                    network=network,
                    choice=choice,
                    discarded_at=timezone.now() if set_aside else None,
                    discard_reason=SET_ASIDE_REASON if set_aside else "",
                )
            ],
            update_conflicts=True,
            unique_fields=["tool", "voter"],
            update_fields=["choice", "updated_at"],
        )
    return voter


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
    now = timezone.now()
    return _recount(votes.counted(), discarded_at=now, discard_reason=reason[:200], updated_at=now)


def restore_votes(*, votes: QuerySet[Vote]) -> int:
    """Count previously discarded ``votes`` again. Returns how many; the tools' award and
    timelines follow at once."""
    return _recount(
        votes.discarded(), discarded_at=None, discard_reason="", updated_at=timezone.now()
    )


def _recount(votes: QuerySet[Vote], **changes) -> int:
    """Apply an editor's discard or restore; the tools whose counts it moves get their
    standings refreshed and their pages purged from the shared HTTP cache. A plain vote
    purges nothing: pages are shared for seconds only, and a purge per vote would empty
    the cache under exactly the traffic it is for."""
    with transaction.atomic():
        chosen = dict(votes.values_list("pk", "tool_id"))
        changed = votes.filter(pk__in=chosen).update(**changes)
        tool_ids = set(chosen.values())
        refresh_standings(tool_ids=tool_ids)
        if tool_ids:
            purge_on_commit(*(tool_tag(pk) for pk in tool_ids), LISTING_TAG)
    return changed
