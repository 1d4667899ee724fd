"""Vendor stats in the admin: badge impressions, clicks and click-through, per tool per day.

The figures shown first count visitors (each once per tool per hour), the ones vendors can
quote; every request is shown beside them as "all requests", so a visitor reloading the
badge 200 times is visible without inflating the stats.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.utils import timezone

from badges.charts import bar_chart
from badges.models import FIGURES, DailyCount
from tools.models import Tool

WINDOWS = (30, 90)


EMPTY_DAY = dict.fromkeys(FIGURES.values(), 0)


@dataclass(frozen=True)
class Figures:
    """Visitor figures (None: not measured that day) and all requests, for a day or a sum."""

    impressions: int | None
    clicks: int | None
    raw_impressions: int
    raw_clicks: int

    @property
    def click_through(self) -> str:
        return click_through(self.impressions, self.clicks)


@dataclass(frozen=True)
class DayRow(Figures):
    day: datetime.date


def click_through(impressions: int | None, clicks: int | None) -> str:
    return f"{100 * (clicks or 0) / impressions:.1f}%" if impressions else "—"


def total(rows: list[DayRow]) -> Figures:
    """The window's sums; a visitor figure sums the days it was measured on."""

    def measured(figure: str) -> int | None:
        values = [getattr(row, figure) for row in rows if getattr(row, figure) is not None]
        return sum(values) if values else None

    return Figures(
        impressions=measured("impressions"),
        clicks=measured("clicks"),
        raw_impressions=sum(row.raw_impressions for row in rows),
        raw_clicks=sum(row.raw_clicks for row in rows),
    )


def window_days(request: HttpRequest) -> int:
    try:
        days = int(request.GET.get("days", WINDOWS[0]))
    except ValueError:
        return WINDOWS[0]
    return days if days in WINDOWS else WINDOWS[0]


def day_rows(counts: dict, first_day: datetime.date, days: int) -> list[DayRow]:
    """Every day of the window, newest first, with zeros where nothing was counted."""
    rows = []
    for offset in range(days):
        day = first_day + datetime.timedelta(days=offset)
        rows.append(DayRow(day=day, **counts.get(day, EMPTY_DAY)))
    return rows[::-1]


@admin.register(DailyCount)
class BadgeStatsAdmin(admin.ModelAdmin):
    """Read-only: the rows are written by the flush command, never by hand."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def changelist_view(self, request: HttpRequest, extra_context=None) -> TemplateResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        days = window_days(request)
        today = timezone.now().date()
        first_day = today - datetime.timedelta(days=days - 1)
        counts = DailyCount.objects.since(first_day)
        tool = None
        if tool_id := request.GET.get("tool", ""):
            if not tool_id.isdigit():
                tool_id = "0"
            tool = get_object_or_404(Tool, pk=int(tool_id))
            counts = counts.filter(tool=tool)
        rows = day_rows(counts.totals_per_day(), first_day, days)
        chronological = rows[::-1]
        per_tool = [] if tool else list(counts.totals_per_tool())
        for row in per_tool:
            row["click_through"] = click_through(row["impressions"], row["clicks"])
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Badge stats: {tool.name}" if tool else "Badge stats",
            "tool": tool,
            "days": days,
            "windows": WINDOWS,
            "first_day": first_day,
            "today": today,
            "rows": rows,
            "per_tool": per_tool,
            "total": total(rows),
            "impressions_chart": bar_chart(
                [(row.day.isoformat(), row.impressions or 0) for row in chronological],
                title="Impressions per day",
            ),
            "clicks_chart": bar_chart(
                [(row.day.isoformat(), row.clicks or 0) for row in chronological],
                title="Clicks per day",
                height=60,
            ),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/badges/stats.html", context)
