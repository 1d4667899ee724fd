"""Conditional GETs for pages whose HTML depends on data, the release and the visitor.

A page's ETag hashes everything its HTML is built from: the data versions the view passes
in, the release (templates and static manifest), the visitor's CSRF and voter cookies
(the page embeds a CSRF token and, with votes, the visitor's own vote) and whether htmx
asked for a fragment. Any change gives a new ETag, so a 304 is never stale.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control


@cache
def release_version() -> str:
    """A digest of the templates and the static manifest, computed once per process."""
    digest = hashlib.blake2b(digest_size=12)
    for template_dir in settings.TEMPLATES[0]["DIRS"]:
        for path in sorted(template_dir.rglob("*.html")):
            digest.update(path.read_bytes())
    manifest = settings.STATIC_ROOT / "staticfiles.json"
    if manifest.exists():
        digest.update(manifest.read_bytes())
    return digest.hexdigest()


def catalogue_version() -> tuple:
    """One query for what every tool and comparison page lists beyond its own tools.

    The "compare with" links and the picker list every published tool; persona names and
    category names appear on every page.
    """
    from reviews.models import Persona
    from tools.models import Category, PublicationState, Tool

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


def page_etag(request: HttpRequest, *versions: object) -> str:
    visitor = (
        request.COOKIES.get(settings.CSRF_COOKIE_NAME, ""),
        # The vote boxes show the visitor's own vote.
        request.COOKIES.get(settings.VOTER_COOKIE_NAME, ""),
        request.headers.get("HX-Request", ""),
    )
    digest = hashlib.blake2b(digest_size=16)
    for part in (release_version(), *visitor, *versions):
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return f'"{digest.hexdigest()}"'


def not_modified(request: HttpRequest, etag: str) -> HttpResponse | None:
    """The 304 answer when the client already holds this version, else None."""
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        mark_revalidate(response, etag)
    return response


def mark_revalidate(response: HttpResponse, etag: str) -> HttpResponse:
    """Tag a page so browsers keep it privately and check back before reusing it."""
    response.headers["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response
