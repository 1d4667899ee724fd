"""Cross-site request forgery protection without tokens, for the site's public forms.

Browsers say where a request comes from: ``Sec-Fetch-Site`` (Fetch Metadata) and, on every
POST, ``Origin``. A request another site's page made is refused before its view runs, the
approach of Go's ``net/http.CrossOriginProtection``. Pages therefore carry no CSRF token,
set no cookie, and every anonymous reader can be served the same cached bytes.

The check runs for every view. Public POST endpoints (votes, the digest signup, bookmark
cards) rely on it alone and are marked ``@origin_checked``; everything else, the admin
first, keeps Django's token check on top of it.

Why not the django-modern-csrf package: it replaces ``CsrfViewMiddleware`` and honours the
same ``csrf_exempt`` marker, so it cannot keep token CSRF for the admin while public forms
go tokenless, and the check itself is the few lines below.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.template.loader import render_to_string
from django.utils.http import is_same_domain
from django.views.decorators.csrf import csrf_exempt

logger = logging.getLogger("django.security.csrf")

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# "none": the reader typed the URL or used a bookmark; never a page of another site.
TRUSTED_FETCH_SITES = frozenset({"same-origin", "none"})


def _is_trusted_origin(origin: str) -> bool:
    """``origin`` is listed in CSRF_TRUSTED_ORIGINS (``https://*.example.com`` allowed)."""
    scheme, _, host = origin.partition("://")
    for trusted in settings.CSRF_TRUSTED_ORIGINS:
        trusted_scheme, _, trusted_host = trusted.partition("://")
        if scheme == trusted_scheme and is_same_domain(host, trusted_host.replace("*", "")):
            return True
    return False


def is_cross_origin(request: HttpRequest) -> bool:
    """Whether an unsafe request was made by a page of another origin."""
    origin = request.headers.get("Origin")
    if origin and origin != "null" and _is_trusted_origin(origin):
        return False
    fetch_site = request.headers.get("Sec-Fetch-Site")
    if fetch_site is not None:
        return fetch_site not in TRUSTED_FETCH_SITES
    if origin is None:
        # Neither header: not a browser (browsers send Origin on every POST), so not a
        # forgery riding on a reader's cookies.
        return False
    return origin != f"{request.scheme}://{request.get_host()}"


def origin_checked(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For a public POST endpoint: no CSRF token is needed, the origin check is enough.

    Django's token check is skipped so pages need no token; the middleware below still
    refuses cross-origin requests to this view, as to every view.
    """
    return csrf_exempt(view)


def cross_origin_allowed(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """For the rare endpoint another site may post to, whose URL is its authorisation."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        return view(*args, **kwargs)

    wrapper.cross_origin_allowed = True
    return csrf_exempt(wrapper)


class CrossOriginProtectionMiddleware:
    """Refuse unsafe requests from other origins with a 403 page that says why."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, view_args, view_kwargs):
        if request.method in SAFE_METHODS or getattr(view, "cross_origin_allowed", False):
            return None
        if not is_cross_origin(request):
            return None
        logger.warning(
            "refused a cross-origin %s to %s (Origin %r, Sec-Fetch-Site %r)",
            request.method,
            request.path,
            request.headers.get("Origin"),
            request.headers.get("Sec-Fetch-Site"),
        )
        return HttpResponseForbidden(render_to_string("403_cross_origin.html", request=request))
