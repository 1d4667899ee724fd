from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.decorators.vary import vary_on_headers

from comparisons import matchup
from comparisons.models import FeaturedComparison, comparison_url
from shiporskip.conditional import catalogue_version, mark_revalidate, not_modified, page_etag
from tools import structured_data
from tools.models import Category, Tool, search_query
from tools.sharing import absolute_url, share_links, share_text
from votes.identity import voter_from_cookie
from votes.models import Vote

TOOLS_PER_PAGE = 24
HOME_SECTION_SIZE = 6
COMPARE_SUGGESTIONS = 6
SEARCH_MAX_LENGTH = 200


def page_suffix(page) -> str:
    """Keeps titles unique across the pages of one list."""
    return f" — page {page.number}" if page.number > 1 else ""


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    # Built once: every section is a slice of the same annotated queryset.
    verdicts = Tool.objects.published().with_stats()
    latest = Paginator(verdicts.latest_first(), TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": latest,
        "tools": latest.object_list,
        "page_title": "ShipOrSkip — ship-or-skip verdicts on AI and developer tools"
        + page_suffix(latest),
        "page_description": (
            "An expert panel of seven critics and the community decide, tool by tool, "
            "whether an AI or developer tool is worth shipping."
        ),
    }
    if latest.number == 1:
        context |= {
            "top_shipped": verdicts.top_shipped()[:HOME_SECTION_SIZE],
            "most_divided": verdicts.most_divided()[:HOME_SECTION_SIZE],
            "featured": FeaturedComparison.objects.live()[:HOME_SECTION_SIZE],
        }
    return render(request, "tools/home.html", context)


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(
        Tool.objects.published().with_stats().with_reviews_version(), slug=slug
    )
    etag = page_etag(
        request,
        tool.pk,
        tool.updated_at,
        tool.reviews_updated_at,
        tool.reviews_total,
        tool.panel,
        tool.community,
        tool.category.name,
        catalogue_version(),
    )
    if (response := not_modified(request, etag)) is not None:
        return response

    reviews = list(tool.reviews.for_panel())
    my_votes = Vote.objects.choices_by_tool(voter=voter_from_cookie(request), tools=[tool])
    others = list(Tool.objects.published().exclude(pk=tool.pk).compare_choices())
    suggestions = [
        (other, comparison_url(tool, other))
        for other in matchup.rivals(tool, others, limit=COMPARE_SUGGESTIONS)
    ]
    url = absolute_url(tool.get_absolute_url())
    text = share_text(tool)
    title = f"{tool.name} verdict: {tool.panel.label}"
    response = render(
        request,
        "tools/detail.html",
        {
            "tool": tool,
            "reviews": reviews,
            "my_votes": my_votes,
            "compare_suggestions": suggestions,
            "compare_choices": others,
            "share_text": text,
            "share_links": share_links(text=text, url=url, title=f"{title} — ShipOrSkip"),
            "json_ld": structured_data.software_application(tool, reviews),
            "page_title": f"{title} — ShipOrSkip",
            "page_description": f"{tool.name}: {tool.tagline} Panel verdict {tool.panel.line}; "
            f"community: {tool.community.line}.",
            "og_type": "article",
        },
    )
    return mark_revalidate(response, etag)


@require_safe
def category_index(request: HttpRequest) -> HttpResponse:
    categories = Category.objects.with_published_counts()
    return render(
        request,
        "tools/category_index.html",
        {
            "categories": categories,
            "page_title": "Categories of AI and developer tools — ShipOrSkip",
            "page_description": "Browse ShipOrSkip verdicts by kind of tool: models, coding "
            "assistants, infrastructure, frameworks and more.",
        },
    )


@require_safe
def category(request: HttpRequest, slug: str) -> HttpResponse:
    category = get_object_or_404(Category, slug=slug)
    tools = Tool.objects.published().filter(category=category).with_stats().latest_first()
    page = Paginator(tools, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "tools/category.html",
        {
            "category": category,
            "page": page,
            "tools": page.object_list,
            "page_title": f"{category.name}: ship or skip? — ShipOrSkip{page_suffix(page)}",
            "page_description": category.description
            or f"ShipOrSkip verdicts on {category.name.lower()}.",
        },
    )


@require_safe
@vary_on_headers("HX-Request")
def search(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "").strip()
    context = {
        "q": text,
        "page_title": "Search verdicts — ShipOrSkip",
        "page_description": "Search ShipOrSkip verdicts and panel reviews.",
        "noindex": True,
    }
    status = 200
    if len(text) > SEARCH_MAX_LENGTH:
        context["error"] = f"Search for at most {SEARCH_MAX_LENGTH} characters."
        status = 400
    elif (query := search_query(text)) is not None:
        results = Tool.objects.published().with_stats().search(query)
        page = Paginator(results, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
        context |= {
            "page": page,
            "tools": page.object_list,
            "page_title": f"“{text}” — search ShipOrSkip{page_suffix(page)}",
        }
    template = "tools/search.html#results" if request.htmx else "tools/search.html"
    return render(request, template, context, status=status)
