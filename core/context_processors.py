from functools import partial
from urllib.parse import parse_qsl

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict:
    return {
        "SITE_NAME": "ShipOrSkip",
        "SITE_URL": settings.SITE_URL,
        # A callable: templates evaluate it only where a page prints its canonical link.
        "canonical_url": partial(canonical_url, request),
    }


def canonical_url(request: HttpRequest) -> str:
    """The page's address on SITE_URL: the path, plus the page number past the first page.

    Other query parameters (tracking tags, sort orders) never make a separate page. The
    query string is read directly, with a cap, rather than through request.GET: an error
    page for an overfull query string must not fail again while printing its own address.
    """
    url = settings.SITE_URL + request.path
    query = request.META.get("QUERY_STRING", "")
    try:
        fields = parse_qsl(query[:8192], max_num_fields=settings.DATA_UPLOAD_MAX_NUMBER_FIELDS)
    except ValueError:  # more fields than we accept: no page number worth keeping
        fields = []
    page = dict(fields).get("page", "")
    if page.isdigit() and len(page) < 6 and int(page) > 1:
        url += f"?page={int(page)}"
    return url
