import os
import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError


class Command(BaseCommand):
    help = (
        "Development only: create the 'admin' superuser on first run. The password comes "
        "from DEV_ADMIN_PASSWORD or is generated and printed once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--password", default="", help="defaults to $DEV_ADMIN_PASSWORD")

    def handle(self, *args, username: str, password: str, **options):
        if not settings.DEVELOPMENT:
            raise CommandError("Refusing to create a development superuser outside development.")
        users = get_user_model()
        if users.objects.filter(username=username).exists():
            self.stdout.write(
                f"Admin sign-in: user '{username}' exists (password as set on first run, "
                "or reset it with `manage.py changepassword admin`)."
            )
            return
        password = password or os.environ.get("DEV_ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        users.objects.create_superuser(username=username, email="", password=password)
        self.stdout.write(f"Admin sign-in: user '{username}', password '{password}'")
