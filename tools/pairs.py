"""Two tools side by side: one canonical spelling for every pair.

A comparison of A and B lives at one address whichever way round a reader asks for it: the
slugs sorted alphabetically, joined by ``-vs-`` (``/compare/cursor-vs-github-copilot/``).
Comparison pages, share cards, bookmarks and the digest all spell pairs through here.
"""

from __future__ import annotations

from django.urls import reverse

from tools.models import is_tool_slug

PAIR_SEPARATOR = "-vs-"


def canonical_pair(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first <= second else (second, first)


def pair_slug(first: str, second: str) -> str:
    """The canonical ``a-vs-b`` for two tool slugs."""
    return PAIR_SEPARATOR.join(canonical_pair(first, second))


def comparison_path(first: str, second: str) -> str:
    return reverse("comparisons:detail", kwargs={"pair": pair_slug(first, second)})


def split_pair(text: str) -> list[tuple[str, str]]:
    """Every way to read ``text`` as "<a>-vs-<b>"; a slug may itself contain "-vs-"."""
    readings = []
    start = text.find(PAIR_SEPARATOR)
    while start > 0:
        first, second = text[:start], text[start + len(PAIR_SEPARATOR) :]
        if is_tool_slug(first) and is_tool_slug(second):
            readings.append((first, second))
        start = text.find(PAIR_SEPARATOR, start + 1)
    return readings
