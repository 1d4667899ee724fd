"""Badge impressions and clicks, per tool per day.

Requests never write these rows directly: each hit is counted in Redis (or, without Redis,
appended as a ``PendingHit`` row, an insert that never contends with another request), and
``manage.py flush_badge_counts`` folds the pending counts into ``DailyCount`` once a minute.

Two figures are kept for each kind. ``impressions`` and ``clicks`` count each visitor at
most once per tool per clock hour (UTC): what vendors are shown, and what one client
reloading a badge or clicking its link 200 times cannot inflate. ``raw_impressions`` and
``raw_clicks`` count every request, for spotting exactly that kind of traffic. Days counted
before visitors were told apart have no visitor figures (NULL), only raw ones.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import connection, models
from django.db.models import F, Q, Sum
from django.db.models.functions import Now


class Hit(models.TextChoices):
    IMPRESSION = "impression", "Impression"
    CLICK = "click", "Click"


# Each figure of a DailyCount row, and the measure that feeds it: a kind of hit, counted for
# every request ("raw") or once per visitor per tool per hour.
FIGURES = {
    ("impression", True): "raw_impressions",
    ("click", True): "raw_clicks",
    ("impression", False): "impressions",
    ("click", False): "clicks",
}


class DailyCountQuerySet(models.QuerySet):
    def since(self, day: datetime.date) -> DailyCountQuerySet:
        return self.filter(day__gte=day)

    def totals_per_tool(self) -> models.QuerySet:
        """One row per tool: name, slug and the four figures, most seen first."""
        return (
            self.order_by()
            .values("tool_id", "tool__name", "tool__slug")
            .annotate(**self._sums())
            .order_by(F("impressions").desc(nulls_last=True), "-raw_impressions", "tool__name")
        )

    def totals_per_day(self) -> dict[datetime.date, dict[str, int | None]]:
        """{day: {figure: n}} summed over whatever tools the queryset holds.

        A visitor figure is None for days counted before visitors were told apart.
        """
        rows = self.order_by().values("day").annotate(**self._sums())
        return {row.pop("day"): row for row in rows}

    @staticmethod
    def _sums() -> dict[str, Sum]:
        return {figure: Sum(figure) for figure in FIGURES.values()}


class DailyCount(models.Model):
    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="badge_counts")
    day = models.DateField()
    impressions = models.PositiveBigIntegerField(
        null=True, default=0, help_text="Visitors who saw the badge, each once per hour."
    )
    clicks = models.PositiveBigIntegerField(
        null=True, default=0, help_text="Visitors who followed the badge, each once per hour."
    )
    raw_impressions = models.PositiveBigIntegerField(default=0, help_text="Every badge load.")
    raw_clicks = models.PositiveBigIntegerField(default=0, help_text="Every badge click.")

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
    def add(cls, counts: dict[tuple[int, datetime.date], dict[str, int]]) -> None:
        """Add {(tool_id, day): {figure: n}} onto the stored rows in one upsert.

        Adding (not overwriting) in SQL keeps concurrent flushes and late batches exact;
        rows for tools deleted since the hit are dropped. A visitor figure that is NULL
        (a day counted before visitors were told apart) stays NULL: a part of a day is
        not that day's figure.
        """
        if not counts:
            return
        figures = list(FIGURES.values())
        table = cls._meta.db_table
        tool_table = cls._meta.get_field("tool").related_model._meta.db_table
        row = "(%s::bigint, %s::date" + ", %s::bigint" * len(figures) + ")"
        values = ", ".join([row] * len(counts))
        params = [
            value
            for (tool_id, day), numbers in counts.items()
            for value in (tool_id, day, *(numbers.get(figure, 0) for figure in figures))
        ]
        columns = ", ".join(figures)
        updates = ", ".join(f"{name} = {table}.{name} + EXCLUDED.{name}" for name in figures)
        sql = f"""
            INSERT INTO {table} (tool_id, day, {columns})
            SELECT batch.tool_id, batch.day, {", ".join(f"batch.{name}" for name in figures)}
            FROM (VALUES {values}) AS batch (tool_id, day, {columns})
            JOIN {tool_table} AS tool ON tool.id = batch.tool_id
            -- One order for every writer (flushes, workers adding a batch): rows locked in
            -- the same order cannot deadlock.
            ORDER BY batch.tool_id, batch.day
            ON CONFLICT (tool_id, day) DO UPDATE SET {updates}
        """  # noqa: S608 -- table and column names come from model metadata; values are parameters
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
                DELETE FROM {pending} RETURNING tool_id, day, kind, first_this_hour
            ), summed AS (
                SELECT tool_id, day,
                       count(*) FILTER (WHERE kind = %(impression)s) AS raw_impressions,
                       count(*) FILTER (WHERE kind = %(click)s) AS raw_clicks,
                       count(*) FILTER (WHERE kind = %(impression)s AND first_this_hour)
                           AS impressions,
                       count(*) FILTER (WHERE kind = %(click)s AND first_this_hour) AS clicks
                FROM moved GROUP BY tool_id, day
            )
            INSERT INTO {table} (tool_id, day, raw_impressions, raw_clicks, impressions, clicks)
            SELECT tool_id, day, raw_impressions, raw_clicks, impressions, clicks FROM summed
            ON CONFLICT (tool_id, day) DO UPDATE SET
                raw_impressions = {table}.raw_impressions + EXCLUDED.raw_impressions,
                raw_clicks = {table}.raw_clicks + EXCLUDED.raw_clicks,
                impressions = {table}.impressions + EXCLUDED.impressions,
                clicks = {table}.clicks + EXCLUDED.clicks
        """  # noqa: S608 -- table names come from model metadata
        with connection.cursor() as cursor:
            cursor.execute(sql, {"impression": Hit.IMPRESSION, "click": Hit.CLICK})
            return cursor.rowcount


class PendingHit(models.Model):
    """One uncounted hit, for deployments without Redis; flushed into ``DailyCount``."""

    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    kind = models.CharField(max_length=10, choices=Hit.choices)
    # Whether this was the visitor's first hit of this kind on this tool this hour.
    first_this_hour = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=Hit.values), name="pending_hit_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} on {self.tool_id} ({self.day})"

    @classmethod
    def record(
        cls, tool_id: int, day: datetime.date, kind: str, hour: datetime.datetime, visitor: str
    ) -> None:
        """Append one hit, marked first if the visitor was not yet seen this hour.

        One statement: the ``SeenVisitor`` insert that loses a race inserts nothing, so
        concurrent hits of one visitor mark exactly one of them first.
        """
        seen = SeenVisitor._meta.db_table
        sql = f"""
            WITH first AS (
                INSERT INTO {seen} (hour, tool_id, kind, visitor) VALUES (%s, %s, %s, %s)
                ON CONFLICT DO NOTHING RETURNING 1
            )
            INSERT INTO {cls._meta.db_table} (tool_id, day, kind, first_this_hour)
            VALUES (%s, %s, %s, EXISTS (SELECT FROM first))
        """  # noqa: S608 -- table names come from model metadata
        with connection.cursor() as cursor:
            cursor.execute(sql, [hour, tool_id, kind, visitor, tool_id, day, kind])


class SeenVisitorQuerySet(models.QuerySet):
    def expired(self) -> SeenVisitorQuerySet:
        # Hits are matched against their own clock hour only, so older rows are never read.
        return self.filter(hour__lt=Now() - datetime.timedelta(hours=1))

    def first_visits(
        self, visits: Iterable[tuple[str, datetime.datetime, int, str]]
    ) -> list[tuple[str, datetime.datetime, int]]:
        """Record (kind, hour, tool_id, visitor) visits; return (kind, hour, tool_id) of those
        not seen before, in one statement. Visits of tools deleted since are left out."""
        visits = list(visits)
        if not visits:
            return []
        table = SeenVisitor._meta.db_table
        tool_table = SeenVisitor._meta.get_field("tool").related_model._meta.db_table
        values = ", ".join(["(%s::timestamptz, %s::bigint, %s, %s)"] * len(visits))
        params = [
            value
            for kind, hour, tool_id, visitor in visits
            for value in (hour, tool_id, kind, visitor)
        ]
        sql = f"""
            INSERT INTO {table} (hour, tool_id, kind, visitor)
            SELECT visit.hour, visit.tool_id, visit.kind, visit.visitor
            FROM (VALUES {values}) AS visit (hour, tool_id, kind, visitor)
            JOIN {tool_table} AS tool ON tool.id = visit.tool_id
            ORDER BY visit.hour, visit.tool_id, visit.kind, visit.visitor
            ON CONFLICT DO NOTHING
            RETURNING kind, hour, tool_id
        """  # noqa: S608 -- table names come from model metadata; values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()


class SeenVisitor(models.Model):
    """A visitor already counted for a tool this hour, for deployments without Redis.

    Only the current hour's rows matter; each flush deletes older ones.
    """

    hour = models.DateTimeField()
    tool = models.ForeignKey("tools.Tool", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=Hit.choices)
    visitor = models.CharField(max_length=32)

    objects = SeenVisitorQuerySet.as_manager()

    class Meta:
        constraints = [
            # Hour first, so the flush's "delete older hours" walks this same index.
            models.UniqueConstraint(
                fields=["hour", "tool", "kind", "visitor"], name="one_seen_visitor_per_hour"
            )
        ]

    def __str__(self) -> str:
        return f"{self.visitor} saw {self.tool_id} ({self.kind}, {self.hour:%Y-%m-%d %H}h)"


class FlushedBatch(models.Model):
    """A Redis batch already added to ``DailyCount``.

    Recorded in the same transaction as the counts, so a flush that dies between the commit
    and deleting the Redis key does not add the batch twice on the next run.
    """

    key = models.CharField(max_length=200, unique=True)
    flushed_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.key
