"""The demo data set shipped with the repository, loaded by ``manage.py seed_demo``."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from tools.importing import ImportReport, import_verdicts
from tools.models import Tool
from tools.verdicts import Verdict
from votes.models import Vote

DEMO_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_verdicts.json"


def load_demo_data(path: Path = DEMO_FILE) -> tuple[ImportReport, int]:
    """Import the demo verdicts and their community votes; safe to run again."""
    data = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        report = import_verdicts(data)
        tools = Tool.objects.in_bulk(list(data.get("demo_votes", {})), field_name="slug")
        votes = [
            Vote(
                tool=tools[slug],
                voter=f"demo-{slug}-{choice}-{n}",
                fingerprint=f"demo-{n % 7}",
                choice=choice,
            )
            for slug, counts in data.get("demo_votes", {}).items()
            if slug in tools
            for choice in (Verdict.SHIP, Verdict.SKIP)
            for n in range(counts.get(choice, 0))
        ]
        before = Vote.objects.count()
        Vote.objects.bulk_create(votes, ignore_conflicts=True)
        added = Vote.objects.count() - before
    return report, added
