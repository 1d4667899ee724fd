"""Failure modes turned into clear answers: a database outage, a malformed request body."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import BadRequest, SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string

from core.watchdog import deadline

logger = logging.getLogger(__name__)

# Long enough for a PostgreSQL restart or failover, short enough that readers come back.
RETRY_AFTER_SECONDS = 30

DATABASE_ERRORS = (OperationalError, InterfaceError)


def service_unavailable() -> HttpResponse:
    """The 503 page. It is rendered without a request context, so it cannot need the database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # Proxies and browsers must not keep serving the outage page once the database is back.
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A database outage is a 503 page, and a hung database one within seconds: every
    request waits at most ``DB_REQUEST_DEADLINE_SECONDS`` on PostgreSQL (core/watchdog.py)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with deadline(settings.DB_REQUEST_DEADLINE_SECONDS):
            return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("database unavailable while serving %s: %s", request.path, exception)
        return service_unavailable()


MALFORMED_BODY_ERRORS = (MultiPartParserError, SuspiciousOperation, BadRequest)


def _has_nul(request: HttpRequest) -> bool:
    """A NUL character anywhere in the path, query or form: PostgreSQL cannot hold it in a
    text value, so it would reach a query only to fail there with a DataError (a 500)."""
    if "\x00" in request.path_info:
        return True
    data = [request.GET]
    if request.method == "POST":
        data.append(request.POST)
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for query in data
        for key, values in query.lists()
    )


class MalformedBodyMiddleware:
    """Parse a POST body up front, so a malformed or oversized one is a 400 on every URL.

    A NUL character in the path, the query string or the form is refused the same way,
    before any view (the admin's changelist filters included) can pass it to a query.

    Django's error handlers are wrapped in requires_csrf_token, which reads request.POST.
    When a POST goes to a URL that does not resolve, that is the first read, and a broken
    multipart body or an oversized form raises inside the 404 handler: a 500. CSRF
    middleware parses every POST body anyway, so parsing it here costs nothing extra.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            malformed = _has_nul(request)
        except MALFORMED_BODY_ERRORS as error:
            logger.warning("refused a malformed request for %s: %s", request.path, error)
            malformed = True
        if malformed:
            return bad_request(request)
        return self.get_response(request)


def bad_request(request: HttpRequest) -> HttpResponse:
    """The 400 answer, in the form the address speaks: JSON on the open-data paths
    (``JSON_ERROR_PATHS``), whose clients never parse HTML, else the 400 page. Rendered
    without the request: nothing on the way may touch the body again."""
    if request.path_info.startswith(tuple(settings.JSON_ERROR_PATHS)):
        response = JsonResponse(
            {
                "error": "bad_request",
                "detail": "The request holds a character or a form that cannot be read.",
            },
            status=400,
        )
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = "ETag, Retry-After"
        return response
    return HttpResponseBadRequest(render_to_string("400.html"))
