"""The verdict rule, in one place.

Panel: SHIP when ships > skips, SKIP when skips > ships, SPLIT on a tie, and no verdict at
all until ``SHIPORSKIP_MIN_PANEL_REVIEWS`` published reviews exist. The rule is written
once, as the SQL expression the querysets annotate (so lists can filter and sort by it);
the summaries below only read those annotations and format them.

Community: the ship percentage is shown only from ``SHIPORSKIP_MIN_COMMUNITY_VOTES``
counted votes; below that the page says "N votes so far" or "No community votes yet".

Certified Ship: earned when the panel's ship share is at least
``SHIPORSKIP_CERTIFIED_PANEL_SHARE`` % over at least ``SHIPORSKIP_CERTIFIED_PANEL_REVIEWS``
published reviews and the community's is at least ``SHIPORSKIP_CERTIFIED_COMMUNITY_SHARE`` %
over at least ``SHIPORSKIP_CERTIFIED_COMMUNITY_VOTES`` counted votes; kept until either
share falls below ``SHIPORSKIP_CERTIFIED_KEEP_SHARE`` %, so it does not flicker at the line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Value, When
from django.template.defaultfilters import pluralize


class Verdict(models.TextChoices):
    SHIP = "ship", "Ship"
    SKIP = "skip", "Skip"


class PanelVerdict(models.TextChoices):
    SHIP = "ship", "SHIP"
    SKIP = "skip", "SKIP"
    SPLIT = "split", "SPLIT"
    PENDING = "pending", "PENDING"


def panel_verdict_expression(ships: str = "panel_ships", skips: str = "panel_skips") -> Case:
    """SQL for the panel verdict, given the names of the annotated counts."""
    return Case(
        When(
            **{f"{ships}__lt": Value(settings.SHIPORSKIP_MIN_PANEL_REVIEWS) - F(skips)},
            then=Value(PanelVerdict.PENDING),
        ),
        When(**{f"{ships}__gt": F(skips)}, then=Value(PanelVerdict.SHIP)),
        When(**{f"{ships}__lt": F(skips)}, then=Value(PanelVerdict.SKIP)),
        default=Value(PanelVerdict.SPLIT),
        output_field=models.CharField(),
    )


def round_half_up(value: float) -> int:
    """Nearest whole number, halves rounded up: 76.5 is 77, as readers expect.

    Python's ``round`` rounds halves to even (76.5 to 76); every figure we show goes
    through this instead, so a page, a badge and the structured data never disagree.
    """
    return math.floor(value + 0.5)


def share_at_least(part: int, whole: int, threshold: int) -> bool:
    """Whether ``part`` is at least ``threshold`` percent of ``whole``, exactly: 74.6 % is
    below 75 % even though it rounds to it. Nothing is a share of zero."""
    return whole > 0 and 100 * part >= threshold * whole


@dataclass(frozen=True)
class CertifiedRule:
    """The award's thresholds (percent and counts), as settings give them."""

    panel_share: int
    panel_reviews: int
    community_share: int
    community_votes: int
    keep_share: int


def certified_rule() -> CertifiedRule:
    return CertifiedRule(
        panel_share=settings.SHIPORSKIP_CERTIFIED_PANEL_SHARE,
        panel_reviews=settings.SHIPORSKIP_CERTIFIED_PANEL_REVIEWS,
        community_share=settings.SHIPORSKIP_CERTIFIED_COMMUNITY_SHARE,
        community_votes=settings.SHIPORSKIP_CERTIFIED_COMMUNITY_VOTES,
        keep_share=settings.SHIPORSKIP_CERTIFIED_KEEP_SHARE,
    )


def is_certified(panel: PanelSummary, community: CommunitySummary, *, held: bool) -> bool:
    """Whether a tool holds Certified Ship, given whether it held it until now.

    The minimum numbers of reviews and votes are needed to earn the award; keeping it asks
    only that neither share falls below the keep share.
    """
    rule = certified_rule()
    if held:
        return share_at_least(panel.ships, panel.reviews, rule.keep_share) and share_at_least(
            community.ships, community.votes, rule.keep_share
        )
    return (
        panel.reviews >= rule.panel_reviews
        and share_at_least(panel.ships, panel.reviews, rule.panel_share)
        and community.votes >= rule.community_votes
        and share_at_least(community.ships, community.votes, rule.community_share)
    )


def percent(part: int, whole: int) -> int | None:
    if whole <= 0:
        return None
    # In integers, so 1 of 8 is exactly 12.5 before it rounds up to 13.
    return (200 * part + whole) // (2 * whole)


@dataclass(frozen=True)
class PanelSummary:
    verdict: str
    ships: int
    skips: int
    average_score: float | None

    @classmethod
    def of(cls, row: object) -> PanelSummary:
        """From anything that carries the panel annotations (a tool, a timeline point);
        a row without an average (the timeline keeps none) has ``average_score`` None."""
        return cls(
            verdict=row.panel_verdict,
            ships=row.panel_ships,
            skips=row.panel_skips,
            average_score=getattr(row, "panel_average_score", None),
        )

    @property
    def reviews(self) -> int:
        return self.ships + self.skips

    @property
    def has_verdict(self) -> bool:
        return self.verdict != PanelVerdict.PENDING

    @property
    def label(self) -> str:
        return PanelVerdict(self.verdict).label

    @property
    def ship_percent(self) -> int | None:
        return percent(self.ships, self.reviews)

    @property
    def average(self) -> int | None:
        return None if self.average_score is None else round_half_up(self.average_score)

    @property
    def counts_line(self) -> str:
        ships = f"{self.ships} ship{pluralize(self.ships)}"
        skips = f"{self.skips} skip{pluralize(self.skips)}"
        return f"{ships} · {skips}"

    @property
    def detail(self) -> str:
        """What follows the label: "4 ships · 0 skips", or "2 of 3 reviews in" while pending."""
        if not self.has_verdict:
            return f"{self.reviews} of {settings.SHIPORSKIP_MIN_PANEL_REVIEWS} reviews in"
        return self.counts_line

    @property
    def line(self) -> str:
        """ "SHIP · 4 ships · 0 skips", or "PENDING · 2 of 3 reviews in"."""
        return f"{self.label} · {self.detail}"


@dataclass(frozen=True)
class CommunitySummary:
    ships: int
    skips: int

    @property
    def votes(self) -> int:
        return self.ships + self.skips

    @property
    def is_shown(self) -> bool:
        return self.votes >= settings.SHIPORSKIP_MIN_COMMUNITY_VOTES

    @property
    def ship_percent(self) -> int | None:
        return percent(self.ships, self.votes) if self.is_shown else None

    @property
    def line(self) -> str:
        if self.votes == 0:
            return "No community votes yet"
        if not self.is_shown:
            return f"{self.votes} vote{pluralize(self.votes)} so far"
        return f"{self.ship_percent}% ship · {self.votes} votes"
