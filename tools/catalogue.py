"""Every published tool, as the "compare with" links and the compare picker list them.

At 10,000 tools, loading each one as a model instance and rendering an ``<option>`` for it
took half a second of every tool page. The list changes only when the catalogue does, so
it is kept in the shared cache under the catalogue version that pages already compute for
their ETags, with each tool's ``<option>`` rendered and escaped once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from typing import NamedTuple

from django.core.cache import cache
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from tools.models import Tool

# A catalogue change gives a new key anyway; this only bounds how long dead keys linger.
CACHE_SECONDS = 3600


class Choice(NamedTuple):
    """Enough of a tool for a comparison link or a picker entry."""

    pk: int
    slug: str
    name: str
    category_id: int
    option: str


def compare_choices(version: tuple) -> list[Choice]:
    """Published tools by name; ``version`` is ``conditional.catalogue_version()``."""
    digest = hashlib.blake2b(repr(version).encode(), digest_size=12).hexdigest()
    key = f"tools:compare-choices:{digest}"
    choices = cache.get(key)
    if choices is None:
        rows = (
            Tool.objects.published()
            .compare_choices()
            .values_list("pk", "slug", "name", "category_id")
        )
        choices = [
            Choice(
                pk,
                slug,
                name,
                category_id,
                format_html('<option value="{}">{}</option>', slug, name),
            )
            for pk, slug, name, category_id in rows
        ]
        cache.set(key, choices, CACHE_SECONDS)
    return choices


def options_html(choices: list[Choice], *, exclude: Collection[int] = ()) -> SafeString:
    # Each option was escaped by format_html when the list was built.
    return mark_safe("".join(choice.option for choice in choices if choice.pk not in exclude))  # noqa: S308
