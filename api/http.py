"""How every open-data answer is framed: JSON, ETags, CORS, the rate limit, JSON errors.

The API is read-only and public: any origin may read it (``Access-Control-Allow-Origin:
*``), nothing in it depends on cookies, and every answer is JSON, errors included, so a
client never has to parse an HTML error page.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from core.clientip import client_ip
from core.conditional import body_answer
from core.ratelimit import is_rate_limited, seconds_until_reset

ALLOWED_METHODS = "GET, HEAD, OPTIONS"
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    # Scripts on other origins may read these, beyond the few CORS exposes by default.
    "Access-Control-Expose-Headers": "ETag, Retry-After",
}
PREFLIGHT_HEADERS = {
    "Access-Control-Allow-Methods": "GET, HEAD",
    "Access-Control-Allow-Headers": "If-None-Match",
    "Access-Control-Max-Age": "86400",
}


class BadParameters(Exception):
    """A query parameter the endpoint cannot use; ``fields`` says which and why."""

    def __init__(self, fields: dict[str, list[str]]):
        super().__init__("Some query parameters are not valid.")
        self.fields = fields


def encode(payload: object) -> bytes:
    return json.dumps(
        payload, cls=DjangoJSONEncoder, ensure_ascii=False, separators=(",", ":")
    ).encode()


def error(status: int, code: str, detail: str, **extra: object) -> HttpResponse:
    body = encode({"error": code, "detail": detail, **extra})
    return HttpResponse(body, status=status, content_type="application/json")


def answer(request: HttpRequest, payload: object, *, max_age: int | None = None) -> HttpResponse:
    """``payload`` as JSON, tagged with a hash of its bytes; 304 when the client has them."""
    max_age = settings.API_CACHE_SECONDS if max_age is None else max_age
    return body_answer(request, encode(payload), "application/json", public=True, max_age=max_age)


def _set(response: HttpResponse, headers: dict[str, str]) -> None:
    for name, value in headers.items():
        response[name] = value


def open_data(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Frame a read-only JSON view: methods, the per-address limit, errors and CORS."""

    # Exempt so that any other method meets the 405 below, not a CSRF page: these views
    # never write, and they read no cookies.
    @csrf_exempt
    @wraps(view)
    def framed(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = HttpResponse(status=204)
            _set(response, PREFLIGHT_HEADERS)
        elif request.method not in ("GET", "HEAD"):
            response = error(405, "method_not_allowed", "The open data API only reads.")
            response["Allow"] = ALLOWED_METHODS
        elif is_rate_limited(
            "api",
            client_ip(request),
            limit=settings.API_RATE_PER_IP,
            window=settings.API_RATE_WINDOW,
        ):
            wait = seconds_until_reset(settings.API_RATE_WINDOW)
            response = error(
                429,
                "rate_limited",
                f"More than {settings.API_RATE_PER_IP} requests in {settings.API_RATE_WINDOW} "
                f"seconds from one address; try again in {wait} seconds.",
                retry_after=wait,
            )
            response["Retry-After"] = str(wait)
        else:
            try:
                response = view(request, *args, **kwargs)
            except BadParameters as bad:
                response = error(400, "bad_parameters", str(bad), fields=bad.fields)
            except Http404 as missing:
                response = error(404, "not_found", str(missing) or "Nothing here.")
        _set(response, CORS_HEADERS)
        return response

    return framed
