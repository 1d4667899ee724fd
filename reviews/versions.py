"""The content versions that pages compare for their ETags (and, later, cache keys).

A page's version is its own tools' versions plus the catalogue's: every tool and comparison
page lists other tools, critics' names and categories beyond its own tools.
"""

from __future__ import annotations

from django.db import connection

from reviews.models import Persona
from tools.models import Category, PublicationState, Tool


def catalogue_version() -> tuple:
    """One query for what every tool and comparison page lists beyond its own tools.

    The "compare with" links and the picker list every published tool; persona names and
    category names appear on every page.
    """
    # Table names come from model metadata, never from input.
    sql = f"""
        SELECT
          (SELECT max(updated_at) FROM {Tool._meta.db_table}),
          (SELECT count(*) FROM {Tool._meta.db_table}
             WHERE status = %s AND published_at <= now()),
          (SELECT max(updated_at) FROM {Persona._meta.db_table}),
          (SELECT max(updated_at) FROM {Category._meta.db_table})
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, [PublicationState.PUBLISHED])
        return tuple(cursor.fetchone())


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
