from django.core.management.base import BaseCommand

from demo.loading import load_demo_data, load_featured_demo


class Command(BaseCommand):
    help = "Load the demo tools, personas, reviews and community votes (idempotent)."

    def handle(self, *args, **options):
        report, votes_added = load_demo_data()
        self.stdout.write(report.summary())
        self.stdout.write(f"Demo community votes added: {votes_added}.")
        self.stdout.write(f"Demo featured comparisons added: {load_featured_demo()}.")
