from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe

from tools.models import Tool

TOOLS_PER_PAGE = 24


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    tools = Tool.objects.published().latest_first()
    page = Paginator(tools, TOOLS_PER_PAGE).get_page(request.GET.get("page"))
    listed = tools.with_stats_for(page.object_list)
    return render(request, "tools/home.html", {"page": page, "tools": listed})


@require_safe
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    tool = get_object_or_404(Tool.objects.published().with_stats(), slug=slug)
    reviews = tool.reviews.for_panel()
    return render(request, "tools/detail.html", {"tool": tool, "reviews": reviews})
