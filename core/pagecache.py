"""The whole-page cache for reading pages every anonymous reader shares.

A shared page's view is wrapped by ``shared_page(versions)``. On each GET,
``SharedPageMiddleware`` asks ``versions`` for the content versions the page is built
from (one cheap query, the same the ETag is made of), then answers, cheapest first: 304
when the reader holds that ETag; the stored bytes when another reader's request already
rendered that version; otherwise the view renders, and a shareable answer (200, no
cookie, not private) is stored under the ETag for the next reader. A change to the data
changes the versions and so the key: the next request renders afresh; nothing needs
deleting. Stored answers also expire after ``fresh_for`` seconds, which bounds what the
versions leave out (community counts on list pages). Every answer carries the ETag, the
shared cache policy, an honest ``Vary`` and the page's tags (``xkey``) for a shared HTTP
cache to purge by.

Each process also keeps the pages it served last in memory, under the same key and until
the same moment the shared copy expires: a key names exactly one content, so a local copy
is never staler than the shared one, and a warm page skips the round trip to Redis (a
third of its cost).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache, wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, get_urlconf, resolve
from django.utils.cache import patch_vary_headers

from core.conditional import SHARED_PAGE, not_modified, page_etag, tag
from core.middleware import DATABASE_ERRORS

CACHE_PREFIX = "page:v2:"
# Pages each process keeps in memory (tens of kB each); past this the memory is emptied.
LOCAL_MAX_ENTRIES = 256
# List pages leave the community counts out of their version (they show dozens of tools):
# a vote shows on them within this many seconds.
LIST_PAGE_SECONDS = 5
# Tool and comparison pages carry their tools' counts in their version, so a vote changes
# their key at once; this only lets copies nobody reads go.
VERSIONED_PAGE_SECONDS = 600
# Header naming a page's tags, as Varnish's xkey module reads them (space-separated).
TAGS_HEADER = "xkey"
# Headers the wrapper sets on every answer itself; a stored answer keeps the view's others.
_OWN_HEADERS = {"etag", "cache-control", "vary", TAGS_HEADER.lower()}


@dataclass(frozen=True)
class PageVersion:
    """What a shared page is built from (``parts``) and the tags to purge it by."""

    parts: tuple
    tags: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class _Stored:
    status: int
    headers: tuple[tuple[str, str], ...]
    content: bytes
    # Wall-clock time the shared copy expires: every process's local copy goes with it.
    expires_at: float


# key -> stored answer; plain dict operations are atomic under the GIL.
_local: dict[str, _Stored] = {}


def _get(key: str) -> _Stored | None:
    stored = _local.get(key)
    if stored is not None and stored.expires_at > time.time():
        return stored
    stored = cache.get(key)
    if stored is not None:
        _remember(key, stored)
    return stored


def _set(key: str, stored: _Stored, fresh_for: int) -> None:
    cache.set(key, stored, fresh_for)
    _remember(key, stored)


def _remember(key: str, stored: _Stored) -> None:
    if len(_local) >= LOCAL_MAX_ENTRIES:
        _local.clear()
    _local[key] = stored


def forget_local() -> None:
    """Empty this process's copies (the tests start each one from an empty cache)."""
    _local.clear()


def _shareable(response: HttpResponse) -> bool:
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.cookies
        and not response.streaming
        and "private" not in cache_control
        and "no-store" not in cache_control
    )


@dataclass(frozen=True)
class _Declared:
    """What ``shared_page`` was given for a view."""

    versions: Callable[..., PageVersion | None]
    fresh_for: int
    vary: tuple[str, ...]


@dataclass(frozen=True)
class _Page:
    """One request for a shared page, looked up: its ETag, cache key and version."""

    etag: str
    key: str
    version: PageVersion
    declared: _Declared


def _look_up(request: HttpRequest, declared: _Declared, args, kwargs) -> _Page | None:
    version = declared.versions(request, *args, **kwargs)
    if version is None:
        return None
    variant = (request.get_full_path(), *(request.headers.get(h, "") for h in declared.vary))
    etag = page_etag(*variant, *version.parts)
    return _Page(etag, CACHE_PREFIX + etag.strip('"'), version, declared)


def _labelled(response: HttpResponse, page: _Page) -> HttpResponse:
    """Every answer for the page, 304 or full, carries its Vary and its tags."""
    if page.declared.vary:
        patch_vary_headers(response, page.declared.vary)
    if page.version.tags:
        response.headers[TAGS_HEADER] = " ".join(page.version.tags)
    return response


def _from_cache(request: HttpRequest, page: _Page) -> HttpResponse | None:
    """A 304, or the stored answer with the page's own headers; None on a miss."""
    response = not_modified(request, page.etag, **SHARED_PAGE)
    if response is None:
        stored = _get(page.key)
        if stored is None:
            return None
        response = HttpResponse(stored.content, status=stored.status)
        for header, value in stored.headers:
            response.headers[header] = value
        tag(response, page.etag, **SHARED_PAGE)
    return _labelled(response, page)


def _keep(page: _Page, response: HttpResponse) -> None:
    """Store a freshly rendered answer for the next reader, if every reader may have it."""
    if _shareable(response):
        fresh_for = page.declared.fresh_for
        _set(page.key, _store(response, fresh_for), fresh_for)


def shared_page(
    versions: Callable[..., PageVersion | None],
    *,
    fresh_for: int,
    vary: tuple[str, ...] = (),
) -> Callable:
    """Serve the wrapped GET view from the page cache (see the module docstring).

    ``versions(request, *args, **kwargs)`` returns the page's ``PageVersion``, or None to
    let the view answer uncached (a redirect, a 404). ``vary`` names the request headers
    the view's answer depends on (e.g. ``HX-Request`` for a fragment).

    ``SharedPageMiddleware`` (installed in settings) answers warm hits, which never reach
    the view; the wrapper renders a miss and marks it for the middleware to store, headers
    and all. Reached without the middleware's lookup (a path too long to remember, the
    database away), the view answers uncached.
    """
    declared = _Declared(versions, fresh_for, vary)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            response = view(request, *args, **kwargs)
            page = getattr(request, "shared_page", None)
            if page is None:
                return response
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            if not _shareable(response):
                return response
            response.shared_page = page
            return _labelled(tag(response, page.etag, **SHARED_PAGE), page)

        wrapper.shared_page = declared
        return wrapper

    return decorator


class SharedPageMiddleware:
    """Answers warm hits of shared pages before sessions, CSRF, users and messages run.

    None of those matter to a page every reader shares; skipping them took a warm tool
    page from 933 to 754 us in-process. It sits inside ``DatabaseUnavailableMiddleware``
    (the version query keeps the request's deadline) and outside everything a page's
    answer passes through, so what it stores on a miss is the answer as it left those
    middleware: a hit served here has the very headers the miss had (the frame and
    content-type rules included).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        page = self._page_for(request) if request.method in ("GET", "HEAD") else None
        if page is None:
            return self.get_response(request)
        response = _from_cache(request, page)
        if response is not None:
            return response
        request.shared_page = page
        response = self.get_response(request)
        if getattr(response, "shared_page", None) is page:
            _keep(page, response)
        return response

    @staticmethod
    def _page_for(request: HttpRequest) -> _Page | None:
        path = request.path_info
        if len(path) > MAX_REMEMBERED_PATH:
            return None
        found = _shared_view(get_urlconf() or settings.ROOT_URLCONF, path)
        if found is None:
            return None
        declared, args, kwargs = found
        try:
            return _look_up(request, declared, args, dict(kwargs))
        except DATABASE_ERRORS:
            return None  # the view's own path gives the outage answer


# Paths longer than this are never a shared page worth remembering.
MAX_REMEMBERED_PATH = 300


@lru_cache(maxsize=4096)
def _shared_view(urlconf: str, path: str) -> tuple[_Declared, tuple, tuple] | None:
    """What ``shared_page`` declared for the view at ``path``, with its arguments; None
    for any other path. Remembered per path: resolving walked the URL patterns on every
    warm hit, a fifth of its cost, and the answer only changes with the code."""
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    declared = getattr(match.func, "shared_page", None)
    if declared is None:
        return None
    return declared, tuple(match.args), tuple(match.kwargs.items())


def _store(response: HttpResponse, fresh_for: int) -> _Stored:
    headers = tuple(
        (name, value) for name, value in response.items() if name.lower() not in _OWN_HEADERS
    )
    return _Stored(
        status=response.status_code,
        headers=headers,
        content=response.content,
        expires_at=time.time() + fresh_for,
    )
