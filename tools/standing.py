"""A tool's standing: Certified Ship and the points of its verdict timeline.

``refresh_standings`` is the one writer of both. It runs after every change to reviews
(admin saves, imports), when editors set votes aside or restore them, and every minute
from ``manage.py update_certifications`` for the community votes that arrive in between.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from tools.models import Standing, Tool
from tools.verdicts import is_certified


@dataclass
class Refreshed:
    """What one refresh changed."""

    points: list[Standing] = field(default_factory=list)
    earned: list[Tool] = field(default_factory=list)
    lost: list[Tool] = field(default_factory=list)


def _worth_recording(before: Standing | None, point: Standing, now: datetime.datetime) -> bool:
    if before is None:
        return True
    panel_moved = (before.panel_ships, before.panel_skips, before.panel_verdict) != (
        point.panel_ships,
        point.panel_skips,
        point.panel_verdict,
    )
    if panel_moved or before.certified != point.certified:
        return True
    community_moved = (before.community_ships, before.community_skips) != (
        point.community_ships,
        point.community_skips,
    )
    # Votes arrive all the time: one point per interval keeps the timeline readable and
    # the table small, and the page draws the live figures as the line's last point anyway.
    interval = datetime.timedelta(seconds=settings.SHIPORSKIP_TIMELINE_COMMUNITY_INTERVAL)
    return community_moved and now - before.recorded_at >= interval


def refresh_standings(
    *, tool_ids: Iterable[int] | None = None, now: datetime.datetime | None = None
) -> Refreshed:
    """Re-evaluate Certified Ship for ``tool_ids`` (every tool when None) and add a timeline
    point for each tool whose figures moved. Three queries when nothing changed."""
    now = now or timezone.now()
    ids = None if tool_ids is None else sorted(set(tool_ids))
    if ids == []:
        return Refreshed()
    tools = Tool.objects.with_stats()
    if ids is not None:
        tools = tools.filter(pk__in=ids)
    refreshed = Refreshed()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # One refresh at a time (an editor's save and the minute job may meet): the
            # second reads the points the first wrote instead of recording them twice.
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('tools.standing'))")
        latest = {point.tool_id: point for point in Standing.objects.latest_per_tool(ids)}
        for tool in tools.order_by("pk"):
            before = latest.get(tool.pk)
            panel, community = tool.panel, tool.community
            certified = is_certified(panel, community, held=tool.is_certified)
            point = Standing(
                tool=tool,
                recorded_at=now,
                panel_ships=panel.ships,
                panel_skips=panel.skips,
                panel_verdict=panel.verdict,
                community_ships=community.ships,
                community_skips=community.skips,
                certified=certified,
                previous_verdict=before.panel_verdict if before else "",
                previous_certified=before.certified if before else None,
            )
            if _worth_recording(before, point, now):
                refreshed.points.append(point)
            if certified != tool.is_certified:
                if certified:
                    tool.certified_since = now
                    refreshed.earned.append(tool)
                else:
                    tool.certified_since = None
                    tool.certified_lost_at = now
                    refreshed.lost.append(tool)
                # A save, not an update: the new updated_at changes every page that shows
                # the tool's card, and post_save tells the badges to drop their copy.
                tool.save(update_fields=["certified_since", "certified_lost_at", "updated_at"])
        Standing.objects.bulk_create(refreshed.points)
    return refreshed
