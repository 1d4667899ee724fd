"""The verdict timeline on a tool page: panel and community ship shares over time.

Drawn on the server as an inline SVG (no script needed to read it), with the same figures
as a table beside it for screen readers and text browsers. Each share is a step line: a
figure holds until the next point changes it. The tool's live figures are the last point,
so the line always ends at what the page says today.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from tools.models import Standing, Tool

POINTS_SHOWN = 200
WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 16, 12, 30
PLOT_WIDTH = WIDTH - LEFT - RIGHT
PLOT_HEIGHT = HEIGHT - TOP - BOTTOM
X_TICKS = 4


@dataclass(frozen=True)
class Row:
    """One point of the timeline, as the table beside the chart reads it."""

    when: datetime.datetime
    panel_percent: int | None
    community_percent: int | None
    verdict: str
    certified: bool
    change: str
    is_now: bool = False


@dataclass(frozen=True)
class Timeline:
    rows: list[Row]
    panel_path: str
    community_path: str
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    markers: list[tuple[float, float, str]]
    summary: str
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right_edge: int = WIDTH - RIGHT
    top: int = TOP
    bottom_edge: int = HEIGHT - BOTTOM


def _y(percent: int) -> float:
    return TOP + PLOT_HEIGHT * (100 - percent) / 100


def _step_path(points: list[tuple[float, int | None]]) -> str:
    """An SVG path of horizontal steps; a point with no figure breaks the line."""
    commands: list[str] = []
    previous: int | None = None
    for x, percent in points:
        if percent is None:
            previous = None
            continue
        y = _y(percent)
        if previous is None:
            commands.append(f"M{x:.1f} {y:.1f}")
        else:
            commands.append(f"H{x:.1f}V{y:.1f}")
        previous = percent
    if commands and points[-1][1] is not None:
        commands.append(f"H{LEFT + PLOT_WIDTH:.1f}")
    return "".join(commands)


def _percent_line(name: str, first: int | None, last: int | None) -> str:
    if last is None:
        return f"{name}: no share yet"
    if first is None or first == last:
        return f"{name}: {last}% ship"
    return f"{name}: {last}% ship, from {first}%"


def build(tool: Tool, points: list[Standing], now: datetime.datetime | None = None) -> Timeline:
    """The timeline of ``tool`` (from ``with_stats()``) from its stored ``points``, oldest
    first, ending with its live figures."""
    now = now or timezone.now()
    live = Row(
        when=now,
        panel_percent=tool.panel.ship_percent,
        community_percent=tool.community.ship_percent,
        verdict=tool.panel.label,
        certified=tool.is_certified,
        change="",
        is_now=True,
    )
    rows = [
        Row(
            when=point.recorded_at,
            panel_percent=point.panel.ship_percent,
            community_percent=point.community.ship_percent,
            verdict=point.panel.label,
            certified=point.certified,
            change=point.change_line,
        )
        for point in points
    ] + [live]
    start = rows[0].when
    span = max((now - start).total_seconds(), 86400.0)

    def x(when: datetime.datetime) -> float:
        return LEFT + PLOT_WIDTH * (when - start).total_seconds() / span

    x_ticks = [
        (
            LEFT + PLOT_WIDTH * step / X_TICKS,
            f"{(moment := start + datetime.timedelta(seconds=span * step / X_TICKS)).day} "
            f"{moment:%b %Y}",
        )
        for step in range(X_TICKS + 1)
    ]
    markers = [
        (x(row.when), _y(row.panel_percent), row.change)
        for row in rows
        if row.change and row.panel_percent is not None
    ]
    first_panel = next((r.panel_percent for r in rows if r.panel_percent is not None), None)
    first_community = next(
        (r.community_percent for r in rows if r.community_percent is not None), None
    )
    summary = (
        f"Ship shares since {start.day} {start:%B %Y}. "
        f"{_percent_line('Panel', first_panel, live.panel_percent)}; "
        f"{_percent_line('community', first_community, live.community_percent)}."
    )
    return Timeline(
        rows=rows[::-1],
        panel_path=_step_path([(x(row.when), row.panel_percent) for row in rows]),
        community_path=_step_path([(x(row.when), row.community_percent) for row in rows]),
        y_ticks=[(_y(percent), f"{percent}%") for percent in (0, 25, 50, 75, 100)],
        x_ticks=x_ticks,
        markers=markers,
        summary=summary,
    )


def for_tool(tool: Tool) -> tuple[Timeline, Standing | None]:
    """``tool``'s timeline and its latest verdict change, from one query."""
    points, last_change = Standing.objects.timeline(tool, limit=POINTS_SHOWN)
    return build(tool, points), last_change
