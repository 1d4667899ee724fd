import logging
import smtplib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe
from django.views.decorators.vary import vary_on_headers

from core.clientip import client_ip
from core.csrf import cross_origin_allowed, origin_checked
from core.ratelimit import is_rate_limited, too_many_requests
from newsletter import services
from newsletter.forms import SignupForm
from newsletter.models import Subscriber, mailbox_of
from newsletter.tokens import TokenClaim, read_confirm_token, read_unsubscribe_token

SLOW_DOWN = "Too many signup attempts. Please wait a while and try again."
MAIL_DOWN = "We couldn't send the confirmation email just now. Please try again in a few minutes."

logger = logging.getLogger(__name__)


def _signup_limited(request: HttpRequest, email: str) -> bool:
    # Both limits count every attempt, so the address limit also stops one person
    # flooding someone else's inbox with confirmation emails from many networks.
    # With Redis away these attempt counts are skipped; the daily email limits per inbox
    # and per domain live in PostgreSQL (services.request_subscription) and still hold.
    by_ip = is_rate_limited(
        "newsletter-signup-ip",
        client_ip(request),
        limit=settings.NEWSLETTER_SIGNUP_IP_LIMIT,
        window=settings.NEWSLETTER_SIGNUP_WINDOW,
        if_unavailable=False,
    )
    by_address = is_rate_limited(
        "newsletter-signup-email",
        mailbox_of(email)[0],
        limit=settings.NEWSLETTER_SIGNUP_EMAIL_LIMIT,
        window=settings.NEWSLETTER_SIGNUP_WINDOW,
        if_unavailable=False,
    )
    return by_ip or by_address


def _signup_page(request: HttpRequest, form: SignupForm, *, status: int = 200) -> HttpResponse:
    # The page has its own form, so the footer's copy stays out of the way.
    context = {"signup_form": form, "hide_footer_signup": True}
    return render(request, "newsletter/signup.html", context, status=status)


@origin_checked
@vary_on_headers("HX-Request")
@require_http_methods(["GET", "HEAD", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """The signup page; the footer form on every page posts here too (htmx or plain)."""
    if request.method != "POST":
        return _signup_page(request, SignupForm())

    place = "page" if request.POST.get("place") == "page" else "footer"
    form = SignupForm(request.POST)
    if not form.is_valid():
        if request.htmx:
            context = {"signup_form": form, "place": place}
            return render(request, "newsletter/signup_form.html", context, status=400)
        return _signup_page(request, form, status=400)

    email = form.cleaned_data["email"]
    if _signup_limited(request, email):
        if request.htmx:
            context = {"signup_form": form, "place": place, "notice": SLOW_DOWN}
            return render(request, "newsletter/signup_form.html", context, status=429)
        return too_many_requests(request, SLOW_DOWN)

    try:
        services.request_subscription(email=email)
    except services.TooManyEmails as refusal:
        if request.htmx:
            context = {"signup_form": form, "place": place, "notice": refusal.message}
            return render(request, "newsletter/signup_form.html", context, status=429)
        return too_many_requests(request, refusal.message, retry_after=24 * 3600)
    except (smtplib.SMTPException, OSError):
        # The mail server is down or refused us: say so instead of promising an email.
        logger.exception("Could not send the digest signup email")
        if request.htmx:
            context = {"signup_form": form, "place": place, "notice": MAIL_DOWN}
            return render(request, "newsletter/signup_form.html", context, status=503)
        return render(request, "newsletter/try_later.html", {"message": MAIL_DOWN}, status=503)
    if request.htmx:
        return render(request, "newsletter/signup_form.html", {"sent": True, "place": place})
    return redirect("newsletter:check_inbox")


@require_safe
def check_inbox(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/check_inbox.html")


def _bad_link(request: HttpRequest, kind: str) -> HttpResponse:
    return render(request, "newsletter/bad_link.html", {"kind": kind}, status=400)


def _emailed_link(
    request: HttpRequest,
    token: str,
    kind: str,
    read_token: Callable[[str], TokenClaim | None],
    act: Callable[..., Subscriber | None],
    *,
    done: str,
) -> HttpResponse:
    """A signed link from an email: GET asks (newsletter/<kind>.html) and changes nothing,
    POST acts on the token's claim and renders ``done``."""
    claim = read_token(token)
    if claim is None:
        return _bad_link(request, kind)
    if request.method != "POST":
        return render(request, f"newsletter/{kind}.html", {"token": token})
    subscriber = act(claim=claim)
    if subscriber is None:
        return _bad_link(request, kind)
    return render(request, done, {"subscriber": subscriber})


@origin_checked
@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows a button and changes nothing (mail scanners follow links); POST confirms."""
    return _emailed_link(
        request,
        token,
        "confirm",
        read_confirm_token,
        services.confirm_subscription,
        done="newsletter/confirmed.html",
    )


# The signed token in the URL is the authorisation here, not a session: mail providers
# send RFC 8058 one-click POSTs ("List-Unsubscribe=One-Click") with no cookie and no CSRF
# token, and a forged cross-site POST could only unsubscribe the token's own owner, which
# needs the token from their inbox in the first place.
@cross_origin_allowed
@require_http_methods(["GET", "HEAD", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks "unsubscribe?" and changes nothing; POST (button or mail provider) does it."""
    return _emailed_link(
        request,
        token,
        "unsubscribe",
        read_unsubscribe_token,
        services.unsubscribe,
        done="newsletter/unsubscribed.html",
    )
