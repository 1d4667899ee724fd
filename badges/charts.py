"""A small bar chart as data for an inline SVG; the template draws it, escaping included."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    peak: int
    title: str


def bar_chart(
    points: list[tuple[str, int]], *, title: str, width: int = 640, height: int = 120
) -> BarChart:
    """One bar per (label, value), scaled to the largest value; zero gets a hairline."""
    peak = max((value for _, value in points), default=0)
    slot = width / max(len(points), 1)
    gap = 1 if slot > 3 else 0
    bars = []
    for index, (label, value) in enumerate(points):
        bar_height = max(height * value / peak, 1) if peak else 1
        bars.append(
            Bar(
                x=round(index * slot, 2),
                y=round(height - bar_height, 2),
                width=round(max(slot - gap, 0.5), 2),
                height=round(bar_height, 2),
                label=f"{label}: {value}",
            )
        )
    return BarChart(width=width, height=height, bars=bars, peak=peak, title=title)
