"""The content versions that pages compare for their ETags and key their cached copies by.

Every reading page shows more than its own tools: other tools' names and verdicts, the
critics, the categories. What all pages share is ``content_version()``: the number kept by
triggers (``tools.ContentVersion``) that any change to a tool, category, critic, review or
featured comparison moves, and how many published tools are still scheduled for later, so
a scheduled publication changes it when its time comes without any write. Tool and
comparison pages add their own tools' versions, which carry the community counts. Each
is one query on rows that stay few however large the catalogue grows, run as a prepared
statement (planning it cost four times its execution); the tags name what a shared HTTP
cache purges when it changes (``tool_tag`` for a tool's own pages, ``LISTING_TAG`` for
lists).
"""

from __future__ import annotations

import psycopg
from django.db import connection
from django.utils import timezone

from tools.models import ContentVersion, PublicationState, Standing, Tool

LISTING_TAG = "listing"
# Everything shows critics' names and categories: their changes purge every page.
SITE_TAG = "site"

# Table names come from model metadata, never from input.
_CONTENT = (
    f"(SELECT max(version) FROM {ContentVersion._meta.db_table}), "  # noqa: S608
    f"(SELECT count(*) FROM {Tool._meta.db_table} "
    # The statement's own clock: now() would stand still for a whole transaction.
    "WHERE status = %s AND published_at > statement_timestamp())"
)
_CONTENT_PARAMS = (PublicationState.PUBLISHED,)


def tool_tag(pk: int) -> str:
    return f"tool-{pk}"


class _PreparedCursor(psycopg.Cursor):
    """Binds parameters on the server and prepares the statement on first use, so each
    connection plans it once. Django's own cursors bind on the client and never prepare
    (they must work behind poolers); these few statements run on every page view."""

    def execute(self, query, params=None, *, prepare=None, binary=None):
        return super().execute(query, params, prepare=True, binary=binary)


def _fetch(sql: str, params) -> list[tuple]:
    connection.ensure_connection()
    raw = _PreparedCursor(connection.connection)
    # Wrapped as Django wraps its own, so query logging, counting and the deadline
    # watchdog's execute wrapper see this query like any other.
    wrap = connection.make_debug_cursor if connection.queries_logged else connection.make_cursor
    with wrap(raw) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def content_version() -> tuple:
    """One query for what every reading page shows beyond its own tools."""
    return tuple(_fetch(f"SELECT {_CONTENT}", _CONTENT_PARAMS)[0])


def _tool_version_sql() -> str:
    """Each tool's own version and the content version, by slug, in one statement.

    A tool's own part is what the content version leaves out: its community counts (the
    votes app's kept row, reached through the relation by name), its set-aside votes and
    its newest verdict timeline point. Written out rather than built from querysets:
    compiling ``with_stats()`` and its subqueries cost 6 ms of Python per request, twenty
    times what PostgreSQL spends.
    """
    tools = Tool._meta.db_table
    counts = Tool._meta.get_field("community_count").related_model._meta.db_table
    votes = Tool._meta.get_field("votes").related_model._meta.db_table
    standings = Standing._meta.db_table
    return f"""
        SELECT tool.id, tool.slug,
               counts.ships, counts.skips,
               (SELECT count(*) FROM {votes}
                 WHERE tool_id = tool.id AND discarded_at IS NOT NULL),
               (SELECT max(id) FROM {standings} WHERE tool_id = tool.id),
               {_CONTENT}
          FROM {tools} AS tool
          LEFT JOIN {counts} AS counts ON counts.tool_id = tool.id
         WHERE tool.slug = ANY(%s) AND tool.status = %s AND tool.published_at <= %s
    """  # noqa: S608


def tool_page_versions(slugs) -> dict[str, tuple]:
    """Each published tool of ``slugs`` by slug: ``(pk, its version, the content version)``,
    in one query, for the pages that show those tools. Together they change with the
    tool, its category, any review (a verdict changes only through them), its community
    counts and set-aside votes, its award and its verdict timeline. Publication is judged
    by the same clock as ``published_filter()``."""
    params = [*_CONTENT_PARAMS, list(slugs), PublicationState.PUBLISHED, timezone.now()]
    rows = _fetch(_tool_version_sql(), params)
    return {row[1]: (row[0], tuple(row[2:6]), tuple(row[6:])) for row in rows}
