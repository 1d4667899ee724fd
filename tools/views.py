from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from tools.models import Tool
from votes.identity import voter_from_cookie
from votes.models import Vote

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
    my_votes = Vote.objects.choices_by_tool(voter=voter_from_cookie(request), tools=[tool])
    return render(
        request, "tools/detail.html", {"tool": tool, "reviews": reviews, "my_votes": my_votes}
    )
