"""The content versions that pages compare for their ETags and key their cached copies by.

A page's version is its own tools' versions plus the catalogue's: every tool and comparison
page lists other tools, critics' names and categories beyond its own tools. List pages
(home, categories, critics, search, feeds, sitemap) show every tool's panel verdict, so
their version adds the reviews. Each is one query; the tags name what a shared HTTP cache
purges when it changes (``tool_tag`` for a tool's own pages, ``LISTING_TAG`` for lists).
"""

from __future__ import annotations

from django.db import connection
from django.utils import timezone

from reviews.models import Persona, Review
from tools.models import Category, PublicationState, Standing, Tool

LISTING_TAG = "listing"
# Everything shows critics' names and categories: their changes purge every page.
SITE_TAG = "site"

# Table names come from model metadata, never from input.
_CATALOGUE = {
    "catalogue_tools_changed": (f"SELECT max(updated_at) FROM {Tool._meta.db_table}", ()),  # noqa: S608
    "catalogue_tools_published": (
        f"SELECT count(*) FROM {Tool._meta.db_table} "  # noqa: S608
        "WHERE status = %s AND published_at <= now()",
        (PublicationState.PUBLISHED,),
    ),
    "catalogue_personas_changed": (f"SELECT max(updated_at) FROM {Persona._meta.db_table}", ()),  # noqa: S608
    "catalogue_categories_changed": (
        f"SELECT max(updated_at) FROM {Category._meta.db_table}",  # noqa: S608
        (),
    ),
}
_REVIEWS = {
    "reviews_changed": (f"SELECT max(updated_at) FROM {Review._meta.db_table}", ()),  # noqa: S608
    "reviews_total": (f"SELECT count(*) FROM {Review._meta.db_table}", ()),  # noqa: S608
}


def tool_tag(pk: int) -> str:
    return f"tool-{pk}"


def _scalars(parts: dict[str, tuple[str, tuple]]) -> tuple:
    sql = "SELECT " + ", ".join(f"({query})" for query, _ in parts.values())
    params = [param for _, query_params in parts.values() for param in query_params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return tuple(cursor.fetchone())


def catalogue_version() -> tuple:
    """One query for what every tool and comparison page lists beyond its own tools.

    The "compare with" links and the picker list other published tools; persona names and
    category names appear on every page.
    """
    return _scalars(_CATALOGUE)


def listing_version() -> tuple:
    """One query for what list pages show: the catalogue and every tool's reviews."""
    return _scalars(_CATALOGUE | _REVIEWS)


def _tool_version_sql() -> str:
    """Each tool's own version and the catalogue's, by slug, in one statement.

    Written out rather than built from querysets: compiling ``with_stats()`` and its
    subqueries cost 6 ms of Python per request, twenty times what PostgreSQL spends.
    Counts come from the votes app's kept row, reached through the relation by name.
    """
    tools = Tool._meta.db_table
    reviews = Review._meta.db_table
    categories = Category._meta.db_table
    counts = Tool._meta.get_field("community_count").related_model._meta.db_table
    votes = Tool._meta.get_field("votes").related_model._meta.db_table
    standings = Standing._meta.db_table
    catalogue = ", ".join(f"({query})" for query, _ in _CATALOGUE.values())
    # The award, the set-aside votes and the newest timeline point show on tool pages too.
    return f"""
        SELECT tool.id, tool.slug, tool.updated_at, category.name,
               (SELECT max(updated_at) FROM {reviews} WHERE tool_id = tool.id),
               (SELECT count(*) FROM {reviews} WHERE tool_id = tool.id),
               counts.ships, counts.skips,
               tool.certified_since,
               (SELECT count(*) FROM {votes}
                 WHERE tool_id = tool.id AND discarded_at IS NOT NULL),
               (SELECT max(id) FROM {standings} WHERE tool_id = tool.id),
               {catalogue}
          FROM {tools} AS tool
          JOIN {categories} AS category ON category.id = tool.category_id
          LEFT JOIN {counts} AS counts ON counts.tool_id = tool.id
         WHERE tool.slug = ANY(%s) AND tool.status = %s AND tool.published_at <= %s
    """  # noqa: S608


def tool_page_versions(slugs) -> dict[str, tuple]:
    """Each published tool of ``slugs`` by slug: ``(pk, its version, the catalogue's)``,
    in one query, for the pages that show those tools. A tool's version changes with the
    tool, its category, any of its reviews (a verdict changes only through them), its
    community counts and set-aside votes, its award and its verdict timeline. Publication
    is judged by the same clock as ``published_filter()``."""
    catalogue = [param for _, query_params in _CATALOGUE.values() for param in query_params]
    params = [*catalogue, list(slugs), PublicationState.PUBLISHED, timezone.now()]
    with connection.cursor() as cursor:
        cursor.execute(_tool_version_sql(), params)
        rows = cursor.fetchall()
    return {row[1]: (row[0], tuple(row[2:11]), tuple(row[11:])) for row in rows}
