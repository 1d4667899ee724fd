"""Text measurement for badges, from the real advance widths of the bundled DejaVu Sans.

The widths are read once, at import, into plain dicts (codepoint -> advance in em), so
measuring a string is a dict lookup per character. The SVG then pins each text run to the
measured width with ``textLength``, so whatever font the viewer falls back to, the text
occupies exactly the space we reserved for it.

Characters the font lacks get a documented fallback instead of a guess of zero:

- combining marks, format and control characters (ZWJ, variation selectors, ...) take no
  space of their own;
- everything else missing (CJK, kana, most emoji, other scripts) takes 1 em, which is the
  advance of a wide East Asian glyph and at least that of any emoji font we know of;
- wide and fullwidth characters the font does have (a few emoji) take at least 1 em too,
  because browsers draw them with a colour emoji font, not with DejaVu.

Over-estimating is safe (``textLength`` stretches the run a little); under-estimating would
let text run into its neighbour, which is the bug this module exists to prevent.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

from fontTools.ttLib import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "DejaVu Sans,Verdana,Geneva,sans-serif"
ELLIPSIS = "…"
FALLBACK_EM = 1.0
ZERO_WIDTH_CATEGORIES = {"Mn", "Me", "Cf", "Cc"}
ZERO_WIDTH_JOINER = "\u200d"


def _load_advances(filename: str) -> dict[int, float]:
    font = TTFont(FONT_DIR / filename, lazy=True)
    units_per_em = font["head"].unitsPerEm
    metrics = font["hmtx"].metrics
    advances = {
        codepoint: metrics[glyph][0] / units_per_em
        for codepoint, glyph in font.getBestCmap().items()
    }
    font.close()
    return advances


_ADVANCES = {
    False: _load_advances("DejaVuSans.ttf"),
    True: _load_advances("DejaVuSans-Bold.ttf"),
}


def char_em(char: str, *, bold: bool = False) -> float:
    """The advance of one character, in em."""
    wide = unicodedata.east_asian_width(char) in ("W", "F")
    advance = _ADVANCES[bold].get(ord(char))
    if advance is not None:
        return max(advance, FALLBACK_EM) if wide else advance
    if unicodedata.category(char) in ZERO_WIDTH_CATEGORIES:
        return 0.0
    return FALLBACK_EM


def text_width(text: str, size: float, *, bold: bool = False) -> float:
    """Width of ``text`` in px at ``size`` px.

    A character joined to the previous one by a zero-width joiner (family and profession
    emoji) is drawn inside that glyph, so it adds nothing.
    """
    total = 0.0
    previous = ""
    for char in text:
        if previous != ZERO_WIDTH_JOINER:
            total += char_em(char, bold=bold)
        previous = char
    return total * size


def fit(text: str, max_width: float, size: float, *, bold: bool = False) -> str:
    """``text`` if it fits in ``max_width`` px, else its longest prefix that fits plus "…"."""
    if text_width(text, size, bold=bold) <= max_width:
        return text
    budget = max_width - text_width(ELLIPSIS, size, bold=bold)
    used = 0.0
    previous = ""
    kept = []
    for char in text:
        if previous != ZERO_WIDTH_JOINER:
            used += char_em(char, bold=bold) * size
        if used > budget:
            break
        kept.append(char)
        previous = char
    # Never end on a joiner or on spaces: they would dangle before the ellipsis.
    return "".join(kept).rstrip(ZERO_WIDTH_JOINER).rstrip() + ELLIPSIS
