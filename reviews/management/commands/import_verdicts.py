import json
import sys

from django.core.management.base import BaseCommand, CommandError

from reviews.importing import ImportFailed, import_verdicts


class Command(BaseCommand):
    help = (
        "Upsert categories, personas, tools and reviews from a verdicts JSON file "
        "(docs/import-format.md). All or nothing; '-' reads standard input."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="path to the JSON file, or - for standard input")

    def handle(self, *args, file: str, **options):
        try:
            if file == "-":
                data = json.load(sys.stdin)
            else:
                with open(file, encoding="utf-8") as handle:
                    data = json.load(handle)
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}") from error
        except (json.JSONDecodeError, UnicodeDecodeError) as error:
            raise CommandError(f"{file} is not valid JSON: {error}") from error
        try:
            report = import_verdicts(data)
        except ImportFailed as error:
            raise CommandError(f"Nothing was imported. {error}") from error
        self.stdout.write(report.summary())
