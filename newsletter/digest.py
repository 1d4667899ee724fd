"""The weekly digest: what it says, and sending it once per subscriber per week."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import mailers
from django.db import IntegrityError, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.template.defaultfilters import pluralize
from django.utils import timezone

from core.absolute_urls import absolute_url
from newsletter.emails import build_email
from newsletter.models import DigestSend, Subscriber, week_of
from tools.models import Standing, Tool, published_filter
from tools.pairs import comparison_path
from tools.verdicts import CommunitySummary, PanelVerdict, Verdict
from votes.models import Vote

DIGEST_DAYS = 7
MAX_NEW_VERDICTS = 12
MAX_MOVERS = 3
MAX_VERDICT_CHANGES = 12
# Movers are picked from the tools with the most votes this week; a handful is plenty.
MOVER_CANDIDATES = 20
# Rivals for the featured comparison are drawn from the most-voted tools with a verdict.
MAX_RIVALS = 200


@dataclass(frozen=True)
class Mover:
    """A tool the community voted on this week, and how far its ship share moved."""

    tool: Tool
    votes_this_week: int
    ship_percent_before: int | None

    @property
    def ship_percent_now(self) -> int | None:
        return self.tool.community.ship_percent

    @property
    def shift(self) -> int | None:
        if self.ship_percent_now is None or self.ship_percent_before is None:
            return None
        return self.ship_percent_now - self.ship_percent_before

    @property
    def line(self) -> str:
        votes = f"{self.votes_this_week} vote{pluralize(self.votes_this_week)} this week"
        if self.shift is None:
            community = self.tool.community
            if community.is_shown:
                return f"{votes} · {community.ship_percent}% ship overall"
            return f"{votes} · {community.line}"
        if self.shift == 0:
            return f"{votes} · holding at {self.ship_percent_now}% ship"
        direction = "up" if self.shift > 0 else "down"
        return (
            f"{votes} · {direction} {abs(self.shift)} points to {self.ship_percent_now}% ship "
            f"(was {self.ship_percent_before}%)"
        )


@dataclass(frozen=True)
class Digest:
    week: datetime.date
    since: datetime.datetime
    new_verdicts: list[Tool] = field(default_factory=list)
    movers: list[Mover] = field(default_factory=list)
    featured_pair: tuple[Tool, Tool] | None = None
    verdict_changes: list[Standing] = field(default_factory=list)

    @property
    def has_news(self) -> bool:
        return bool(self.new_verdicts or self.movers or self.verdict_changes)

    @property
    def subject(self) -> str:
        count = len(self.new_verdicts)
        if count:
            return (
                f"ShipOrSkip weekly: {count} new verdict{pluralize(count)} "
                f"({self.week.day} {self.week:%b})"
            )
        return f"ShipOrSkip weekly: what the community moved on ({self.week.day} {self.week:%b})"

    @property
    def featured_url(self) -> str | None:
        if self.featured_pair is None:
            return None
        first, second = self.featured_pair
        return absolute_url(comparison_path(first.slug, second.slug))


def _new_verdicts(since: datetime.datetime) -> list[Tool]:
    return list(
        Tool.objects.published()
        .filter(published_at__gte=since)
        .with_stats()
        .latest_first()[:MAX_NEW_VERDICTS]
    )


def _verdict_changes(since: datetime.datetime) -> list[Standing]:
    """This week's changes of panel verdict and of Certified Ship on published tools."""
    return list(
        Standing.objects.changes().filter(published_filter("tool__"), recorded_at__gte=since)[
            :MAX_VERDICT_CHANGES
        ]
    )


def _weekly_count(since: datetime.datetime, choice: Verdict) -> Coalesce:
    """The tool's counted votes of one choice since ``since``, as a correlated subquery."""
    rows = (
        Vote.objects.counted()
        .since(since)
        .filter(tool=OuterRef("pk"), choice=choice)
        .order_by()
        .values("tool")
        .annotate(total=Count("pk"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def _movers(since: datetime.datetime) -> list[Mover]:
    candidates = (
        Tool.objects.published()
        .with_stats()
        .annotate(
            week_ships=_weekly_count(since, Verdict.SHIP),
            week_skips=_weekly_count(since, Verdict.SKIP),
        )
        .alias(week_votes=F("week_ships") + F("week_skips"))
        .filter(week_votes__gt=0)
        .order_by("-week_votes", "name")[:MOVER_CANDIDATES]
    )
    movers = []
    for tool in candidates:
        before = CommunitySummary(
            ships=tool.community_ships - tool.week_ships,
            skips=tool.community_skips - tool.week_skips,
        )
        movers.append(
            Mover(
                tool=tool,
                votes_this_week=tool.week_ships + tool.week_skips,
                ship_percent_before=before.ship_percent,
            )
        )
    # Biggest swing in opinion first; tools with no earlier figure rank by votes alone.
    movers.sort(key=lambda m: (abs(m.shift) if m.shift is not None else -1, m.votes_this_week))
    movers.reverse()
    return movers[:MAX_MOVERS]


def _featured_pair(anchors: list[Tool]) -> tuple[Tool, Tool] | None:
    """The first anchor that has a rival: the most-voted tool with a verdict in its category.

    One query for every anchor's category at once, most-voted first.
    """
    if not anchors:
        return None
    rivals = (
        Tool.objects.published()
        .with_stats()
        .filter(category_id__in={anchor.category_id for anchor in anchors})
        .exclude(panel_verdict=PanelVerdict.PENDING)
        .alias(community_votes=F("community_ships") + F("community_skips"))
        .order_by("-community_votes", "name")[:MAX_RIVALS]
    )
    for anchor in anchors:
        for rival in rivals:
            if rival.category_id == anchor.category_id and rival.pk != anchor.pk:
                return anchor, rival
    return None


def build_digest(now: datetime.datetime | None = None) -> Digest:
    """This week's digest: at most five queries however much was published."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=DIGEST_DAYS)
    new_verdicts = _new_verdicts(since)
    movers = _movers(since)
    anchors = new_verdicts + [mover.tool for mover in movers]
    return Digest(
        week=week_of(now),
        since=since,
        new_verdicts=new_verdicts,
        movers=movers,
        featured_pair=_featured_pair(anchors),
        verdict_changes=_verdict_changes(since),
    )


def digest_context(digest: Digest) -> dict:
    return {"digest": digest, "SITE_URL": settings.SITE_URL}


def send_digest(*, digest: Digest, batch_size: int) -> int:
    """Send ``digest`` to every receiving subscriber who has not had this week's; return count.

    Each batch is claimed with row locks (SKIP LOCKED, so two runs at once share the list
    rather than double up), recorded and mailed in one transaction: if the mail server
    fails, the batch's records roll back and a rerun picks the same people up again. The
    unique (subscriber, week) constraint is the last word against a second send.
    """
    sent = 0
    context = digest_context(digest)
    while True:
        with transaction.atomic():
            batch = list(
                Subscriber.objects.receiving()
                .not_sent(digest.week)
                .order_by("pk")
                .select_for_update(skip_locked=True)[:batch_size]
            )
            if not batch:
                return sent
            try:
                with transaction.atomic():
                    DigestSend.objects.bulk_create(
                        [DigestSend(subscriber=s, week=digest.week) for s in batch]
                    )
            except IntegrityError:
                # Another run recorded one of these after our read; let the next pass sort it.
                continue
            messages = [
                build_email(
                    subscriber=subscriber,
                    subject=digest.subject,
                    template="digest",
                    context=context,
                )
                for subscriber in batch
            ]
            sent += mailers.default.send_messages(messages) or 0
