import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Coalesce, Least, Now
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_POST, require_safe
from django.views.decorators.vary import vary_on_headers

from comparisons import matchup
from comparisons.models import FeaturedComparison, comparison_url
from core.absolute_urls import absolute_url
from core.conditional import not_modified, tag
from core.csrf import origin_checked
from core.htmx import HtmxHttpRequest
from core.pagecache import (
    LIST_PAGE_SECONDS,
    VERSIONED_PAGE_SECONDS,
    PageVersion,
    shared_page,
)
from pages import share_cards, timeline
from pages.sections import HOME_ORDER, SECTIONS, Section
from pages.sharing import share_links, share_text
from reviews import structured_data
from reviews.models import Persona, Review
from reviews.versions import (
    LISTING_TAG,
    SITE_TAG,
    content_version,
    tool_page_versions,
    tool_tag,
)
from tools.models import Category, PublicationState, Tool, is_tool_slug, search_query
from tools.pairs import canonical_pair, comparison_path, pair_slug, split_pair
from tools.previews import tool_id_from_token
from tools.verdicts import certified_rule
from votes.mine import PRIVATE_ANSWER, own_votes

TOOLS_PER_PAGE = 24
# Three cards per section: one row on a desktop, and a phone reaches every section.
HOME_SECTION_SIZE = 3
HOME_FEATURED = 4
COMPARE_SUGGESTIONS = 6
# The tool page's picker: same-category rivals first, then the rest, this many at most.
COMPARE_PICKER_SIZE = 100
SEARCH_MAX_LENGTH = 200


# A section's order moves only when the catalogue or its reviews do, and ranking the
# whole catalogue takes two grouped passes over every review (50 ms at 10,000 tools);
# even "latest", a walk down an index, costs a count and an OFFSET that grow with the
# depth of the page (7 ms for page 209 at 10,000 tools). So rankings are cached per
# catalogue version for at most this long; the figures on the cards shown are always
# read fresh.
RANKING_SECONDS = 60


def listing(request: HttpRequest, *args, **kwargs) -> PageVersion:
    """The version of a list page, whatever its arguments."""
    return PageVersion(content_version(), tags=(LISTING_TAG, SITE_TAG))


def tool_page(request: HttpRequest, slug: str) -> PageVersion | None:
    found = tool_page_versions([slug]).get(slug)
    if found is None:
        return None
    pk, *parts = found
    return PageVersion(tuple(parts), tags=(tool_tag(pk), SITE_TAG))


def _per_content_version(name: str) -> str:
    """A cache key for something derived from the catalogue as it is now."""
    digest = hashlib.blake2b(repr(content_version()).encode(), digest_size=12).hexdigest()
    return f"pages:{name}:{digest}"


def home_section_ids() -> dict[str, list[int]]:
    """The ranked sections' tools, each skipping those an earlier section already shows."""
    key = _per_content_version("home-sections")
    sections = cache.get(key)
    if sections is None:
        sections, shown = {}, []
        for slug in HOME_ORDER:
            if slug == "latest":
                continue
            ranking = SECTIONS[slug].ranking().exclude(pk__in=shown)
            sections[slug] = list(ranking.values_list("pk", flat=True)[:HOME_SECTION_SIZE])
            shown += sections[slug]
        cache.set(key, sections, RANKING_SECONDS)
    return sections


def section_ids(section: Section) -> list[int]:
    """Every tool of ``section``, in its order: each page of it is a slice of this list."""
    key = _per_content_version(f"section:{section.slug}")
    ids = cache.get(key)
    if ids is None:
        ids = list(section.ranking().values_list("pk", flat=True))
        cache.set(key, ids, RANKING_SECONDS)
    return ids


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def home(request: HttpRequest) -> HttpResponse:
    if request.GET.get("page", "1") != "1":
        # Every verdict, page by page, now lives on the "latest" section's own page.
        latest = reverse("pages:section", kwargs={"section": "latest"})
        return redirect(f"{latest}?{urlencode({'page': request.GET['page']})}", permanent=True)
    ids = home_section_ids()
    # The latest verdicts are read fresh: a scheduled publication must appear on time.
    shown = [pk for pks in ids.values() for pk in pks]
    latest = Tool.objects.published().latest_first().exclude(pk__in=shown)
    ids = ids | {"latest": list(latest.values_list("pk", flat=True)[:HOME_SECTION_SIZE])}
    wanted = [pk for pks in ids.values() for pk in pks]
    by_id = Tool.objects.published().with_stats().in_bulk(wanted)
    sections = [
        (SECTIONS[slug], [by_id[pk] for pk in ids[slug] if pk in by_id]) for slug in HOME_ORDER
    ]
    context = {
        "sections": [(section, tools) for section, tools in sections if tools],
        "featured": FeaturedComparison.objects.live()[:HOME_FEATURED],
        "page_title": "Ship-or-skip verdicts on AI and developer tools",
        "page_description": (
            "An expert panel of seven critics and the community decide, tool by tool, "
            "whether an AI or developer tool is worth shipping."
        ),
    }
    return render(request, "pages/home.html", context)


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def section(request: HttpRequest, section: str) -> HttpResponse:
    """A home page section's "see all" page: its whole ranking, a page at a time."""
    if (chosen := SECTIONS.get(section)) is None:
        raise Http404("No such section.")
    page = Paginator(section_ids(chosen), TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/section.html",
        {
            "section": chosen,
            "page": page,
            # Counting only this page's tools keeps deep pages as cheap as the first one.
            "tools": Tool.objects.published().in_given_order(page.object_list),
            "page_title": f"{chosen.title}: AI and developer tool verdicts",
            "page_description": chosen.note,
        },
    )


@require_safe
@shared_page(tool_page, fresh_for=VERSIONED_PAGE_SECONDS)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool.objects.published().for_tool_page(), slug=slug)
    return _tool_page(request, tool)


def _tool_page(request: HttpRequest, tool: Tool, *, preview: bool = False) -> HttpResponse:
    """The tool page for ``tool`` from ``Tool.objects.for_tool_page()``; readers' pages and
    editors' previews get the same page from here."""
    reviews = list(tool.reviews.for_panel())
    my_votes = own_votes(request, [tool])
    history, verdict_change = timeline.for_tool(tool)
    others = list(Tool.objects.published().compare_choices_for(tool, limit=COMPARE_PICKER_SIZE))
    suggestions = [
        (other, comparison_url(tool, other))
        for other in matchup.rivals(tool, others, limit=COMPARE_SUGGESTIONS)
    ]
    url = absolute_url(tool.get_absolute_url())
    text = share_text(tool)
    title = f"{tool.name} verdict: {tool.panel.label}"
    response = render(
        request,
        "pages/detail.html",
        {
            "tool": tool,
            "reviews": reviews,
            "my_votes": my_votes,
            "timeline": history,
            "verdict_change": verdict_change,
            "compare_suggestions": suggestions,
            "compare_choices": others,
            "share_text": text,
            "share_links": share_links(text=text, url=url, title=f"{title} — ShipOrSkip"),
            "json_ld": structured_data.software_application(tool, reviews),
            "page_title": title,
            "page_description": f"{tool.name}: {tool.tagline} Panel verdict {tool.panel.line}; "
            f"community: {tool.community.line}.",
            "og_type": "article",
            "og_image": absolute_url(reverse("pages:share_card", args=[tool.slug])),
            # oEmbed discovery: editors that find this link embed the verdict card.
            "oembed_url": absolute_url(
                f"{reverse('api:oembed')}?{urlencode({'url': url, 'format': 'json'})}"
            ),
            "preview": preview,
            "noindex": preview,
        },
    )
    if my_votes is not None:
        patch_cache_control(response, **PRIVATE_ANSWER)
    return response


class _RolledBack(Exception):
    def __init__(self, response: HttpResponse):
        self.response = response


@require_safe
def preview(request: HttpRequest, token: str) -> HttpResponse:
    """A draft tool, or a tool with draft reviews, as readers will get it once published.

    The page is rendered by the very code readers' pages use, inside a transaction that
    publishes the tool and its draft reviews and is then rolled back: nothing is ever
    written. The signed link works without an account until it expires. Never cached,
    never indexed, and its vote buttons and badge preview count nothing.
    """
    tool_id = tool_id_from_token(token)
    if tool_id is None:
        response = render(request, "pages/preview_expired.html", {"noindex": True}, status=404)
    else:
        try:
            with transaction.atomic():
                Tool.objects.filter(pk=tool_id).update(
                    status=PublicationState.PUBLISHED,
                    published_at=Least(Coalesce(F("published_at"), Now()), Now()),
                )
                Review.objects.filter(tool_id=tool_id).update(status=PublicationState.PUBLISHED)
                tool = get_object_or_404(Tool.objects.published().for_tool_page(), pk=tool_id)
                raise _RolledBack(_tool_page(request, tool, preview=True))
        except _RolledBack as rolled_back:
            response = rolled_back.response
    patch_cache_control(response, private=True, no_store=True)
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def certified(request: HttpRequest) -> HttpResponse:
    """Every tool that holds Certified Ship, the most recent awards first."""
    tools = Tool.objects.published().certified().order_by("-certified_since", "name")
    page = Paginator(tools, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/certified.html",
        {
            "page": page,
            "tools": Tool.objects.in_ranking_order(page.object_list, limit=TOOLS_PER_PAGE),
            "page_title": "Certified Ship: the tools both the panel and readers back",
            "page_description": "Tools whose panel and community both say ship, by a wide "
            "margin and over many reviews and votes.",
            "rule": certified_rule(),
        },
    )


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def category_index(request: HttpRequest) -> HttpResponse:
    categories = Category.objects.with_published_counts()
    return render(
        request,
        "pages/category_index.html",
        {
            "categories": categories,
            "page_title": "Categories of AI and developer tools",
            "page_description": "Browse ShipOrSkip verdicts by kind of tool: models, coding "
            "assistants, infrastructure, frameworks and more.",
        },
    )


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def category(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    tools = Tool.objects.published().filter(category=category).with_stats().latest_first()
    page = Paginator(tools, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/category.html",
        {
            "category": category,
            "page": page,
            "tools": page.object_list,
            "page_title": f"{category.name}: ship or skip?",
            "page_description": category.description
            or f"ShipOrSkip verdicts on {category.name.lower()}.",
        },
    )


@require_safe
@shared_page(
    listing, fresh_for=LIST_PAGE_SECONDS, vary=("HX-Request", "HX-History-Restore-Request")
)
def search(request: HtmxHttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    context = {
        "q": text,
        "page_title": "Search verdicts",
        "page_description": "Search ShipOrSkip verdicts and panel reviews.",
        "noindex": True,
    }
    status = 200
    if len(text) > SEARCH_MAX_LENGTH:
        context["error"] = f"Search for at most {SEARCH_MAX_LENGTH} characters."
        status = 400
    elif (query := search_query(text)) is not None:
        # Ranked without stats, then stats for the page shown: a common word can match a
        # thousand tools, and counting votes for all of them would be wasted.
        results = Tool.objects.published().search(query, exact=text)
        page = Paginator(results, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
        context |= {
            "page": page,
            "tools": Tool.objects.in_ranking_order(page.object_list, limit=TOOLS_PER_PAGE),
            "page_title": f"“{text}”: search results",
        }
    # Live search pushes each query into the history; going back to one htmx no longer has
    # cached also sends HX-Request, but wants the whole page back.
    fragment = request.htmx and not request.htmx.history_restore_request
    template = "pages/search.html#results" if fragment else "pages/search.html"
    return render(request, template, context, status=status)


# --- The panel: critics and their reviews ------------------------------------------------

REVIEWS_PER_PAGE = 20


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def persona_index(request: HttpRequest) -> HttpResponse:
    personas = Persona.objects.active().with_record()
    return render(
        request,
        "pages/persona_index.html",
        {
            "personas": personas,
            "page_title": "The panel: seven critics, seven lenses",
            "page_description": "Meet the ShipOrSkip critics: what each one judges, how often "
            "they say ship and how they score.",
        },
    )


@require_safe
@shared_page(listing, fresh_for=LIST_PAGE_SECONDS)
def persona(request: HttpRequest, slug: str) -> HttpResponse:
    critic = get_object_or_404(Persona.objects.with_record(), slug=slug)
    reviews = Review.objects.filter(persona=critic).for_persona_page()
    page = Paginator(reviews, REVIEWS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "pages/persona.html",
        {
            "persona": critic,
            "page": page,
            "reviews": page.object_list,
            "page_title": f"The {critic.name}: reviews and ship rate",
            "page_description": f"Every ShipOrSkip review by the {critic.name}. {critic.lens}",
            "og_type": "profile",
        },
    )


# --- Bookmarks: kept in the reader's browser; the server only renders the cards ---------


@require_safe
def bookmarks(request: HttpRequest) -> HttpResponse:
    return render(request, "pages/bookmarks.html", {"loaded": False})


@origin_checked
@vary_on_headers("HX-Request")
@require_POST
def bookmark_cards(request: HtmxHttpRequest) -> HttpResponse:
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
    wanted = [slug for slug in dict.fromkeys(slugs) if is_tool_slug(slug)]
    found = Tool.objects.published().with_stats().in_bulk(wanted, field_name="slug")
    context = {"tools": [found[slug] for slug in wanted if slug in found], "loaded": True}
    if request.htmx:
        return render(request, "pages/bookmarks.html#bookmark-cards", context)
    return render(request, "pages/bookmarks.html", context)


@require_safe
def compare_bookmarks(request: HttpRequest) -> HttpResponse:
    """The bookmarks page's "compare" form: exactly two published tools, then the comparison."""
    picked = list(dict.fromkeys(request.GET.getlist("tool")))
    if len(picked) != 2 or not all(is_tool_slug(slug) for slug in picked):
        return render(request, "pages/compare_pick.html", {"picked": len(picked)}, status=400)
    if Tool.objects.published().filter(slug__in=picked).count() != 2:
        raise Http404("One of those tools is not published.")
    return redirect(comparison_path(*picked))


# --- Share cards: Open Graph PNGs drawn from the verdict data ---------------------------

# Crawlers keep their own copy anyway; browsers revalidate cheaply against the ETag.
SHARE_CARD_MAX_AGE = 600


def _png(request: HttpRequest, card: share_cards.ShareCard) -> HttpResponse:
    etag = f'"{card.etag}"'
    policy = {"public": True, "max_age": SHARE_CARD_MAX_AGE}
    if (response := not_modified(request, etag, **policy)) is not None:
        return response
    return tag(HttpResponse(card.png, content_type="image/png"), etag, **policy)


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
        return redirect("pages:pair_share_card", pair=pair_slug(first, second), permanent=True)
    return _png(request, share_cards.pair_card(tools[first], tools[second]))


# --- For crawlers ---------------------------------------------------------------------


@require_safe
def robots_txt(request: HttpRequest) -> HttpResponse:
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /search/",
        "Disallow: /compare/pick/",
        "",
        f"Sitemap: {absolute_url(reverse('pages:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
