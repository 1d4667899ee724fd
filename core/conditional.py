"""Conditional GETs for pages whose HTML depends on data and the release.

A page's ETag hashes everything its HTML is built from: the data versions and the request
variant (URL, the headers it varies on) the caller passes in, and the release (templates
and static manifest). Reading pages hold nothing of the visitor (no CSRF token, no own
vote), so one ETag serves every reader. Any change gives a new ETag: a 304 is never stale.
"""

from __future__ import annotations

import hashlib
from functools import cache

from django.conf import settings
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


def page_etag(*versions: object) -> str:
    digest = hashlib.blake2b(digest_size=16)
    for part in (release_version(), *versions):
        digest.update(repr(part).encode())
        digest.update(b"\x1f")
    return f'"{digest.hexdigest()}"'


# Pages that differ per visitor: browsers keep them privately and check back each time.
REVALIDATE_PRIVATELY = {"private": True, "no_cache": True}

# Reading pages, the same for every reader: browsers and shared caches (Varnish, a CDN)
# may keep them briefly. Five seconds in a cache plus at most five in the app's own page
# cache is how "a vote shows to other readers within 10 s" holds through every layer;
# editors' changes are purged from Varnish at once and change the app's cache key.
SHARED_PAGE_SECONDS = 5
SHARED_PAGE = {"public": True, "max_age": SHARED_PAGE_SECONDS, "s_maxage": SHARED_PAGE_SECONDS}


def not_modified(request: HttpRequest, etag: str, **cache_control) -> HttpResponse | None:
    """The 304 answer when the client already holds ``etag``, else None.

    The one conditional-GET check for pages, images and badges; ``cache_control`` is the
    caller's policy (``patch_cache_control`` keywords), set on the 304 as on the full answer.
    """
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        tag(response, etag, **cache_control)
    return response


def tag(response: HttpResponse, etag: str, **cache_control) -> HttpResponse:
    """Give a full answer its ETag and the caller's cache policy."""
    response.headers["ETag"] = etag
    if cache_control:
        patch_cache_control(response, **cache_control)
    return response


def body_answer(
    request: HttpRequest, body: bytes, content_type: str, **cache_control
) -> HttpResponse:
    """``body`` tagged with a hash of its own bytes, or a 304 when the client holds them.

    For small answers that are cheaper to build than to version (JSON): an ETag made from
    the answer itself can never be stale, whatever changed.
    """
    etag = f'"{hashlib.blake2b(body, digest_size=16).hexdigest()}"'
    if (response := not_modified(request, etag, **cache_control)) is not None:
        return response
    return tag(HttpResponse(body, content_type=content_type), etag, **cache_control)
