"""The demo data set shipped with the repository, loaded by ``manage.py seed_demo``:
verdicts, community votes and featured comparisons."""

from __future__ import annotations

import json
from pathlib import Path

from django.db import transaction

from comparisons.models import FeaturedComparison
from reviews.importing import ImportReport, import_verdicts
from tools.models import Tool
from tools.verdicts import Verdict
from votes.models import Vote

DEMO_FILE = Path(__file__).resolve().parent / "fixtures" / "demo_verdicts.json"


def load_demo_data(path: Path = DEMO_FILE) -> tuple[ImportReport, int]:
    """Import the demo verdicts and their community votes; safe to run again."""
    data = json.loads(path.read_text(encoding="utf-8"))
    with transaction.atomic():
        # The demo's own keys (its community votes) are not part of the import format.
        report = import_verdicts({key: value for key, value in data.items() if key != "demo_votes"})
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


DEMO_PAIRS = [
    ("cursor", "github-copilot", "The editor everyone is switching to against the incumbent."),
    ("ollama", "vllm", "A laptop runtime and a serving engine: where does each belong?"),
    ("pgvector", "pinecone", "Keep vectors in Postgres, or pay for a dedicated service?"),
    ("claude-3-5-sonnet", "gpt-4o", "Two frontier APIs most teams shortlist."),
]


def load_featured_demo() -> int:
    """Feature the demo pairs whose tools exist; safe to run again. Returns how many are new."""
    tools = Tool.objects.in_bulk(
        {slug for first, second, _ in DEMO_PAIRS for slug in (first, second)},
        field_name="slug",
    )
    created = 0
    with transaction.atomic():
        for order, (first, second, blurb) in enumerate(DEMO_PAIRS):
            if first in tools and second in tools:
                _, is_new = FeaturedComparison.objects.get_or_create(
                    tool_a=tools[first],
                    tool_b=tools[second],
                    defaults={"blurb": blurb, "order": order},
                )
                created += is_new
    return created
