"""Subscription changes: each one a single guarded write, safe to repeat."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from newsletter.emails import already_subscribed_email, confirmation_email
from newsletter.models import Subscriber
from newsletter.tokens import TokenClaim


def request_subscription(*, email: str) -> Subscriber:
    """Hold ``email`` unconfirmed and mail its owner; the caller answers the same either way.

    A new, pending or unsubscribed address gets a fresh confirmation link; an address that
    already receives the digest gets a short notice instead, so its owner learns that
    someone tried and nobody learns anything from our answer on the page.
    """
    # get_or_create retries the lookup when a concurrent signup wins the unique constraint.
    subscriber, _ = Subscriber.objects.get_or_create(email__iexact=email, defaults={"email": email})
    message = (
        already_subscribed_email(subscriber)
        if subscriber.is_receiving
        else confirmation_email(subscriber)
    )
    message.send()
    return subscriber


def _claimed(claim: TokenClaim) -> Subscriber | None:
    return (
        Subscriber.objects.select_for_update()
        .for_address(claim.email)
        .filter(pk=claim.subscriber_id)
        .first()
    )


def confirm_subscription(*, claim: TokenClaim) -> Subscriber | None:
    """Start the digest for the address in a valid confirmation link; None if it is stale."""
    with transaction.atomic():
        subscriber = _claimed(claim)
        if subscriber is None:
            return None
        # A confirmation link issued before the reader unsubscribed must not undo that.
        if (
            subscriber.unsubscribed_at
            and claim.issued_at
            and claim.issued_at < subscriber.unsubscribed_at
        ):
            return None
        if not subscriber.is_receiving:
            subscriber.confirmed_at = subscriber.confirmed_at or timezone.now()
            subscriber.unsubscribed_at = None
            subscriber.save(update_fields=["confirmed_at", "unsubscribed_at"])
        return subscriber


def unsubscribe(*, claim: TokenClaim) -> Subscriber | None:
    """Stop all email to the address in an unsubscribe link; repeating it changes nothing."""
    with transaction.atomic():
        subscriber = _claimed(claim)
        if subscriber is None:
            return None
        if subscriber.unsubscribed_at is None:
            subscriber.unsubscribed_at = timezone.now()
            subscriber.save(update_fields=["unsubscribed_at"])
        return subscriber
