"""What a badge says about a tool, cached so a warm badge costs no database query.

Freshness: an entry lives ``BADGES_CACHE_SECONDS`` (60 s by default) and is also dropped
when a tool or a review is saved or deleted (``badges.signals``), so editorial changes show
at once. Community votes are left to the TTL on purpose: a vote write must not pay an extra
query to look up the tool's slug, ballots also change through bulk updates that fire no
signals, and a community percentage a minute old is fine on a badge. The TTL is also what
bounds staleness for the per-process LocMem cache used without Redis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from tools.models import Tool
from tools.verdicts import CommunitySummary, PanelSummary

CACHE_VERSION = 1
SLUG_RE = re.compile(r"[-a-zA-Z0-9_]{1,100}")
# Cached for slugs that name no published tool, so a flood of them stays off the database.
MISSING = "missing"


@dataclass(frozen=True)
class BadgeData:
    tool_id: int
    slug: str
    name: str
    tagline: str
    verdict: str
    ships: int
    skips: int
    average_score: float | None
    community_ships: int
    community_skips: int

    @property
    def panel(self) -> PanelSummary:
        return PanelSummary(
            verdict=self.verdict,
            ships=self.ships,
            skips=self.skips,
            average_score=self.average_score,
        )

    @property
    def community(self) -> CommunitySummary:
        return CommunitySummary(ships=self.community_ships, skips=self.community_skips)

    @classmethod
    def from_tool(cls, tool: Tool) -> BadgeData:
        """From a tool annotated by ``with_stats()``."""
        return cls(
            tool_id=tool.pk,
            slug=tool.slug,
            name=tool.name,
            tagline=tool.tagline,
            verdict=tool.panel.verdict,
            ships=tool.panel.ships,
            skips=tool.panel.skips,
            average_score=tool.panel.average_score,
            community_ships=tool.community.ships,
            community_skips=tool.community.skips,
        )


def cache_key(slug: str) -> str:
    return f"badges:v{CACHE_VERSION}:{slug}"


def badge_data(slug: str) -> BadgeData | None:
    """The badge's facts for a published tool, or None when there is no such tool."""
    if not SLUG_RE.fullmatch(slug):
        return None
    key = cache_key(slug)
    cached = cache.get(key)
    if cached is not None:
        return None if cached == MISSING else cached
    tool = (
        Tool.objects.published().with_panel_stats().with_community_stats().filter(slug=slug).first()
    )
    data = BadgeData.from_tool(tool) if tool else None
    cache.set(key, data or MISSING, settings.BADGES_CACHE_SECONDS)
    return data


def forget(slug: str) -> None:
    cache.delete(cache_key(slug))
