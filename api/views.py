"""The open data endpoints: read-only JSON under /api/v1/, and oEmbed for tool pages.

Each view validates its parameters, reads with the catalogue's own querysets and hands a
payload to ``api.http.answer``; ``api.http.open_data`` frames it (methods, rate limit,
errors, CORS). The shapes are documented, for clients and for the tests, in ``openapi.py``.
"""

from __future__ import annotations

from urllib.parse import unquote, urlencode, urlsplit

from django.conf import settings
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponsePermanentRedirect
from django.urls import Resolver404, resolve, reverse

from api import openapi, representations
from api.forms import DEFAULT_PER_PAGE, OEmbedParams, ToolListParams
from api.http import BadParameters, answer, error, open_data
from badges.embed_codes import EMBED_HEIGHT, EMBED_WIDTH, iframe_snippet
from core.absolute_urls import absolute_url
from reviews.models import Review
from tools.models import Category, Tool, is_tool_slug
from tools.pairs import pair_slug, split_pair

NO_TOOL = "No published tool has that slug."


def _cleaned(form) -> dict:
    if not form.is_valid():
        raise BadParameters({field: list(errors) for field, errors in form.errors.items()})
    return form.cleaned_data


def _published_tool(slug: str) -> Tool:
    tool = (
        Tool.objects.published().with_stats().filter(slug=slug).first()
        if is_tool_slug(slug)
        else None
    )
    if tool is None:
        raise Http404(NO_TOOL)
    return tool


@open_data
def tool_list(request: HttpRequest) -> HttpResponse:
    params = _cleaned(ToolListParams(request.GET))
    listing = Tool.objects.published()
    if params["category"]:
        # A well-formed slug that names no category is a missing resource, not an empty
        # list: the client learns at once that its filter is wrong.
        if not Category.objects.filter(slug=params["category"]).exists():
            raise Http404("No category has that slug; /api/v1/categories lists them.")
        listing = listing.filter(category__slug=params["category"])
    if params["verdict"]:
        listing = listing.verdict(params["verdict"])
    per_page = params["per_page"] or DEFAULT_PER_PAGE
    paginator = Paginator(listing.latest_first(), per_page)
    try:
        page = paginator.page(params["page"] or 1)
    except EmptyPage:
        raise Http404(f"There is no such page; the last is {paginator.num_pages}.") from None

    def page_url(number: int) -> str:
        query = {key: value for key, value in params.items() if value and key != "page"}
        return absolute_url(f"{reverse('api:tools')}?{urlencode(query | {'page': number})}")

    # Stats for the page's tools only: counting for every row an OFFSET skips would make
    # deep pages cost as much as the whole catalogue.
    tools = Tool.objects.in_ranking_order(page.object_list, limit=per_page)
    return answer(
        request,
        {
            "count": paginator.count,
            "page": page.number,
            "pages": paginator.num_pages,
            "per_page": per_page,
            "next": page_url(page.next_page_number()) if page.has_next() else None,
            "previous": page_url(page.previous_page_number()) if page.has_previous() else None,
            "results": [representations.tool_summary(tool) for tool in tools],
        },
    )


@open_data
def tool_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = _published_tool(slug)
    reviews = tool.reviews.for_panel()
    return answer(request, representations.tool_detail(tool, reviews))


@open_data
def category_list(request: HttpRequest) -> HttpResponse:
    categories = Category.objects.with_published_counts()
    return answer(
        request,
        {
            "results": [
                representations.category(category)
                | {
                    "tools": category.published_tools,
                    "tools_url": absolute_url(
                        f"{reverse('api:tools')}?{urlencode({'category': category.slug})}"
                    ),
                }
                for category in categories
            ]
        },
    )


@open_data
def comparison(request: HttpRequest, pair: str) -> HttpResponse:
    readings = split_pair(pair)
    wanted = {slug for reading in readings for slug in reading}
    tools = Tool.objects.published().with_stats().in_bulk(list(wanted), field_name="slug")
    found = next(((a, b) for a, b in readings if a in tools and b in tools), None)
    if found is None:
        raise Http404("No two published tools by those names.")
    first, second = (tools[slug] for slug in sorted(found))
    if first.pk == second.pk:
        raise Http404("A comparison needs two different tools.")
    canonical = pair_slug(first.slug, second.slug)
    if pair != canonical:
        return HttpResponsePermanentRedirect(reverse("api:comparison", kwargs={"pair": canonical}))
    reviews = Review.objects.for_panel().filter(tool__in=[first, second])
    return answer(request, representations.comparison(first, second, reviews))


@open_data
def openapi_document(request: HttpRequest) -> HttpResponse:
    return answer(request, openapi.document())


@open_data
def not_found(request: HttpRequest, rest: str = "") -> HttpResponse:
    raise Http404("No such endpoint; /api/v1/openapi.json lists them.")


# --- oEmbed ---------------------------------------------------------------------------

# The card is fluid in width but needs its full height; narrower than this it cramps.
OEMBED_MIN_WIDTH = 280
OEMBED_CACHE_SECONDS = 3600
SHARE_CARD_SIZE = (1200, 630)


def _tool_slug_of(url: str) -> str | None:
    """The slug when ``url`` is a tool page on this site (either scheme), else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return None
    site = urlsplit(settings.SITE_URL)
    if parts.scheme not in ("http", "https") or parts.netloc.lower() != site.netloc.lower():
        return None
    try:
        match = resolve(unquote(parts.path) or "/")
    except Resolver404:
        return None
    return match.kwargs["slug"] if match.view_name == "pages:tool" else None


@open_data
def oembed(request: HttpRequest) -> HttpResponse:
    """The rich oEmbed answer for a tool page: the embed card's iframe."""
    if (request.GET.get("format") or "json") != "json":
        return error(501, "format_not_implemented", "Only the json format is offered.")
    params = _cleaned(OEmbedParams(request.GET))
    slug = _tool_slug_of(params["url"])
    if slug is None:
        raise Http404("That address is not a tool page on this site.")
    tool = _published_tool(slug)
    width = min(EMBED_WIDTH, params["maxwidth"] or EMBED_WIDTH)
    height = EMBED_HEIGHT
    if width < OEMBED_MIN_WIDTH or (params["maxheight"] or height) < height:
        raise Http404(
            f"The verdict card needs at least {OEMBED_MIN_WIDTH} by {EMBED_HEIGHT} pixels."
        )
    title = f"{tool.name} verdict: {tool.panel.label}"
    payload = {
        "version": "1.0",
        "type": "rich",
        "provider_name": "ShipOrSkip",
        "provider_url": absolute_url("/"),
        "title": title,
        "html": iframe_snippet(
            embed_url=absolute_url(reverse("badges:embed", kwargs={"slug": tool.slug})),
            title=f"ShipOrSkip verdict on {tool.name}",
            width=width,
            height=height,
        ),
        "width": width,
        "height": height,
        "cache_age": OEMBED_CACHE_SECONDS,
    }
    thumbnail_width, thumbnail_height = SHARE_CARD_SIZE
    if thumbnail_width <= (params["maxwidth"] or thumbnail_width) and thumbnail_height <= (
        params["maxheight"] or thumbnail_height
    ):
        payload |= {
            "thumbnail_url": absolute_url(reverse("pages:share_card", args=[tool.slug])),
            "thumbnail_width": thumbnail_width,
            "thumbnail_height": thumbnail_height,
        }
    return answer(request, payload, max_age=OEMBED_CACHE_SECONDS)
