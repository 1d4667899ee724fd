"""Vendor stats in the admin: badge impressions, clicks and click-through, per tool per day."""

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
from badges.models import DailyCount
from tools.models import Tool

WINDOWS = (30, 90)


@dataclass(frozen=True)
class DayRow:
    day: datetime.date
    impressions: int
    clicks: int

    @property
    def click_through(self) -> str:
        return click_through(self.impressions, self.clicks)


def click_through(impressions: int, clicks: int) -> str:
    return f"{100 * clicks / impressions:.1f}%" if impressions else "—"


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
        impressions, clicks = counts.get(day, (0, 0))
        rows.append(DayRow(day=day, impressions=impressions, clicks=clicks))
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
        impressions = sum(row.impressions for row in rows)
        clicks = sum(row.clicks for row in rows)
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
            "impressions": impressions,
            "clicks": clicks,
            "click_through": click_through(impressions, clicks),
            "impressions_chart": bar_chart(
                [(row.day.isoformat(), row.impressions) for row in chronological],
                title="Impressions per day",
            ),
            "clicks_chart": bar_chart(
                [(row.day.isoformat(), row.clicks) for row in chronological],
                title="Clicks per day",
                height=60,
            ),
            **(extra_context or {}),
        }
        return TemplateResponse(request, "admin/badges/stats.html", context)
