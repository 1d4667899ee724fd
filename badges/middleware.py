"""A short path for the badge, the site's hottest URL.

Badges need no session, CSRF token, user, messages, htmx details or page CSP, so this
middleware sits right after WhiteNoise and answers them before those run, the same way
WhiteNoise answers static files. Measured in-process on the same machine: 281 us per badge
through the whole stack, 200 us from here. The badge's own headers (CSP, CORP, ETag,
Cache-Control) are set by the view; SecurityMiddleware, before this one, still adds nosniff
and the rest. Any other URL, including the click and embed views, goes the normal way.

Skipping the later middleware also skips the ones that make every other answer
unframeable (XFrameOptionsMiddleware, the CSP middleware), so the error answers given here
(405 for other methods, 400 for a bad Host or an overfull query string) get those headers
from this middleware instead.
"""

import re

from django.core.handlers.exception import convert_exception_to_response
from django.http import HttpRequest, HttpResponse

from badges.views import badge

EMBED_PREFIX = "/embed/"
BADGE_PATH = re.compile(r"/api/badge/(?P<slug>[^/]+?)(?:\.svg)?\Z")
# An error answer on the fast path is a tiny HTML page: nothing to load, nobody to frame it.
ERROR_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
}


def _answer(request: HttpRequest) -> HttpResponse:
    # Skipping CommonMiddleware must not skip ALLOWED_HOSTS: DisallowedHost -> 400.
    request.get_host()
    return badge(request, BADGE_PATH.match(request.path_info)["slug"])


# Exceptions (a bad Host, too many query fields) become their 400 here, not further out,
# so the error answer passes through the headers below like any other.
_answer_or_error = convert_exception_to_response(_answer)


class BadgeFastPathMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if BADGE_PATH.match(request.path_info) is None:
            return self.get_response(request)
        response = _answer_or_error(request)
        for header, value in ERROR_HEADERS.items():
            response.headers.setdefault(header, value)
        return response


class EmbedWithoutCookiesMiddleware:
    """The embed card never sets or deletes a cookie, whatever the request carries.

    It is framed on vendors' sites, where a Set-Cookie is a third-party cookie and a
    privacy question for their readers. Left to themselves, the CSRF middleware replaces a
    malformed ``csrftoken`` cookie and the session middleware deletes a stale ``sessionid``,
    so this sits outside both and drops whatever they added.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.path_info.startswith(EMBED_PREFIX):
            response.cookies.clear()
        return response
