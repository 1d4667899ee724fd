"""Signed tokens in email links: the link itself is the proof of owning the inbox.

Confirmation links expire (``NEWSLETTER_CONFIRM_MAX_AGE``). Unsubscribe links never do:
a digest read months later must still let its reader leave in one click.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.utils import timezone

from newsletter.models import Subscriber

CONFIRM_SALT = "newsletter.confirm"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"


@dataclass(frozen=True)
class TokenClaim:
    subscriber_id: int
    email: str
    issued_at: datetime.datetime | None = None


def _payload(subscriber: Subscriber) -> dict:
    # The address is part of the claim so a link dies if an editor corrects the address.
    return {"id": subscriber.pk, "email": subscriber.email.lower()}


def confirm_token(subscriber: Subscriber) -> str:
    payload = _payload(subscriber) | {"at": timezone.now().timestamp()}
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign_object(payload, compress=True)


def unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign_object(_payload(subscriber), compress=True)


def _claim(payload: object, *, with_time: bool) -> TokenClaim | None:
    if not isinstance(payload, dict):
        return None
    subscriber_id, email = payload.get("id"), payload.get("email")
    if not isinstance(subscriber_id, int) or not isinstance(email, str):
        return None
    issued_at = None
    if with_time:
        stamp = payload.get("at")
        if not isinstance(stamp, int | float) or isinstance(stamp, bool):
            return None
        issued_at = datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)
    return TokenClaim(subscriber_id=subscriber_id, email=email, issued_at=issued_at)


def read_confirm_token(token: str) -> TokenClaim | None:
    """The claim in a confirmation link, or None if forged, mangled or expired."""
    try:
        payload = signing.TimestampSigner(salt=CONFIRM_SALT).unsign_object(
            token, max_age=settings.NEWSLETTER_CONFIRM_MAX_AGE
        )
    except (signing.BadSignature, ValueError):
        return None
    return _claim(payload, with_time=True)


def read_unsubscribe_token(token: str) -> TokenClaim | None:
    try:
        payload = signing.Signer(salt=UNSUBSCRIBE_SALT).unsign_object(token)
    except (signing.BadSignature, ValueError):
        return None
    return _claim(payload, with_time=False)
