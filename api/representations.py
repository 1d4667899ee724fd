"""Tools, critics' reviews and comparisons as the open data API spells them.

Every figure comes from the same annotations the pages read (``tools/verdicts.py``), so the
API and the site can never disagree. The shapes are documented in ``api/openapi.py``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.urls import reverse

from comparisons.matchup import leader_of, scorecard
from core.absolute_urls import absolute_url
from reviews.models import Persona, Review
from tools.logos import RENDITIONS, logo_url
from tools.models import Category, Tool
from tools.pairs import comparison_path, pair_slug
from tools.verdicts import CommunitySummary, PanelSummary


def category(category: Category) -> dict:
    return {
        "slug": category.slug,
        "name": category.name,
        "url": absolute_url(category.get_absolute_url()),
    }


def panel(summary: PanelSummary) -> dict:
    average = summary.average_score
    return {
        "verdict": summary.verdict,
        "ships": summary.ships,
        "skips": summary.skips,
        "reviews": summary.reviews,
        "ship_percent": summary.ship_percent,
        "average_score": None if average is None else round(average, 1),
    }


def community(summary: CommunitySummary) -> dict:
    return {
        "ships": summary.ships,
        "skips": summary.skips,
        "votes": summary.votes,
        # Like the pages, no percentage until enough votes are counted.
        "ship_percent": summary.ship_percent,
    }


def logo(tool: Tool) -> dict | None:
    if not tool.logo_id:
        return None
    return {str(size): absolute_url(logo_url(tool.logo_id, size)) for size in RENDITIONS}


def tool_summary(tool: Tool) -> dict:
    """A tool as lists show it. Needs a tool from ``with_stats()``."""
    return {
        "slug": tool.slug,
        "name": tool.name,
        "tagline": tool.tagline,
        "category": category(tool.category),
        "entry_price": tool.entry_price,
        "logo": logo(tool),
        "panel": panel(tool.panel),
        "community": community(tool.community),
        "published_at": tool.published_at,
        "url": absolute_url(tool.get_absolute_url()),
        "api_url": absolute_url(reverse("api:tool", kwargs={"slug": tool.slug})),
    }


def critic(persona: Persona) -> dict:
    return {
        "slug": persona.slug,
        "name": persona.name,
        "lens": persona.lens,
        "url": absolute_url(persona.get_absolute_url()),
    }


def review(review: Review) -> dict:
    return {
        "critic": critic(review.persona),
        "score": review.score,
        "verdict": review.verdict,
        "body": review.body,
        "published_at": review.published_at,
    }


def tool_detail(tool: Tool, reviews: Iterable[Review]) -> dict:
    """A tool with its whole panel. ``reviews`` come from ``for_panel()``."""
    return tool_summary(tool) | {
        "pricing": tool.pricing,
        "best_for": tool.best_for,
        "description": tool.description,
        "vendor": tool.vendor,
        "website": tool.website,
        "updated_at": tool.updated_at,
        "reviews": [review(each) for each in reviews],
        "badge_url": absolute_url(reverse("badges:svg", kwargs={"slug": tool.slug})),
        "embed_url": absolute_url(reverse("badges:embed", kwargs={"slug": tool.slug})),
    }


def comparison(first: Tool, second: Tool, reviews: Iterable[Review]) -> dict:
    """Two tools side by side, in the pair's canonical order, critic by critic."""
    pair = (first, second)

    def leader(figures: tuple) -> str | None:
        index = leader_of(*figures)
        return None if index is None else pair[index].slug

    panels = [tool.panel for tool in pair]
    return {
        "pair": pair_slug(first.slug, second.slug),
        "url": absolute_url(comparison_path(first.slug, second.slug)),
        "tools": [tool_summary(tool) for tool in pair],
        # Who leads each measured figure, as on the page's decision table; null for a tie
        # or when a figure is missing on either side.
        "leaders": {
            "panel_ship_percent": leader(tuple(p.ship_percent for p in panels)),
            "average_score": leader(tuple(p.average_score for p in panels)),
            "community_ship_percent": leader(tuple(t.community.ship_percent for t in pair)),
        },
        "scorecard": [
            {
                "critic": critic(line.persona),
                "reviews": [
                    None if each is None else {"score": each.score, "verdict": each.verdict}
                    for each in line.reviews
                ],
            }
            for line in scorecard(first, second, reviews)
        ],
    }
