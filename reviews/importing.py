"""Bulk upsert of categories, personas, tools and reviews from the verdicts JSON format.

The format is documented in docs/import-format.md. Records are keyed by slug: a record
that exists is updated only where a field differs, so a second import of the same file
writes nothing. The whole file is validated and written in one transaction: one bad
record aborts everything with an error naming the record and the field.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pghistory
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.dateparse import parse_datetime

from reviews.models import Persona, Review
from tools.models import EDITORIAL_FIELDS, Category, PublicationState, Tool
from tools.standing import refresh_standings

# Every key the format knows, per kind of record. Anything else is refused by name: a typo
# such as "publishd" would otherwise import a draft without a word.
KNOWN_KEYS = {
    "top level": {"categories", "personas", "tools"},
    "categories": {"slug", "name", "description", "order"},
    "personas": {"slug", "name", "lens", "order", "active"},
    "tools": {
        *(field for field in EDITORIAL_FIELDS if field != "status"),
        "published",
        "reviews",
    },
    "reviews": {"persona", "score", "verdict", "body", "published"},
}


class ImportFailed(Exception):
    """Raised with a message naming the record and field that could not be imported."""


@dataclass
class ImportReport:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, outcome: str, kind: str) -> None:
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    @property
    def changed_anything(self) -> bool:
        return bool(self.created or self.updated)

    def summary(self) -> str:
        if not self.changed_anything:
            total = sum(self.unchanged.values())
            return f"Nothing to change: all {total} records are already up to date."
        parts = []
        for kind in ("categories", "personas", "tools", "reviews"):
            created = self.created.get(kind, 0)
            updated = self.updated.get(kind, 0)
            unchanged = self.unchanged.get(kind, 0)
            parts.append(f"{kind}: {created} created, {updated} updated, {unchanged} unchanged")
        return "; ".join(parts)


def _checked_records(data: dict, kind: str) -> Iterator[tuple[int, dict, str]]:
    """Each record of ``kind`` with its position and label, once it is known to be an
    object holding only keys the format knows."""
    for index, record in enumerate(_records(data, kind)):
        where = _label(kind, index, record)
        if not isinstance(record, dict):
            raise ImportFailed(f"{where}: expected an object")
        _refuse_unknown_keys(record, kind, where)
        yield index, record, where


def _label(kind: str, index: int, record: Any) -> str:
    slug = record.get("slug") if isinstance(record, dict) else None
    return f"{kind}[{index}]" + (f" (slug {slug!r})" if slug else "")


def _refuse_unknown_keys(record: dict, kind: str, where: str) -> None:
    known = KNOWN_KEYS[kind]
    unknown = [key for key in record if key not in known]
    if not unknown:
        return
    details = []
    for key in unknown:
        close = difflib.get_close_matches(str(key).replace("-", "_"), known, n=1)
        details.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    plural = "s" if len(unknown) > 1 else ""
    raise ImportFailed(f"{where}: unknown field{plural} {', '.join(details)}")


def _require(record: dict, key: str, where: str, kind: type = str) -> Any:
    if key not in record:
        raise ImportFailed(f"{where}: field {key!r} is missing")
    value = record[key]
    if not isinstance(value, kind) or (isinstance(value, bool) and kind is int):
        expected = (
            kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        )
        raise ImportFailed(f"{where}: field {key!r} must be {expected}, got {value!r}")
    return value


def _optional(record: dict, key: str, where: str, default: Any, kind: type = str) -> Any:
    if key not in record or record[key] is None:
        return default
    return _require(record, key, where, kind)


def _parse_when(value: str | None, where: str) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(value) if isinstance(value, str) else None
    if parsed is None or parsed.tzinfo is None:
        raise ImportFailed(
            f"{where}: field 'published_at' must be an ISO 8601 date-time with a time zone, "
            f"got {value!r}"
        )
    return parsed


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    *,
    kind: str,
    where: str,
    report: ImportReport,
) -> models.Model:
    instance = model._default_manager.filter(**lookup).first()
    outcome = "unchanged"
    if instance is None:
        instance = model(**lookup, **values)
        outcome = "created"
    else:
        for name, value in values.items():
            if getattr(instance, name) != value:
                setattr(instance, name, value)
                outcome = "updated"
    if outcome != "unchanged":
        try:
            instance.full_clean(validate_constraints=False, validate_unique=False)
        except ValidationError as error:
            details = "; ".join(
                f"field {name!r}: {' '.join(messages)}"
                for name, messages in error.message_dict.items()
            )
            raise ImportFailed(f"{where}: {details}") from error
        instance.save()
    report.count(outcome, kind)
    return instance


def _records(data: dict, key: str) -> list:
    records = data.get(key, [])
    if not isinstance(records, list):
        raise ImportFailed(f"top level: {key!r} must be a list")
    return records


@transaction.atomic
def import_verdicts(data: Any) -> ImportReport:
    """Upsert everything in ``data``; raise ImportFailed (writing nothing) on a bad record.

    The revisions the history triggers write are signed "import_verdicts", and the verdict
    timeline and Certified Ship of every tool in the file are brought up to date.
    """
    with pghistory.context(via="import_verdicts"):
        report, tool_ids = _import(data)
        if report.changed_anything:
            refresh_standings(tool_ids=tool_ids)
    return report


def _import(data: Any) -> tuple[ImportReport, list[int]]:
    if not isinstance(data, dict):
        raise ImportFailed("top level: expected a JSON object with categories, personas, tools")
    _refuse_unknown_keys(data, "top level", "top level")
    report = ImportReport()
    tool_ids: list[int] = []

    categories: dict[str, Category] = {}
    for index, record, where in _checked_records(data, "categories"):
        slug = _require(record, "slug", where)
        categories[slug] = _upsert(
            Category,
            {"slug": slug},
            {
                "name": _require(record, "name", where),
                "description": _optional(record, "description", where, ""),
                "order": _optional(record, "order", where, index, int),
            },
            kind="categories",
            where=where,
            report=report,
        )

    personas: dict[str, Persona] = {}
    for index, record, where in _checked_records(data, "personas"):
        slug = _require(record, "slug", where)
        personas[slug] = _upsert(
            Persona,
            {"slug": slug},
            {
                "name": _require(record, "name", where),
                "lens": _require(record, "lens", where),
                "order": _optional(record, "order", where, index, int),
                "is_active": _optional(record, "active", where, True, bool),
            },
            kind="personas",
            where=where,
            report=report,
        )

    for _index, record, where in _checked_records(data, "tools"):
        slug = _require(record, "slug", where)
        category_slug = _require(record, "category", where)
        category = (
            categories.get(category_slug) or Category.objects.filter(slug=category_slug).first()
        )
        if category is None:
            raise ImportFailed(f"{where}: field 'category': unknown category {category_slug!r}")
        published = _optional(record, "published", where, False, bool)
        published_at = _parse_when(record.get("published_at"), where)
        if published and published_at is None:
            raise ImportFailed(f"{where}: field 'published_at' is required when published")
        tool = _upsert(
            Tool,
            {"slug": slug},
            {
                "name": _require(record, "name", where),
                "tagline": _require(record, "tagline", where),
                "category": category,
                "entry_price": _require(record, "entry_price", where),
                "pricing": _optional(record, "pricing", where, ""),
                "best_for": _optional(record, "best_for", where, ""),
                "description": _optional(record, "description", where, ""),
                "website": _optional(record, "website", where, ""),
                "vendor": _optional(record, "vendor", where, ""),
                "status": PublicationState.PUBLISHED if published else PublicationState.DRAFT,
                "published_at": published_at,
            },
            kind="tools",
            where=where,
            report=report,
        )
        tool_ids.append(tool.pk)
        reviews = _optional(record, "reviews", where, [], list)
        seen: set[str] = set()
        for review_index, review in enumerate(reviews):
            review_where = f"{where} reviews[{review_index}]"
            if not isinstance(review, dict):
                raise ImportFailed(f"{review_where}: expected an object")
            _refuse_unknown_keys(review, "reviews", review_where)
            persona_slug = _require(review, "persona", review_where)
            persona = (
                personas.get(persona_slug) or Persona.objects.filter(slug=persona_slug).first()
            )
            if persona is None:
                raise ImportFailed(
                    f"{review_where}: field 'persona': unknown persona {persona_slug!r}"
                )
            if persona_slug in seen:
                raise ImportFailed(
                    f"{review_where}: field 'persona': {persona_slug!r} reviews this tool twice"
                )
            seen.add(persona_slug)
            review_published = _optional(review, "published", review_where, True, bool)
            _upsert(
                Review,
                {"tool": tool, "persona": persona},
                {
                    "score": _require(review, "score", review_where, int),
                    "verdict": _require(review, "verdict", review_where),
                    "body": _require(review, "body", review_where),
                    "status": PublicationState.PUBLISHED
                    if review_published
                    else PublicationState.DRAFT,
                },
                kind="reviews",
                where=review_where,
                report=report,
            )
    return report, tool_ids
