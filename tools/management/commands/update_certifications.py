from django.core.management.base import BaseCommand

from tools.standing import refresh_standings


class Command(BaseCommand):
    help = (
        "Re-evaluate Certified Ship for every tool and add verdict timeline points for the "
        "figures that moved (community votes arrive between editors' changes). Run it every "
        "minute (cron or a systemd timer); runs never overlap."
    )

    def handle(self, *args, **options) -> None:
        refreshed = refresh_standings()
        earned = ", ".join(tool.slug for tool in refreshed.earned) or "none"
        lost = ", ".join(tool.slug for tool in refreshed.lost) or "none"
        self.stdout.write(
            f"Certified Ship earned: {earned}; lost: {lost}; "
            f"{len(refreshed.points)} timeline point(s) added."
        )
