"""Badges, the click-through redirect, the embeddable card, and the embed-code page.

Badge status codes: 200 with an SVG for every slug (a neutral "not reviewed" badge for
unknown or unpublished tools, defaults for unknown ``style``/``theme``), 304 when
``If-None-Match`` matches the ETag, 405 for methods other than GET and HEAD. An image URL
that a vendor pasted must never turn into a broken image.
"""

from __future__ import annotations

import json
import logging

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csp import csp_override
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from badges import svg
from badges.counters import record_hit, visitor
from badges.data import badge_data, last_known
from badges.models import Hit
from core.conditional import body_answer, not_modified, tag
from core.htmx import HtmxHttpRequest
from core.middleware import DATABASE_ERRORS
from tools.models import Tool

logger = logging.getLogger(__name__)

BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"
# The embed is the one page other sites may frame; it runs no script at all.
EMBED_CSP = {**settings.SECURE_CSP, "frame-ancestors": ["*"], "script-src": ["'none'"]}


def is_impression(request: HttpRequest) -> bool:
    """Whether this load is a vendor's visitor, not our own page previewing a badge.

    Browsers send ``Sec-Fetch-Site: same-origin`` for the previews on our tool pages;
    those are not impressions of the vendor's badge. HEAD requests load nothing.
    """
    return request.method == "GET" and request.headers.get("Sec-Fetch-Site") != "same-origin"


@require_safe
def badge(request: HttpRequest, slug: str) -> HttpResponse:
    try:
        data = badge_data(slug)
    except DATABASE_ERRORS:
        # Still an image in the vendor's page: the last verdict this process saw, or the
        # neutral badge; never the HTML outage page.
        logger.warning("database unavailable; badge for %s from what this process knew", slug)
        data = last_known(slug)
    rendered = svg.render(data, request.GET.get("style"), request.GET.get("theme"))
    if data is not None and is_impression(request):
        # A 304 is still a view of the badge, so count before answering it.
        record_hit(Hit.IMPRESSION, data.tool_id, visitor(request))
    response = not_modified(request, rendered.etag, no_cache=True) or tag(
        HttpResponse(rendered.svg, content_type="image/svg+xml"), rendered.etag, no_cache=True
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = BADGE_CSP
    response["Cross-Origin-Resource-Policy"] = "cross-origin"
    # Set here because the fast path skips XFrameOptionsMiddleware: only the embed frames.
    response["X-Frame-Options"] = "DENY"
    return response


@csrf_exempt  # so other methods get the 405 of require_safe: it only reads
@require_safe
def shields(request: HttpRequest, slug: str) -> HttpResponse:
    """The badge for shields.io's endpoint badge: JSON, 200 for every slug like the SVG.

    Not counted as an impression: shields.io's servers fetch it, not the vendor's readers.
    """
    body = json.dumps(svg.shields_endpoint(badge_data(slug)), ensure_ascii=False).encode()
    response = body_answer(
        request, body, "application/json", public=True, max_age=svg.SHIELDS_CACHE_SECONDS
    )
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_safe
@never_cache
def click(request: HttpRequest, slug: str) -> HttpResponseRedirect:
    """Count a click and go to the tool's page here; the target never comes from input."""
    data = badge_data(slug)
    if data is None:
        return HttpResponseRedirect(reverse("pages:home"))
    # Same-origin clicks count too: they come from the embed card, framed on a vendor's
    # site but served from ours; our own pages show previews without this link.
    if request.method == "GET":
        record_hit(Hit.CLICK, data.tool_id, visitor(request))
    return HttpResponseRedirect(reverse("pages:tool", kwargs={"slug": data.slug}))


# No form posts here, so no CSRF check either: a POST is a plain 405 like any other method.
@csrf_exempt
@require_safe
@xframe_options_exempt
@csp_override(EMBED_CSP)
def embed(request: HttpRequest, slug: str) -> HttpResponse:
    """The verdict card for other sites' iframes: no cookies, no forms, no script."""
    data = badge_data(slug)
    _, theme = svg.normalise(None, request.GET.get("theme"))
    if data is not None and is_impression(request):
        record_hit(Hit.IMPRESSION, data.tool_id, visitor(request))
    response = render(
        request,
        "badges/embed.html",
        {"data": data, "theme": theme},
        status=200 if data else 404,
    )
    patch_cache_control(response, no_cache=True)
    return response


@require_safe
@vary_on_headers("HX-Request")
def codes(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    """Badge and embed snippets for one tool; htmx swaps in just the snippets."""
    tool = get_object_or_404(Tool.objects.published().with_stats(), slug=slug)
    context = {
        "tool": tool,
        "badge_style": request.GET.get("style", ""),
        "badge_theme": request.GET.get("theme", ""),
    }
    if request.htmx:
        return render(request, "badges/embed_section.html#embed-snippets", context)
    return render(request, "badges/codes.html", context)
