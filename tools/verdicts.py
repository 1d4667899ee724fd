"""The verdict rule, in one place.

Panel: SHIP when ships > skips, SKIP when skips > ships, SPLIT on a tie, and no verdict at
all until ``SHIPORSKIP_MIN_PANEL_REVIEWS`` published reviews exist. The rule is written
once, as the SQL expression the querysets annotate (so lists can filter and sort by it);
the summaries below only read those annotations and format them.

Community: the ship percentage is shown only from ``SHIPORSKIP_MIN_COMMUNITY_VOTES``
counted votes; below that the page says "N votes so far" or "No community votes yet".
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
