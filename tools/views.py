import re

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import get_conditional_response, patch_cache_control
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from tools import share_cards
from tools.models import Tool
from tools.pairs import canonical_pair, comparison_path, pair_slug, split_pair

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,100}")

TOOLS_PER_PAGE = 24


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    tools = Tool.objects.published().with_stats().latest_first()
    page = Paginator(tools, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "tools/home.html", {"page": page, "tools": page.object_list})


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool.objects.published().with_stats(), slug=slug)
    reviews = tool.reviews.for_panel()
    return render(request, "tools/detail.html", {"tool": tool, "reviews": reviews})


# --- Bookmarks: kept in the reader's browser; the server only renders the cards ---------


@require_safe
def bookmarks(request: HttpRequest) -> HttpResponse:
    return render(request, "tools/bookmarks.html", {"loaded": False})


@vary_on_headers("HX-Request")
@require_POST
def bookmark_cards(request: HttpRequest) -> HttpResponse:
    """Cards for the slugs a browser has saved, in its order; unknown slugs drop out quietly.

    A POST because the list travels in the body, but it reads only: nothing is stored.
    """
    # One comma-separated field: a list of separate fields would run into
    # DATA_UPLOAD_MAX_NUMBER_FIELDS long before the bookmark limit.
    slugs = [slug.strip() for slug in request.POST.get("slugs", "").split(",") if slug.strip()]
    if len(slugs) > settings.SHIPORSKIP_MAX_BOOKMARKS:
        return HttpResponseBadRequest(
            f"At most {settings.SHIPORSKIP_MAX_BOOKMARKS} bookmarks at a time.",
            content_type="text/plain",
        )
    wanted = [slug for slug in dict.fromkeys(slugs) if SLUG.fullmatch(slug)]
    found = Tool.objects.published().with_stats().in_bulk(wanted, field_name="slug")
    context = {"tools": [found[slug] for slug in wanted if slug in found], "loaded": True}
    if request.htmx:
        return render(request, "tools/bookmarks.html#bookmark-cards", context)
    return render(request, "tools/bookmarks.html", context)


@require_safe
def compare_bookmarks(request: HttpRequest) -> HttpResponse:
    """The bookmarks page's "compare" form: exactly two published tools, then the comparison."""
    picked = list(dict.fromkeys(request.GET.getlist("tool")))
    if len(picked) != 2 or not all(SLUG.fullmatch(slug) for slug in picked):
        return render(request, "tools/compare_pick.html", {"picked": len(picked)}, status=400)
    if Tool.objects.published().filter(slug__in=picked).count() != 2:
        raise Http404("One of those tools is not published.")
    return redirect(comparison_path(*picked))


# --- Share cards: Open Graph PNGs drawn from the verdict data ---------------------------

# Crawlers keep their own copy anyway; browsers revalidate cheaply against the ETag.
SHARE_CARD_MAX_AGE = 600


def _png(request: HttpRequest, card: share_cards.ShareCard) -> HttpResponse:
    etag = f'"{card.etag}"'
    not_modified = get_conditional_response(request, etag=etag)
    response = not_modified or HttpResponse(card.png, content_type="image/png")
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=SHARE_CARD_MAX_AGE)
    return response


@require_safe
def share_card(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool.objects.published().with_stats(), slug=slug)
    return _png(request, share_cards.tool_card(tool))


@require_safe
def pair_share_card(request: HttpRequest, pair: str) -> HttpResponse:
    """The comparison image at /og/compare/<a>-vs-<b>.png, slugs in alphabetical order."""
    readings = split_pair(pair)
    wanted = {slug for reading in readings for slug in reading}
    tools = Tool.objects.published().with_stats().in_bulk(list(wanted), field_name="slug")
    for first, second in readings:
        if first != second and first in tools and second in tools:
            break
    else:
        raise Http404("No comparison of two published tools by that name.")
    if (first, second) != canonical_pair(first, second):
        return redirect("tools:pair_share_card", pair=pair_slug(first, second), permanent=True)
    return _png(request, share_cards.pair_card(tools[first], tools[second]))
