"""The decision table and the persona-by-persona scorecard for two tools."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from reviews.models import Persona, Review
from tools.models import Tool


@dataclass(frozen=True)
class Row:
    """One line of the decision table; ``leader`` is 0 or 1 when one tool is ahead."""

    label: str
    cells: tuple[str, str]
    leader: int | None = None
    kind: str = ""


@dataclass(frozen=True)
class ScorecardLine:
    persona: Persona
    reviews: tuple[Review | None, Review | None]


def leader_of(first: float | None, second: float | None) -> int | None:
    if first is None or second is None or first == second:
        return None
    return 0 if first > second else 1


def _percent(value: int | None) -> str:
    return "—" if value is None else f"{value}%"


def decision_rows(first: Tool, second: Tool) -> list[Row]:
    """Needs tools from ``with_stats()``. Only measured rows can have a leader."""
    pair = (first, second)
    panels = [tool.panel for tool in pair]
    communities = [tool.community for tool in pair]
    return [
        Row(
            "Panel verdict",
            (panels[0].line, panels[1].line),
            leader_of(*(p.ship_percent if p.has_verdict else None for p in panels)),
            kind="verdict",
        ),
        Row(
            "Panel ship %",
            (_percent(panels[0].ship_percent), _percent(panels[1].ship_percent)),
            leader_of(panels[0].ship_percent, panels[1].ship_percent),
        ),
        Row(
            "Average score",
            tuple("—" if p.average is None else f"{p.average}/100" for p in panels),
            leader_of(panels[0].average_score, panels[1].average_score),
        ),
        Row(
            "Community vote",
            (communities[0].line, communities[1].line),
            leader_of(communities[0].ship_percent, communities[1].ship_percent),
            kind="community",
        ),
        Row("Pricing", tuple(t.pricing or t.get_entry_price_display() for t in pair)),
        Row("Entry", tuple(t.get_entry_price_display() for t in pair)),
        Row("Best for", tuple(t.best_for or "—" for t in pair)),
        Row("Category", tuple(t.category.name for t in pair)),
    ]


def scorecard(first: Tool, second: Tool, reviews: Iterable[Review]) -> list[ScorecardLine]:
    """Every critic who reviewed either tool, in panel order, with both reviews side by side."""
    by_persona: dict[int, list] = {}
    personas: dict[int, Persona] = {}
    for review in reviews:
        personas[review.persona_id] = review.persona
        slots = by_persona.setdefault(review.persona_id, [None, None])
        slots[0 if review.tool_id == first.pk else 1] = review
    ordered = sorted(personas.values(), key=lambda persona: (persona.order, persona.name))
    return [ScorecardLine(persona, tuple(by_persona[persona.pk])) for persona in ordered]


def rivals(tool: Tool, others: Iterable[Tool], *, limit: int) -> list[Tool]:
    """Whom to compare ``tool`` with first: its own category, then everything else."""
    others = list(others)
    same = [other for other in others if other.category_id == tool.category_id]
    rest = [other for other in others if other.category_id != tool.category_id]
    return (same + rest)[:limit]


def popular_pairs(tools: Iterable[Tool], *, limit: int) -> list[tuple[Tool, Tool]]:
    """Head-to-heads between the most-voted tools of each category, busiest first.

    ``tools`` come most-voted first; readers who weigh one tool in a category usually
    weigh its neighbours, so pairs never cross categories.
    """
    by_category: dict[int, list[Tool]] = {}
    for tool in tools:
        by_category.setdefault(tool.category_id, []).append(tool)
    pairs = [
        (group[i], group[j])
        for group in by_category.values()
        for i in range(min(len(group), 3))
        for j in range(i + 1, min(len(group), 3))
    ]
    pairs.sort(key=lambda pair: -(pair[0].community.votes + pair[1].community.votes))
    return pairs[:limit]
