from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string

from newsletter.digest import build_digest, digest_context, send_digest
from newsletter.models import Subscriber


class Command(BaseCommand):
    help = (
        "Send this week's digest (verdicts of the last 7 days, community movers, a featured "
        "comparison) to confirmed subscribers who have not had it yet. Safe to rerun."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="print the digest and send nothing"
        )
        parser.add_argument(
            "--html", action="store_true", help="with --dry-run, print the HTML version"
        )
        parser.add_argument("--batch-size", type=int, default=settings.NEWSLETTER_BATCH_SIZE)

    def handle(self, *args, dry_run: bool, html: bool, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        digest = build_digest()
        waiting = Subscriber.objects.receiving().not_sent(digest.week).count()
        if dry_run:
            self._print(digest, html=html, waiting=waiting)
            return
        if not digest.has_news:
            self.stdout.write("Nothing published and no votes in the last 7 days: no digest sent.")
            return
        sent = send_digest(digest=digest, batch_size=batch_size)
        self.stdout.write(
            self.style.SUCCESS(
                f"Sent the digest for the week of {digest.week} to {sent} subscribers."
            )
        )

    def _print(self, digest, *, html: bool, waiting: int) -> None:
        sample = Subscriber(pk=0, email="reader@example.com")
        context = digest_context(digest) | {
            "subscriber": sample,
            "unsubscribe_url": "(each reader's own unsubscribe link)",
        }
        template = "newsletter/email/digest.html" if html else "newsletter/email/digest.txt"
        self.stdout.write(f"Subject: {digest.subject}")
        self.stdout.write(f"Would go to {waiting} subscribers who have not had it this week.")
        if not digest.has_news:
            self.stdout.write("Nothing new in the last 7 days: a real run would send nothing.")
        self.stdout.write("")
        self.stdout.write(render_to_string(template, context))
