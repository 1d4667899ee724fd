"""Featured comparisons for the demo data set, loaded by ``manage.py seed_demo``."""

from __future__ import annotations

from django.db import transaction

from comparisons.models import FeaturedComparison
from tools.models import Tool

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
