from django.core.management.base import BaseCommand

from badges import counters


class Command(BaseCommand):
    help = (
        "Add pending badge impressions and clicks (Redis hashes or PendingHit rows) to the "
        "daily badge stats. Run it every minute (cron or a systemd timer); runs never overlap."
    )

    def handle(self, *args, **options) -> None:
        moved = counters.flush()
        summary = ", ".join(f"{count} {source}" for source, count in moved.items() if count)
        self.stdout.write(f"Flushed badge counts: {summary or 'nothing pending'}.")
