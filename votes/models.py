from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Count, Max, Min, Q, QuerySet
from django.db.models.functions import TruncDate

from tools.verdicts import Verdict

if TYPE_CHECKING:
    from tools.models import Tool


# The reason votes/services.py gives a vote over the daily network cap starts with this.
SET_ASIDE_PREFIX = "Set aside automatically"


class VoteQuerySet(models.QuerySet):
    def counted(self) -> VoteQuerySet:
        return self.filter(discarded_at__isnull=True)

    def discarded(self) -> VoteQuerySet:
        return self.filter(discarded_at__isnull=False)

    def set_aside(self) -> VoteQuerySet:
        """Discarded automatically for going over the daily network cap, not by an editor."""
        from_cap = Q(discard_reason__startswith=SET_ASIDE_PREFIX)
        return self.discarded().filter(from_cap)

    def since(self, moment: datetime) -> VoteQuerySet:
        return self.filter(created_at__gte=moment)

    def per_tool_per_day(self) -> QuerySet[dict]:
        """Votes grouped by tool and UTC day, busiest first: bursts stand out at the top."""
        return (
            self.annotate(day=TruncDate("created_at"))
            .values("day", "tool_id", "tool__name")
            .annotate(
                total=Count("pk"),
                counted=Count("pk", filter=Q(discarded_at__isnull=True)),
                ships=Count("pk", filter=Q(choice=Verdict.SHIP, discarded_at__isnull=True)),
                skips=Count("pk", filter=Q(choice=Verdict.SKIP, discarded_at__isnull=True)),
                fingerprints=Count("fingerprint", distinct=True),
            )
            .order_by("-total", "-day", "tool__name")
        )

    def per_fingerprint(self) -> QuerySet[dict]:
        """Votes grouped by fingerprint, those that minted the most voters first."""
        return (
            self.values("fingerprint")
            .annotate(
                voters=Count("voter", distinct=True),
                total=Count("pk"),
                counted=Count("pk", filter=Q(discarded_at__isnull=True)),
                tools=Count("tool", distinct=True),
                first_seen=Min("created_at"),
                last_seen=Max("created_at"),
            )
            .order_by("-voters", "-total", "fingerprint")
        )

    def choices_by_tool(self, *, voter: str | None, tools: Iterable[Tool]) -> dict[int, str]:
        """The visitor's choice on each of ``tools``, by tool id, in one query (none without
        a voter). Discarded votes are included: a voter sees the vote they cast whether or
        not editors still count it."""
        tool_ids = [tool.pk for tool in tools]
        if not voter or not tool_ids:
            return {}
        rows = self.filter(voter=voter, tool_id__in=tool_ids).values_list("tool_id", "choice")
        return dict(rows)

    def choices_by_slug(self, *, voter: str | None, slugs: Iterable[str]) -> dict[str, str]:
        """Like ``choices_by_tool``, by tool slug, in one query (none without a voter)."""
        slugs = list(slugs)
        if not voter or not slugs:
            return {}
        return dict(
            self.filter(voter=voter, tool__slug__in=slugs).values_list("tool__slug", "choice")
        )


class Vote(models.Model):
    """One visitor's community vote on one tool.

    ``voter`` is the id from the visitor's signed cookie; ``fingerprint`` is a keyed hash
    of network and client (never the raw IP) used to spot one client minting many voters,
    ``network`` the same of the network alone. Discarded votes (by editors, or set aside
    automatically over the daily network cap) are kept for audit but stop counting.
    """

    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="votes")
    voter = models.CharField(max_length=64)
    fingerprint = models.CharField(max_length=64, blank=True, db_index=True)
    # Keyed hash of the /24 or /48 network alone: the daily cap on new votes keys on it,
    # because the user agent in the fingerprint is the sender's to choose.
    network = models.CharField(max_length=64, blank=True, db_default="")
    choice = models.CharField(max_length=4, choices=Verdict.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    discarded_at = models.DateTimeField(null=True, blank=True)
    discard_reason = models.CharField(max_length=200, blank=True)

    objects = VoteQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        permissions = [("discard_vote", "Can discard votes and count them again")]
        constraints = [
            models.UniqueConstraint(fields=["tool", "voter"], name="one_vote_per_voter"),
            models.CheckConstraint(
                condition=Q(choice__in=Verdict.values), name="vote_choice_valid"
            ),
        ]
        indexes = [
            models.Index(
                fields=["tool", "choice"],
                condition=Q(discarded_at__isnull=True),
                name="vote_counted_idx",
            ),
            models.Index(fields=["created_at"], name="vote_created_idx"),
            models.Index(fields=["tool", "network", "created_at"], name="vote_network_day_idx"),
            # Tool pages show how many votes were set aside; without this, counting them
            # walks every vote of the tool, and the busiest tool has the most.
            models.Index(
                fields=["tool"],
                condition=Q(discarded_at__isnull=False),
                name="vote_set_aside_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.choice} on {self.tool_id} by {self.voter[:8]}"


class CommunityCount(models.Model):
    """A tool's counted community votes, kept so that reading them costs one row.

    Never written by Python: triggers on the votes table (migration 0003) add each
    statement's net change in the same transaction, so every way a vote changes (a cast,
    a change of mind, a withdrawal, an editor's discard or restore, a bulk update, a COPY)
    is counted, and concurrent votes queue on the one row instead of losing increments.
    PositiveIntegerField's check stops a count going below
    zero. A tool nobody has voted on has no row; ``Tool.objects.with_stats()`` reads it as 0 and 0.
    """

    tool = models.OneToOneField(
        "tools.Tool", on_delete=models.CASCADE, primary_key=True, related_name="community_count"
    )
    ships = models.PositiveIntegerField(default=0)
    skips = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.ships} ships, {self.skips} skips on {self.tool_id}"
