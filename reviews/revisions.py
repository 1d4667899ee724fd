"""A tool's revisions, as editors read them: who changed what, before and after.

The rows are written by PostgreSQL triggers (django-pghistory), so every kind of change
is there: admin saves, bulk actions, imports and anything else. A revision holds the row
as it stood after the change (before it, for a deletion); the "before" of a change is the
same row's previous revision.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from itertools import chain

from django.contrib.auth import get_user_model

from reviews.models import Persona, ReviewRevision
from tools.models import EDITORIAL_FIELDS, Category, Tool, ToolRevision

# Newest revisions shown per tool; older ones stay in the table.
REVISIONS_SHOWN = 200


REVIEW_FIELDS = ["score", "verdict", "status", "body"]
LABELS = {"insert": "created", "update": "changed", "delete": "deleted"}


@dataclass(frozen=True)
class Change:
    field: str
    before: object
    after: object


@dataclass(frozen=True)
class Revision:
    when: datetime.datetime
    who: str
    subject: str
    action: str
    changes: list[Change] = field(default_factory=list)


def _who(context, users: dict) -> str:
    metadata = context.metadata if context else {}
    user = users.get(metadata.get("user"))
    via = metadata.get("via", "")
    if user is not None:
        return f"{user.get_username()} ({via})" if via else user.get_username()
    return via or "unrecorded (shell or database)"


def _display(row, name: str, names: dict) -> object:
    if name == "category":
        return names["category"].get(row.category_id, row.category_id)
    value = getattr(row, name)
    if name in ("status", "verdict", "entry_price") and value:
        return dict(_choices(name)).get(value, value)
    return value


def _choices(name: str):
    model = ReviewRevision if name == "verdict" else ToolRevision
    return model._meta.get_field(name).choices or []


def _changes(row, previous, fields: list[str], names: dict) -> list[Change]:
    """What ``row`` changed against ``previous``, the same row's revision before it."""
    if row.pgh_label == "delete":
        return [Change(name.replace("_", " "), _display(row, name, names), None) for name in fields]
    changes = []
    for name in fields:
        after = _display(row, name, names)
        before = None if previous is None else _display(previous, name, names)
        if before != after and not (previous is None and after in ("", None)):
            changes.append(Change(name.replace("_", " "), before, after))
    return changes


def tool_revisions(tool: Tool, *, limit: int = REVISIONS_SHOWN) -> list[Revision]:
    """``tool``'s own revisions and its reviews', newest first: five queries."""
    tool_rows = list(
        ToolRevision.objects.filter(pgh_obj_id=tool.pk)
        .select_related("pgh_context")
        .order_by("pgh_created_at", "pgh_id")
    )
    review_rows = list(
        ReviewRevision.objects.filter(tool_id=tool.pk)
        .select_related("pgh_context")
        .order_by("pgh_created_at", "pgh_id")
    )
    user_ids = {
        row.pgh_context.metadata.get("user")
        for row in chain(tool_rows, review_rows)
        if row.pgh_context is not None
    } - {None}
    users = get_user_model().objects.in_bulk(user_ids)
    names = {
        "category": dict(
            Category.objects.filter(pk__in={row.category_id for row in tool_rows}).values_list(
                "pk", "name"
            )
        ),
        "persona": dict(
            Persona.objects.filter(pk__in={row.persona_id for row in review_rows}).values_list(
                "pk", "name"
            )
        ),
    }
    revisions = []
    for rows, fields, subject in (
        (tool_rows, EDITORIAL_FIELDS, lambda row: "Tool"),
        (
            review_rows,
            REVIEW_FIELDS,
            lambda row: f"Review by {names['persona'].get(row.persona_id, row.persona_id)}",
        ),
    ):
        previous_of: dict[int, object] = {}
        for row in rows:
            previous = previous_of.get(row.pgh_obj_id)
            revisions.append(
                Revision(
                    when=row.pgh_created_at,
                    who=_who(row.pgh_context, users),
                    subject=subject(row),
                    action=LABELS.get(row.pgh_label, row.pgh_label),
                    changes=_changes(row, previous, fields, names),
                )
            )
            previous_of[row.pgh_obj_id] = row
    revisions.sort(key=lambda revision: revision.when, reverse=True)
    return revisions[:limit]
