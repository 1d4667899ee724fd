"""Turn a database outage into a friendly 503 instead of a traceback or a bare 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string

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
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DATABASE_ERRORS):
            return None
        logger.warning("database unavailable while serving %s: %s", request.path, exception)
        return service_unavailable()
