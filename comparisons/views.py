from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from comparisons import matchup
from comparisons.models import FeaturedComparison, comparison_url
from core.absolute_urls import absolute_url
from core.pagecache import (
    LIST_PAGE_SECONDS,
    VERSIONED_PAGE_SECONDS,
    PageVersion,
    shared_page,
)
from reviews import structured_data
from reviews.models import Review
from reviews.versions import (
    LISTING_TAG,
    SITE_TAG,
    content_version,
    tool_page_versions,
    tool_tag,
)
from tools.models import Tool, is_tool_slug
from tools.pairs import pair_slug, split_pair
from votes.mine import PRIVATE_ANSWER, own_votes

FEATURED_PER_PAGE = 12
POPULAR_PAIRS = 8
POPULAR_POOL = 60
COMPARE_SUGGESTIONS = 5


def _pair_page(request: HttpRequest, pair: str) -> PageVersion | None:
    """The version of a canonical comparison of two published tools; None for anything
    the view redirects or refuses."""
    candidates = split_pair(pair)
    versions = tool_page_versions({slug for candidate in candidates for slug in candidate})
    found = next(((a, b) for a, b in candidates if a in versions and b in versions), None)
    if found is None or found[0] == found[1] or pair != pair_slug(*found):
        return None
    (first_pk, first, catalogue), (second_pk, second, _) = (versions[slug] for slug in found)
    return PageVersion(
        (first, second, catalogue), tags=(tool_tag(first_pk), tool_tag(second_pk), SITE_TAG)
    )


@require_safe
@shared_page(_pair_page, fresh_for=VERSIONED_PAGE_SECONDS)
def detail(request: HttpRequest, pair: str) -> HttpResponse:
    candidates = split_pair(pair)
    slugs = {slug for candidate in candidates for slug in candidate}
    tools = {
        tool.slug: tool for tool in Tool.objects.published().filter(slug__in=slugs).with_stats()
    }
    found = next(((a, b) for a, b in candidates if a in tools and b in tools), None)
    if found is None:
        raise Http404("No published tools by those names.")
    first, second = (tools[slug] for slug in sorted(found))
    if first.pk == second.pk:
        return redirect(first, permanent=False)
    if pair != pair_slug(first.slug, second.slug):
        return redirect(comparison_url(first, second), permanent=True)

    reviews = Review.objects.for_panel().filter(tool__in=[first, second])
    my_votes = own_votes(request, [first, second])
    rest = Tool.objects.published().exclude(pk__in=[first.pk, second.pk])
    url = absolute_url(comparison_url(first, second))
    title = f"{first.name} vs {second.name}: which one should you ship?"
    response = render(
        request,
        "comparisons/detail.html",
        {
            "first": first,
            "second": second,
            "my_votes": my_votes,
            "rows": matchup.decision_rows(first, second),
            "scorecard": matchup.scorecard(first, second, reviews),
            "more": [
                (
                    tool,
                    [
                        (other, comparison_url(tool, other))
                        for other in rest.compare_choices_for(tool, limit=COMPARE_SUGGESTIONS)
                    ],
                )
                for tool in (first, second)
            ],
            "json_ld": structured_data.comparison(first, second, url),
            "page_title": title,
            "page_description": f"{first.name} ({first.panel.line}) against {second.name} "
            f"({second.panel.line}): the panel's scores, the community vote, pricing and "
            "every critic's review side by side.",
            "og_type": "article",
            "og_image": absolute_url(
                reverse("pages:pair_share_card", args=[pair_slug(first.slug, second.slug)])
            ),
        },
    )
    if my_votes is not None:
        patch_cache_control(response, **PRIVATE_ANSWER)
    return response


def _index_page(request: HttpRequest) -> PageVersion:
    return PageVersion(content_version(), tags=(LISTING_TAG, SITE_TAG))


@require_safe
@shared_page(_index_page, fresh_for=LIST_PAGE_SECONDS)
def index(request: HttpRequest) -> HttpResponse:
    featured = Paginator(FeaturedComparison.objects.live(), FEATURED_PER_PAGE).get_page(
        request.GET.get("page")
    )
    pool = Tool.objects.published().select_related("category").by_community_votes()
    popular = matchup.popular_pairs(pool[:POPULAR_POOL], limit=POPULAR_PAIRS)
    return render(
        request,
        "comparisons/index.html",
        {
            "page": featured,
            "featured": featured.object_list,
            "popular": [(a, b, comparison_url(a, b)) for a, b in popular],
            "choices": Tool.objects.published().compare_choices(),
            "page_title": "Compare AI and developer tools side by side",
            "page_description": "Head-to-head verdicts: two tools, the panel's scores, the "
            "community vote and every critic's review side by side.",
        },
    )


@require_safe
def pick(request: HttpRequest) -> HttpResponse:
    """The compare picker's GET form lands here and is sent on to the canonical page."""
    wanted = [request.GET.get("a", "").strip(), request.GET.get("b", "").strip()]
    tools = (
        {tool.slug: tool for tool in Tool.objects.published().filter(slug__in=wanted)}
        if all(is_tool_slug(slug) for slug in wanted)
        else {}
    )
    if not all(slug in tools for slug in wanted):
        return render(
            request,
            "comparisons/pick.html",
            {
                "choices": Tool.objects.published().compare_choices(),
                "selected": wanted,
                "error": "Choose two published tools to compare.",
                "page_title": "Choose two tools to compare",
                "noindex": True,
            },
            status=400,
        )
    first, second = tools[wanted[0]], tools[wanted[1]]
    if first.pk == second.pk:
        return redirect(first)
    return redirect(comparison_url(first, second))
