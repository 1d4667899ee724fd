from __future__ import annotations

import datetime

from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class SubscriberQuerySet(models.QuerySet):
    def receiving(self) -> SubscriberQuerySet:
        """Confirmed and not unsubscribed: the only addresses a digest may go to."""
        return self.filter(confirmed_at__isnull=False, unsubscribed_at__isnull=True)

    def not_sent(self, week: datetime.date) -> SubscriberQuerySet:
        return self.exclude(digest_sends__week=week)

    def for_address(self, email: str) -> SubscriberQuerySet:
        return self.filter(email__iexact=email)


class Subscriber(models.Model):
    """One address on the weekly digest list.

    Held unconfirmed until the owner clicks the emailed link (double opt-in). Unsubscribing
    keeps the row, so a later signup is a re-subscription rather than a second address.
    """

    email = models.EmailField(max_length=254)
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="subscriber_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def is_receiving(self) -> bool:
        return self.confirmed_at is not None and self.unsubscribed_at is None

    @property
    def status(self) -> str:
        if self.unsubscribed_at:
            return "unsubscribed"
        return "confirmed" if self.confirmed_at else "pending"


def mailbox_of(email: str) -> tuple[str, str]:
    """(mailbox, domain) an address delivers to: case and "+tag" suffixes folded, so
    ``Victim+1@Example.com`` and ``victim@example.com`` are one inbox."""
    local, _, domain = email.strip().rpartition("@")
    local = local.split("+", 1)[0] or local
    domain = domain.lower().rstrip(".")
    return f"{local.lower()}@{domain}", domain


class EmailSentQuerySet(models.QuerySet):
    def since(self, moment: datetime.datetime) -> EmailSentQuerySet:
        return self.filter(sent_at__gte=moment)


class EmailSent(models.Model):
    """One signup email sent (a confirmation or an "already subscribed" notice).

    Kept a couple of days, to limit how many such emails one inbox and one domain get per
    day however many addresses, tags and networks the signups come from.
    """

    mailbox = models.CharField(max_length=254)
    domain = models.CharField(max_length=254)
    sent_at = models.DateTimeField(default=timezone.now)

    objects = EmailSentQuerySet.as_manager()

    class Meta:
        indexes = [
            models.Index(fields=["mailbox", "sent_at"], name="emailsent_mailbox_idx"),
            models.Index(fields=["domain", "sent_at"], name="emailsent_domain_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mailbox} at {self.sent_at:%Y-%m-%d %H:%M}"


def week_of(moment: datetime.datetime | None = None) -> datetime.date:
    """The Monday (UTC) that names the digest week ``moment`` falls in."""
    day = (moment or timezone.now()).astimezone(datetime.UTC).date()
    return day - datetime.timedelta(days=day.weekday())


class DigestSend(models.Model):
    """Proof that one subscriber got one week's digest; the unique pair stops a resend."""

    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="digest_sends"
    )
    week = models.DateField(help_text="Monday of the digest week (UTC).")
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "week"], name="one_digest_per_week"),
        ]
        indexes = [models.Index(fields=["week"], name="digestsend_week_idx")]

    def __str__(self) -> str:
        return f"Digest of {self.week} to {self.subscriber_id}"
