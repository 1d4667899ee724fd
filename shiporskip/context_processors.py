from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": "ShipOrSkip",
        "SITE_URL": settings.SITE_URL,
        "canonical_url": canonical_url(request),
    }


def canonical_url(request: HttpRequest) -> str:
    """The page's address on SITE_URL: the path, plus the page number past the first page.

    Other query parameters (tracking tags, sort orders) never make a separate page.
    """
    url = settings.SITE_URL + request.path
    page = request.GET.get("page", "")
    if page.isdigit() and len(page) < 6 and int(page) > 1:
        url += f"?page={int(page)}"
    return url
