from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from core.conditional import not_modified, tag
from tools.logos import RENDITIONS, is_digest
from tools.models import Logo

# The URL names the bytes, so the bytes behind a URL never change: keep them for a year.
LOGO_CACHE = {"public": True, "max_age": 365 * 24 * 3600, "immutable": True}


@require_safe
def logo(request: HttpRequest, digest: str, size: int) -> HttpResponse:
    field = RENDITIONS.get(size)
    if field is None or not is_digest(digest):
        raise Http404("No such logo.")
    etag = f'"{digest}-{size}"'
    if (response := not_modified(request, etag, **LOGO_CACHE)) is not None:
        return response
    png = Logo.objects.filter(pk=digest).values_list(field, flat=True).first()
    if png is None:
        raise Http404("No such logo.")
    response = HttpResponse(bytes(png), content_type="image/png")
    return tag(response, etag, **LOGO_CACHE)
