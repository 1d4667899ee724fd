"""Two tools side by side: one canonical spelling for every pair.

A comparison of A and B lives at one address whichever way round a reader asks for it:
the slugs sorted alphabetically, joined by ``-vs-`` (``/compare/cursor-vs-github-copilot/``).
"""

from __future__ import annotations

PAIR_SEPARATOR = "-vs-"


def canonical_pair(first: str, second: str) -> tuple[str, str]:
    return (first, second) if first <= second else (second, first)


def pair_slug(first: str, second: str) -> str:
    return PAIR_SEPARATOR.join(canonical_pair(first, second))


def comparison_path(first: str, second: str) -> str:
    return f"/compare/{pair_slug(first, second)}/"


def split_pair(text: str) -> list[tuple[str, str]]:
    """Every way to read ``text`` as "<a>-vs-<b>"; a slug may itself contain "-vs-"."""
    readings = []
    start = text.find(PAIR_SEPARATOR)
    while start > 0:
        first, second = text[:start], text[start + len(PAIR_SEPARATOR) :]
        if second:
            readings.append((first, second))
        start = text.find(PAIR_SEPARATOR, start + 1)
    return readings
