"""The content versions that pages compare for their ETags and key their cached copies by.

A page's version is its own tools' versions plus the catalogue's: every tool and comparison
page lists other tools, critics' names and categories beyond its own tools. List pages
(home, categories, critics, search, feeds, sitemap) show every tool's panel verdict, so
their version adds the reviews. Each is one query; the tags name what a shared HTTP cache
purges when it changes (``tool_tag`` for a tool's own pages, ``LISTING_TAG`` for lists).
"""

from __future__ import annotations

from django.db import connection
from django.db.models.expressions import RawSQL

from reviews.models import Persona, Review
from tools.models import Category, PublicationState, Tool

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


def tool_version(tool) -> tuple:
    """What a page shows of one tool, for ``page_etag``.

    Needs a tool from ``with_stats().with_reviews_version()``.
    """
    return (
        tool.pk,
        tool.updated_at,
        tool.reviews_updated_at,
        tool.reviews_total,
        tool.panel,
        tool.community,
        tool.category.name,
    )


def tool_page_versions(slugs) -> dict[str, tuple]:
    """Each published tool of ``slugs`` by slug: its pk, then its ``tool_version`` and the
    catalogue version, in one query, for the pages that show those tools."""
    tools = (
        Tool.objects.published()
        .filter(slug__in=list(slugs))
        .with_stats()
        .with_reviews_version()
        # The catalogue's scalars ride along on each row: one query for the whole version.
        .annotate(**{name: RawSQL(sql, params) for name, (sql, params) in _CATALOGUE.items()})  # noqa: S611
    )
    return {
        tool.slug: (tool.pk, tool_version(tool), tuple(getattr(tool, name) for name in _CATALOGUE))
        for tool in tools
    }
