"""What a badge says about a tool, cached so a warm badge costs no database query.

Freshness: an entry lives ``BADGES_CACHE_SECONDS`` (60 s by default) and is also dropped
when a tool or a review is saved or deleted (``badges.signals``), so editorial changes show
at once. Community votes are left to the TTL on purpose: a vote write must not pay an extra
query to look up the tool's slug, ballots also change through bulk updates that fire no
signals, and a community percentage a minute old is fine on a badge. The TTL is also what
bounds staleness for the per-process LocMem cache used without Redis.

In front of the shared cache each process keeps what it read for ``BADGES_LOCAL_SECONDS``
(5 s): the badge is requested thousands of times a second, and a Redis GET, mostly the
redis-py client object Django builds per call, was a third of its cost. Five seconds of
extra lag is invisible on an image that browsers revalidate anyway.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from tools.models import Tool, is_tool_slug
from tools.verdicts import CommunitySummary, PanelSummary

CACHE_VERSION = 4
# Cached for slugs that name no published tool, so a flood of them stays off the database.
MISSING = "missing"
LOCAL_MAX_ENTRIES = 2048
# slug -> (monotonic expiry, data or None); plain dict operations are atomic under the GIL.
_local: dict[str, tuple[float, BadgeData | None]] = {}


@dataclass(frozen=True)
class BadgeData:
    """A tool's identity and its two verdict summaries, as the shared rule computed them."""

    tool_id: int
    slug: str
    name: str
    tagline: str
    panel: PanelSummary
    community: CommunitySummary
    # The logo's digest (None: the monogram), named like Tool's so templates take either.
    logo_id: str | None = None
    certified: bool = False

    @property
    def verdict(self) -> str:
        return self.panel.verdict

    @classmethod
    def from_tool(cls, tool: Tool) -> BadgeData:
        """From a tool annotated by ``with_stats()``."""
        return cls(
            tool_id=tool.pk,
            slug=tool.slug,
            name=tool.name,
            tagline=tool.tagline,
            panel=tool.panel,
            community=tool.community,
            logo_id=tool.logo_id,
            certified=tool.is_certified,
        )


def cache_key(slug: str) -> str:
    return f"badges:v{CACHE_VERSION}:{slug}"


def badge_data(slug: str) -> BadgeData | None:
    """The badge's facts for a published tool, or None when there is no such tool."""
    if not is_tool_slug(slug):
        return None
    now = time.monotonic()
    local = _local.get(slug)
    if local is not None and local[0] > now:
        return local[1]
    data = _shared(slug)
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[slug] = (now + settings.BADGES_LOCAL_SECONDS, data)
    return data


def last_known(slug: str) -> BadgeData | None:
    """What this process last read for ``slug``, however old: the badge to show while the
    database cannot be asked (None if it never knew)."""
    local = _local.get(slug)
    return local[1] if local is not None else None


def _shared(slug: str) -> BadgeData | None:
    key = cache_key(slug)
    cached = cache.get(key)
    if cached is not None:
        return None if cached == MISSING else cached
    tool = Tool.objects.published().with_stats().filter(slug=slug).first()
    data = BadgeData.from_tool(tool) if tool else None
    cache.set(key, data or MISSING, settings.BADGES_CACHE_SECONDS)
    return data


def forget(slug: str) -> None:
    _local.pop(slug, None)
    cache.delete(cache_key(slug))


def forget_all_local() -> None:
    _local.clear()
