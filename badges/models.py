"""Badge impressions and clicks, per tool per day.

Requests never write these rows directly: each hit is counted in Redis (or, without Redis,
appended as a ``PendingHit`` row, an insert that never contends with another request), and
``manage.py flush_badge_counts`` folds the pending counts into ``DailyCount`` once a minute.
"""

from __future__ import annotations

import datetime

from django.db import connection, models
from django.db.models import Q, Sum


class Hit(models.TextChoices):
    IMPRESSION = "impression", "Impression"
    CLICK = "click", "Click"


class DailyCountQuerySet(models.QuerySet):
    def since(self, day: datetime.date) -> DailyCountQuerySet:
        return self.filter(day__gte=day)

    def totals_per_tool(self) -> models.QuerySet:
        """One row per tool: name, slug, impressions and clicks, most seen first."""
        return (
            self.order_by()
            .values("tool_id", "tool__name", "tool__slug")
            .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"))
            .order_by("-impressions", "tool__name")
        )

    def totals_per_day(self) -> dict[datetime.date, tuple[int, int]]:
        """{day: (impressions, clicks)} summed over whatever tools the queryset holds."""
        rows = (
            self.order_by()
            .values("day")
            .annotate(impressions=Sum("impressions"), clicks=Sum("clicks"))
        )
        return {row["day"]: (row["impressions"], row["clicks"]) for row in rows}


class DailyCount(models.Model):
    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="badge_counts")
    day = models.DateField()
    impressions = models.PositiveBigIntegerField(default=0)
    clicks = models.PositiveBigIntegerField(default=0)

    objects = DailyCountQuerySet.as_manager()

    class Meta:
        verbose_name = "badge stats"
        verbose_name_plural = "badge stats"
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(fields=["tool", "day"], name="one_badge_count_per_tool_day")
        ]
        indexes = [models.Index(fields=["day"], name="badge_count_day_idx")]

    def __str__(self) -> str:
        return f"{self.tool_id} on {self.day}: {self.impressions} / {self.clicks}"

    @classmethod
    def add(cls, counts: dict[tuple[int, datetime.date], tuple[int, int]]) -> None:
        """Add {(tool_id, day): (impressions, clicks)} onto the stored rows in one upsert.

        Adding (not overwriting) in SQL keeps concurrent flushes and late batches exact;
        rows for tools deleted since the hit are dropped.
        """
        if not counts:
            return
        table = cls._meta.db_table
        tool_table = cls._meta.get_field("tool").related_model._meta.db_table
        values = ", ".join(["(%s::bigint, %s::date, %s::bigint, %s::bigint)"] * len(counts))
        params = [
            value
            for (tool_id, day), (impressions, clicks) in counts.items()
            for value in (tool_id, day, impressions, clicks)
        ]
        sql = f"""
            INSERT INTO {table} (tool_id, day, impressions, clicks)
            SELECT batch.tool_id, batch.day, batch.impressions, batch.clicks
            FROM (VALUES {values}) AS batch (tool_id, day, impressions, clicks)
            JOIN {tool_table} AS tool ON tool.id = batch.tool_id
            ON CONFLICT (tool_id, day) DO UPDATE SET
                impressions = {table}.impressions + EXCLUDED.impressions,
                clicks = {table}.clicks + EXCLUDED.clicks
        """  # noqa: S608 -- table names come from model metadata; values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    @classmethod
    def absorb_pending_hits(cls) -> int:
        """Move every ``PendingHit`` row into the daily counts, in one atomic statement.

        DELETE ... RETURNING and the upsert run as one statement, so a hit inserted while
        it runs is either moved now or left for the next flush, never lost or counted twice.
        """
        table = cls._meta.db_table
        pending = PendingHit._meta.db_table
        sql = f"""
            WITH moved AS (
                DELETE FROM {pending} RETURNING tool_id, day, kind
            ), summed AS (
                SELECT tool_id, day,
                       count(*) FILTER (WHERE kind = %s) AS impressions,
                       count(*) FILTER (WHERE kind = %s) AS clicks
                FROM moved GROUP BY tool_id, day
            )
            INSERT INTO {table} (tool_id, day, impressions, clicks)
            SELECT tool_id, day, impressions, clicks FROM summed
            ON CONFLICT (tool_id, day) DO UPDATE SET
                impressions = {table}.impressions + EXCLUDED.impressions,
                clicks = {table}.clicks + EXCLUDED.clicks
        """  # noqa: S608 -- table names come from model metadata
        with connection.cursor() as cursor:
            cursor.execute(sql, [Hit.IMPRESSION, Hit.CLICK])
            return cursor.rowcount


class PendingHit(models.Model):
    """One uncounted hit, for deployments without Redis; flushed into ``DailyCount``."""

    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Hit.choices)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Hit.values), name="pending_hit_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.tool_id} ({self.day})"


class FlushedBatch(models.Model):
    """A Redis batch already added to ``DailyCount``.

    Recorded in the same transaction as the counts, so a flush that dies between the commit
    and deleting the Redis key does not add the batch twice on the next run.
    """

    key = models.CharField(max_length=200, unique=True)
    flushed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
