import os
import sys
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout

from django.conf import settings
from django.contrib import admin
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.views import defaults
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from core.cache import redis_reachable
from core.clientip import client_ip
from core.middleware import DATABASE_ERRORS, RETRY_AFTER_SECONDS, service_unavailable
from core.ratelimit import LimitsUnavailable, is_rate_limited, too_many_requests
from core.watchdog import deadline

_probe: tuple[int, ThreadPoolExecutor] | None = None


def _probe_database() -> bool:
    try:
        with deadline(settings.HEALTHZ_DATABASE_SECONDS), connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # any database failure means "not ready", never a traceback
        connection.close()  # the next probe connects afresh
        return False
    return True


def database_answers() -> bool:
    """One round trip to PostgreSQL, given at most ``HEALTHZ_DATABASE_SECONDS``.

    The probe runs on one thread of its own per process (keeping its own connection), so
    even a connection attempt to a hung server, which cannot be cut short below libpq's two
    seconds, never holds up the answer; probes queue behind a stuck one and time out.
    """
    global _probe
    if _probe is None or _probe[0] != os.getpid():
        _probe = (os.getpid(), ThreadPoolExecutor(max_workers=1, thread_name_prefix="healthz"))
    try:
        return _probe[1].submit(_probe_database).result(timeout=settings.HEALTHZ_DATABASE_SECONDS)
    except FuturesTimeout:
        return False


@require_safe
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness plus a round trip to the database and to Redis; load balancers poll this.

    Only the database decides the status code: without Redis every server still answers
    (more slowly, without its cache), and all of them share that Redis, so taking them out
    of rotation would help nobody. The body says which part is down.
    """
    redis_urls = {settings.REDIS_URL, settings.RATELIMIT_REDIS_URL} - {""}
    cache = "ok" if all(redis_reachable(url) for url in redis_urls) else "down"
    if not redis_urls:
        cache = "local"
    if not database_answers():
        response = JsonResponse(
            {"status": "unavailable", "database": "down", "cache": cache}, status=503
        )
        response["Retry-After"] = "5"
        return response
    status = "ok" if cache != "down" else "degraded"
    return JsonResponse({"status": status, "database": "ok", "cache": cache})


def limits_unavailable() -> HttpResponse:
    """The 503 for a sign-in while its limits cannot be counted; no database needed."""
    response = HttpResponse(render_to_string("errors/limits_unavailable.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


def server_error(request: HttpRequest) -> HttpResponse:
    """The 500 handler, except that a database outage outside a view is still a 503.

    DatabaseUnavailableMiddleware only sees exceptions raised by views; one raised by
    middleware (a session save, say) reaches this handler instead, inside the except block.
    """
    if isinstance(sys.exception(), DATABASE_ERRORS):
        return service_unavailable()
    return defaults.server_error(request)


LOGIN_FAILURE_MESSAGE = (
    "Too many sign-in attempts. Wait {minutes} minutes, then try again. "
    "Editors who are locked out can ask another editor to reset their password."
)


def login_key(username: str) -> str:
    """The account a typed username can sign in as, folded so every spelling shares a limit.

    Django's sign-in form normalises the username with NFKC before looking it up, so
    fullwidth, ligature and other compatibility spellings reach the same account; case
    folding on top also joins spellings that differ only in case (or ß and ss), which can
    only make the limit stricter. Truncated after folding: NFKC can lengthen a string.
    """
    folded = unicodedata.normalize("NFKC", username).casefold()
    return unicodedata.normalize("NFKC", folded).strip()[:300]


@never_cache
def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin sign-in page, with posted attempts limited per client address and username.

    Each POST counts, whether it succeeds or not: a person who signs in successfully stops
    posting, so in practice the counters measure failures, and an attacker cannot dodge the
    limit by rotating usernames (the address counter) or addresses (the username counter).
    """
    if request.method == "POST":
        window = settings.ADMIN_LOGIN_WINDOW_SECONDS
        username = login_key(request.POST.get("username", ""))
        try:
            over_ip = is_rate_limited(
                "admin-login-ip",
                client_ip(request),
                limit=settings.ADMIN_LOGIN_ATTEMPTS_PER_IP,
                window=window,
            )
            over_username = username and is_rate_limited(
                "admin-login-user",
                username,
                limit=settings.ADMIN_LOGIN_ATTEMPTS_PER_USERNAME,
                window=window,
            )
        except LimitsUnavailable:
            # No password is checked while attempts cannot be counted.
            return limits_unavailable()
        if over_ip or over_username:
            response = too_many_requests(
                request, LOGIN_FAILURE_MESSAGE.format(minutes=max(1, window // 60))
            )
            response["Retry-After"] = str(window)
            return response
    return admin.site.login(request)
