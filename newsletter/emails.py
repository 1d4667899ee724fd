"""Every email we send to a subscriber, built the same way.

Each carries a one-click unsubscribe link in the body and the RFC 2369 / RFC 8058
``List-Unsubscribe`` and ``List-Unsubscribe-Post`` headers, so mail providers can offer
their own unsubscribe button that POSTs straight to us.
"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from core.absolute_urls import absolute_url
from newsletter.models import Subscriber
from newsletter.tokens import confirm_token, unsubscribe_token


def unsubscribe_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("newsletter:unsubscribe", args=[unsubscribe_token(subscriber)]))


def confirm_url(subscriber: Subscriber) -> str:
    return absolute_url(reverse("newsletter:confirm", args=[confirm_token(subscriber)]))


def build_email(
    *, subscriber: Subscriber, subject: str, template: str, context: dict | None = None
) -> EmailMultiAlternatives:
    """``template`` names a pair: newsletter/email/<template>.txt and .html."""
    link = unsubscribe_url(subscriber)
    context = {
        **(context or {}),
        "subscriber": subscriber,
        "unsubscribe_url": link,
        "SITE_URL": settings.SITE_URL,
    }
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"newsletter/email/{template}.txt", context),
        to=[subscriber.email],
        headers={
            "List-Unsubscribe": f"<{link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    message.attach_alternative(
        render_to_string(f"newsletter/email/{template}.html", context), "text/html"
    )
    return message


def confirmation_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    hours = settings.NEWSLETTER_CONFIRM_MAX_AGE // 3600
    return build_email(
        subscriber=subscriber,
        subject="Confirm your ShipOrSkip weekly digest",
        template="confirm",
        context={"confirm_url": confirm_url(subscriber), "valid_hours": hours},
    )


def already_subscribed_email(subscriber: Subscriber) -> EmailMultiAlternatives:
    return build_email(
        subscriber=subscriber,
        subject="You're already on the ShipOrSkip weekly digest",
        template="already_subscribed",
    )
