"""Bulk-generate a large, realistic data set for load and scale testing.

    manage.py generate_data --tools 10000 --votes 1000000 --personas 7 --seed 1

Rows go in through PostgreSQL COPY, the fastest way in. Everything generated carries the
slug prefix ``gen<seed>-``, so a run never touches the demo set or hand-made rows, and
running again with the same seed replaces the earlier generated set instead of piling up.
Votes follow a long tail (a few tools draw most of the attention, as on a real site),
which is what stresses the per-tool counts.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from reviews.models import Persona
from tools.models import Category, EntryPrice, PublicationState
from tools.verdicts import Verdict

CATEGORY_NAMES = [
    "Code assistants",
    "Open-weight models",
    "Hosted models",
    "Vector databases",
    "Agent frameworks",
    "Inference servers",
    "Evaluation",
    "Data tooling",
]
WORDS = [
    "Flux", "Quill", "Beacon", "Ember", "Harbor", "Lattice", "Orbit", "Prism", "Relay",
    "Sprout", "Tensor", "Vector", "Willow", "Zephyr", "Cobalt", "Drift", "Fathom", "Glint",
]  # fmt: skip
PERSONA_NAMES = [
    "Builder", "Skeptic", "Futurist", "Founder", "Security Lead", "Researcher", "Operator",
]  # fmt: skip


class Command(BaseCommand):
    help = "Bulk-generate tools, reviews and votes for scale tests (replaces an earlier run)."

    def add_arguments(self, parser):
        parser.add_argument("--tools", type=int, default=10_000)
        parser.add_argument("--votes", type=int, default=1_000_000)
        parser.add_argument("--personas", type=int, default=7)
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, tools: int, votes: int, personas: int, seed: int, **options):
        if tools < 1 or votes < 0 or not 1 <= personas <= settings.SHIPORSKIP_MAX_PANEL:
            raise CommandError(
                f"Need --tools >= 1, --votes >= 0 and 1 <= --personas <= "
                f"{settings.SHIPORSKIP_MAX_PANEL}."
            )
        self.random = random.Random(seed)  # noqa: S311 (test data, not secrets)
        self.prefix = f"gen{seed}-"
        self.now = timezone.now()
        started = time.monotonic()
        # A million-row COPY runs longer than the statement timeout meant for web requests.
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
        with transaction.atomic():
            self.step("removed the earlier generated set", self.remove_previous)
            category_ids = self.step("categories", self.ensure_categories)
            persona_ids = self.step("personas", lambda: self.ensure_personas(personas))
            tool_ids = self.step(f"{tools:,} tools", lambda: self.copy_tools(tools, category_ids))
            self.step("reviews", lambda: self.copy_reviews(tool_ids, persona_ids))
            self.step(f"{votes:,} votes", lambda: self.copy_votes(tool_ids, votes))
        self.step("vacuum analyze", self.vacuum_analyze)
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s (prefix {self.prefix!r}).")

    def step(self, label: str, action):
        started = time.monotonic()
        result = action()
        count = f" ({result:,} rows)" if isinstance(result, int) else ""
        self.stdout.write(f"{label}{count}: {time.monotonic() - started:.1f} s")
        return result

    def remove_previous(self) -> int:
        pattern = self.prefix.replace("_", r"\_") + "%"
        generated = "SELECT id FROM tools_tool WHERE slug LIKE %s"
        with connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM votes_vote WHERE tool_id IN ({generated})", [pattern])  # noqa: S608
            # The votes' triggers left each tool's counts row at zero; it goes with the tool.
            cursor.execute(
                f"DELETE FROM votes_communitycount WHERE tool_id IN ({generated})",  # noqa: S608
                [pattern],
            )
            cursor.execute(f"DELETE FROM reviews_review WHERE tool_id IN ({generated})", [pattern])  # noqa: S608
            cursor.execute("DELETE FROM tools_tool WHERE slug LIKE %s", [pattern])
            return cursor.rowcount

    def ensure_categories(self) -> list[int]:
        return [
            Category.objects.get_or_create(
                slug=f"{self.prefix}cat-{n}",
                defaults={"name": f"{name} (generated)", "order": 100 + n},
            )[0].pk
            for n, name in enumerate(CATEGORY_NAMES)
        ]

    def ensure_personas(self, wanted: int) -> list[int]:
        """Reuse the active panel; add generated critics only when it is short."""
        ids = list(Persona.objects.active().values_list("pk", flat=True)[:wanted])
        for n in range(len(ids), wanted):
            persona, _ = Persona.objects.get_or_create(
                slug=f"{self.prefix}critic-{n}",
                defaults={
                    "name": PERSONA_NAMES[n],
                    "lens": "Judges generated tools for scale tests.",
                    "order": 100 + n,
                },
            )
            ids.append(persona.pk)
        return ids

    def copy_tools(self, count: int, category_ids: list[int]) -> list[int]:
        prices = list(EntryPrice.values)
        rows = []
        for n in range(count):
            name = f"{self.random.choice(WORDS)} {self.random.choice(WORDS)} {n}"
            published = self.now - timedelta(minutes=self.random.randrange(2 * 365 * 24 * 60))
            rows.append(
                (
                    f"{self.prefix}tool-{n}",
                    name,
                    f"Generated tool number {n} for scale tests.",
                    self.random.choice(category_ids),
                    self.random.choice(prices),
                    "Free tier, then usage-based",
                    "Load tests",
                    "A generated tool: the panel's take is filler text of realistic length. " * 3,
                    f"https://tool-{n}.example.com/",
                    "Generated Vendor",
                    PublicationState.PUBLISHED,
                    published,
                    published,
                    published,
                )
            )
        self.copy(
            "tools_tool",
            "slug, name, tagline, category_id, entry_price, pricing, best_for, description, "
            "website, vendor, status, published_at, created_at, updated_at",
            rows,
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM tools_tool WHERE slug LIKE %s ORDER BY id",
                [self.prefix.replace("_", r"\_") + "%"],
            )
            return [row[0] for row in cursor.fetchall()]

    def copy_reviews(self, tool_ids: list[int], persona_ids: list[int]) -> int:
        rows = []
        for tool_id in tool_ids:
            panel_size = self.random.randint(min(2, len(persona_ids)), len(persona_ids))
            leaning = self.random.random()
            for persona_id in self.random.sample(persona_ids, panel_size):
                ships = self.random.random() < leaning
                score = self.random.randint(60, 95) if ships else self.random.randint(15, 59)
                rows.append(
                    (
                        tool_id,
                        persona_id,
                        score,
                        Verdict.SHIP if ships else Verdict.SKIP,
                        "A generated review body, long enough to look like the real thing.",
                        PublicationState.PUBLISHED,
                        self.now,
                        self.now,
                        self.now,
                    )
                )
        self.copy(
            "reviews_review",
            "tool_id, persona_id, score, verdict, body, status, published_at, created_at, "
            "updated_at",
            rows,
        )
        return len(rows)

    def copy_votes(self, tool_ids: list[int], count: int) -> int:
        # Zipf-like attention: the k-th most popular tool draws about 1/k^0.9 of the votes.
        ranked = tool_ids[:]
        self.random.shuffle(ranked)
        weights = [1 / (rank**0.9) for rank in range(1, len(ranked) + 1)]
        chosen = self.random.choices(ranked, weights=weights, k=count)
        ship_rate = {tool_id: self.random.uniform(0.2, 0.9) for tool_id in tool_ids}
        year = 365 * 24 * 3600
        rows = (
            (
                tool_id,
                f"{self.prefix}voter-{n}",
                f"{self.prefix}fp-{n // 3}",
                Verdict.SHIP if self.random.random() < ship_rate[tool_id] else Verdict.SKIP,
                (created := self.now - timedelta(seconds=self.random.randrange(year))),
                created,
                # About 1 in 100 votes was discarded by the abuse checks.
                created if n % 100 == 0 else None,
                "generated: duplicate fingerprint" if n % 100 == 0 else "",
            )
            for n, tool_id in enumerate(chosen)
        )
        self.copy(
            "votes_vote",
            "tool_id, voter, fingerprint, choice, created_at, updated_at, discarded_at, "
            "discard_reason",
            rows,
        )
        return count

    def copy(self, table: str, columns: str, rows) -> None:
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    def vacuum_analyze(self) -> None:
        # Fresh statistics for the planner and a visibility map for index-only counts.
        # VACUUM cannot run inside a transaction (as when a test calls the command).
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in ("tools_tool", "reviews_review", "votes_vote"):
                cursor.execute(f"{command} {table}")
