"""Subscription changes: each one a single guarded write, safe to repeat."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from newsletter.emails import already_subscribed_email, confirmation_email
from newsletter.models import EmailSent, Subscriber, mailbox_of
from newsletter.tokens import TokenClaim


class TooManyEmails(Exception):
    """A signup email would go over the daily limit for its inbox or its domain."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


MAILBOX_FULL = (
    "We have already sent several emails to this address today. Look for them in your inbox "
    "(and spam folder), or try again tomorrow."
)
DOMAIN_FULL = (
    "We have sent as many signup emails to addresses at this domain as we send in one day. "
    "Please try again tomorrow."
)


def request_subscription(*, email: str) -> Subscriber:
    """Hold ``email`` unconfirmed and mail its owner; the caller answers the same either way.

    A new, pending or unsubscribed address gets a fresh confirmation link; an address that
    already receives the digest gets a short notice instead, so its owner learns that
    someone tried and nobody learns anything from our answer on the page.

    Each inbox (plus-tags folded) gets at most ``NEWSLETTER_EMAILS_PER_MAILBOX`` such emails
    a day and each domain ``NEWSLETTER_EMAILS_PER_DOMAIN``; over either, ``TooManyEmails``
    and nothing is sent. Signups for one inbox are serialised so concurrent ones cannot
    both see room; the email is sent inside that transaction, so a mail server that
    refuses it leaves no record of a send.
    """
    mailbox, domain = mailbox_of(email)
    now = timezone.now()
    since = now - timedelta(days=1)
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"mailbox:{mailbox}"]
            )
        sent = EmailSent.objects.since(since)
        if sent.filter(mailbox=mailbox).count() >= settings.NEWSLETTER_EMAILS_PER_MAILBOX:
            raise TooManyEmails(MAILBOX_FULL)
        if sent.filter(domain=domain).count() >= settings.NEWSLETTER_EMAILS_PER_DOMAIN:
            raise TooManyEmails(DOMAIN_FULL)
        # get_or_create retries the lookup when a concurrent signup wins the unique constraint.
        subscriber, _ = Subscriber.objects.get_or_create(
            email__iexact=email, defaults={"email": email}
        )
        EmailSent.objects.filter(sent_at__lt=now - timedelta(days=2)).delete()
        EmailSent.objects.create(mailbox=mailbox, domain=domain, sent_at=now)
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
