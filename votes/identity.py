"""Who is voting: a signed voter cookie, plus a keyed fingerprint of network and browser.

The cookie is the voter: a random id signed with SECRET_KEY, so a visitor cannot pick or
guess someone else's id. Clearing cookies mints a new voter, which is why every vote also
records a fingerprint: an HMAC of the client's network prefix (/24 for IPv4, /48 for IPv6)
and user agent. The raw address is never stored, and without the key the fingerprint
cannot be reversed or matched against a list of addresses.
"""

from __future__ import annotations

import ipaddress
import secrets

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.utils.crypto import salted_hmac

from core.clientip import client_ip

VOTER_COOKIE_SALT = "votes.voter"
MAX_USER_AGENT = 512


class ForgedVoterCookie(Exception):
    """The voter cookie is present but its signature does not check out."""


def new_voter_id() -> str:
    return secrets.token_urlsafe(24)


def read_voter(request: HttpRequest) -> str | None:
    """The voter id from the cookie, None when there is none; raises if it was tampered with."""
    if settings.VOTER_COOKIE_NAME not in request.COOKIES:
        return None
    try:
        voter = request.get_signed_cookie(settings.VOTER_COOKIE_NAME, salt=VOTER_COOKIE_SALT)
    except signing.BadSignature as error:
        raise ForgedVoterCookie from error
    if not voter or len(voter) > 64:
        raise ForgedVoterCookie
    return voter


def voter_from_cookie(request: HttpRequest) -> str | None:
    """For pages that only read: a bad cookie is treated as no cookie."""
    try:
        return read_voter(request)
    except ForgedVoterCookie:
        return None


def remember_voter(response: HttpResponse, voter: str) -> None:
    """Set (or renew) the voter cookie on ``response``."""
    response.set_signed_cookie(
        settings.VOTER_COOKIE_NAME,
        voter,
        salt=VOTER_COOKIE_SALT,
        max_age=settings.VOTER_COOKIE_MAX_AGE,
        secure=settings.VOTER_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def forget_voter(response: HttpResponse) -> None:
    response.delete_cookie(settings.VOTER_COOKIE_NAME, samesite="Lax")


def network_prefix(ip: str) -> str:
    """The /24 (IPv4) or /48 (IPv6) network an address belongs to; "unknown" if unparsable."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return "unknown"
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _keyed(purpose: str, value: str) -> str:
    secret = settings.VOTE_FINGERPRINT_KEY or settings.SECRET_KEY
    return salted_hmac(purpose, value, secret=secret, algorithm="sha256").hexdigest()


def fingerprint(request: HttpRequest) -> str:
    """64 hex characters identifying network and browser, keyed by a server secret."""
    user_agent = request.META.get("HTTP_USER_AGENT", "")[:MAX_USER_AGENT]
    return _keyed(
        "shiporskip.votes.fingerprint", f"{network_prefix(client_ip(request))}\n{user_agent}"
    )


def network(request: HttpRequest) -> str:
    """64 hex characters identifying the client's /24 or /48 network, keyed the same way."""
    return _keyed("shiporskip.votes.network", network_prefix(client_ip(request)))
