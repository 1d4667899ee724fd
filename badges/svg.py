"""The badge images, as SVG text.

Two styles: ``card`` (360 x 90: verdict panel, tool name, panel and community figures),
the default because the original site's vendor snippet asks for it with no ``style`` and
sizes it 360 x 90, and ``compact`` (360 x 20, shields-like: the ShipOrSkip mark on the left,
the verdict on the right). Each style has one size whatever the figures say, so the width
and height in a snippet pasted years ago still fit today's badge. Three themes: ``light``,
``dark`` and ``auto``, which follows the viewer's ``prefers-color-scheme`` from a media query
inside the SVG.

Every text run is measured with ``badges.metrics`` and pinned with ``textLength``; every
piece of text goes through ``xml_text``. Renders are pure functions of their inputs and
memoised, so a hot badge is rendered once per process.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass
from functools import lru_cache

from badges.data import BadgeData
from badges.metrics import FONT_FAMILY, fit, text_width
from tools.verdicts import PanelVerdict

STYLES = ("compact", "card")
THEMES = ("auto", "light", "dark")
DEFAULT_STYLE = "card"
DEFAULT_THEME = "auto"
NOT_REVIEWED = "not-reviewed"
CARD_WIDTH, CARD_HEIGHT = 360, 90
COMPACT_WIDTH, COMPACT_HEIGHT = 360, 20
SIZES = {"card": (CARD_WIDTH, CARD_HEIGHT), "compact": (COMPACT_WIDTH, COMPACT_HEIGHT)}

# Colour pairs from the site palette; text on each fill keeps at least 4.5:1 contrast.
PALETTES = {
    "light": {
        "bg": "#ffffff",
        "fg": "#1b1f24",
        "muted": "#4a5360",
        "border": "#d4d8de",
        "label": "#2f353d",
        "on_label": "#ffffff",
        "on_accent": "#ffffff",
        "mark_up": "#0f6b32",
        "mark_down": "#a3231b",
        PanelVerdict.SHIP: "#0f6b32",
        PanelVerdict.SKIP: "#a3231b",
        PanelVerdict.SPLIT: "#7a4b00",
        PanelVerdict.PENDING: "#4a5360",
        NOT_REVIEWED: "#5b6470",
    },
    "dark": {
        "bg": "#1c2129",
        "fg": "#e8ebef",
        "muted": "#aab3bf",
        "border": "#343b46",
        "label": "#343b46",
        "on_label": "#e8ebef",
        "on_accent": "#12151a",
        "mark_up": "#7fdc9c",
        "mark_down": "#ff9d94",
        PanelVerdict.SHIP: "#7fdc9c",
        PanelVerdict.SKIP: "#ff9d94",
        PanelVerdict.SPLIT: "#f3c66b",
        PanelVerdict.PENDING: "#c3cad3",
        NOT_REVIEWED: "#c3cad3",
    },
}
# On the compact badge the mark sits on the dark label in every theme.
ON_LABEL_MARK = ('fill="#7fdc9c"', 'fill="#ff9d94"')

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_WHITESPACE = re.compile(r"\s+")


def xml_text(value: object) -> str:
    """Escape for XML text and attribute values; drop characters XML 1.0 cannot carry."""
    return html.escape(_NOT_XML.sub("", str(value)), quote=True)


def one_line(value: str) -> str:
    return _WHITESPACE.sub(" ", _NOT_XML.sub("", value)).strip()


@dataclass(frozen=True)
class Rendered:
    svg: str
    etag: str
    width: int
    height: int


def normalise(style: str | None, theme: str | None) -> tuple[str, str]:
    """Unknown styles and themes fall back to the defaults rather than failing."""
    return (
        style if style in STYLES else DEFAULT_STYLE,
        theme if theme in THEMES else DEFAULT_THEME,
    )


def stylesheet(theme: str, accent_key: str) -> str:
    def rules(palette: dict) -> str:
        return (
            f".b{{fill:{palette['bg']}}}.f{{fill:{palette['fg']}}}"
            f".m{{fill:{palette['muted']}}}.r{{stroke:{palette['border']}}}"
            f".l{{fill:{palette['label']}}}.lt{{fill:{palette['on_label']}}}"
            f".a{{fill:{palette[accent_key]}}}.o{{fill:{palette['on_accent']}}}"
            f".mu{{fill:{palette['mark_up']}}}.md{{fill:{palette['mark_down']}}}"
        )

    base = f"text{{font-family:{FONT_FAMILY}}}.bold{{font-weight:700}}"
    if theme == "auto":
        return (
            base
            + rules(PALETTES["light"])
            + "@media (prefers-color-scheme:dark){"
            + rules(PALETTES["dark"])
            + "}"
        )
    return base + rules(PALETTES[theme])


def text(
    content: str,
    *,
    x: float,
    y: float,
    size: float,
    css: str,
    bold: bool = False,
    anchor: str = "start",
) -> str:
    width = text_width(content, size, bold=bold)
    classes = f"{css} bold" if bold else css
    anchor_attr = f' text-anchor="{anchor}"' if anchor != "start" else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size:g}" class="{classes}"{anchor_attr} '
        f'textLength="{width:.2f}" lengthAdjust="spacingAndGlyphs">{xml_text(content)}</text>'
    )


def mark(x: float, y: float, scale: float = 1.0, fills=('class="mu"', 'class="md"')) -> str:
    """The ShipOrSkip mark: an up triangle interlocked with a down one."""
    s = scale
    up, down = fills
    return (
        f'<path {up} d="M{x:.1f} {y + 8 * s:.1f}l{4 * s:.1f} {-8 * s:.1f}'
        f'l{4 * s:.1f} {8 * s:.1f}z"/>'
        f'<path {down} d="M{x + 6 * s:.1f} {y:.1f}h{8 * s:.1f}'
        f'l{-4 * s:.1f} {8 * s:.1f}z"/>'
    )


def verdict_icon(verdict: str, cx: float, top: float) -> str:
    shapes = {
        PanelVerdict.SHIP: f"M{cx - 11} {top + 20}L{cx} {top}L{cx + 11} {top + 20}z",
        PanelVerdict.SKIP: f"M{cx - 11} {top}H{cx + 11}L{cx} {top + 20}z",
        PanelVerdict.SPLIT: f"M{cx} {top}L{cx + 10} {top + 10}L{cx} {top + 20}L{cx - 10} "
        f"{top + 10}z",
    }
    if verdict in shapes:
        return f'<path class="o" d="{shapes[verdict]}"/>'
    return "".join(f'<circle class="o" cx="{cx + dx}" cy="{top + 12}" r="3"/>' for dx in (-9, 0, 9))


def description(data: BadgeData | None) -> str:
    """What the badge says, in one sentence, for screen readers and the title tooltip."""
    if data is None:
        return "ShipOrSkip: not reviewed"
    community = data.community
    figures = f"community {community.line}" if community.votes else "no community votes yet"
    award = "; Certified Ship" if data.certified else ""
    return f"ShipOrSkip verdict on {one_line(data.name)}: {data.panel.line}; {figures}{award}"


def message(data: BadgeData | None) -> str:
    """The compact badge's right-hand text."""
    if data is None:
        return "not reviewed"
    line = data.panel.line
    if data.community.is_shown:
        line += f" · {data.community.ship_percent}% community"
    if data.certified:
        line += " · Certified Ship"
    return line


# shields.io draws the badge itself from these facts; it re-reads them at most this often.
SHIELDS_CACHE_SECONDS = 300


def shields_endpoint(data: BadgeData | None) -> dict:
    """The badge's facts in shields.io's endpoint schema: same words, light-theme colours."""
    colour = PALETTES["light"][data.verdict if data else NOT_REVIEWED]
    return {
        "schemaVersion": 1,
        "label": "ShipOrSkip",
        "message": message(data),
        "color": colour.removeprefix("#"),
        "cacheSeconds": SHIELDS_CACHE_SECONDS,
    }


def svg_document(width: int, height: int, label: str, css: str, body: str) -> str:
    label = xml_text(label)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
        f"<title>{label}</title><style>{css}</style>{body}</svg>"
    )


def render_compact(data: BadgeData | None, theme: str) -> tuple[str, int, int]:
    size, pad, mark_width = 11, 6, 14
    label = "ShipOrSkip"
    label_width = text_width(label, size, bold=True)
    message_text = message(data)
    left = round(pad + mark_width + 4 + label_width + pad)
    width = COMPACT_WIDTH
    right = width - left
    # Fitted, never widened: the badge keeps its size as the figures grow.
    message_text = fit(message_text, right - 2 * pad, size)
    accent = data.verdict if data else NOT_REVIEWED
    body = (
        f'<rect class="l" width="{width}" height="{COMPACT_HEIGHT}" rx="3"/>'
        f'<rect class="a" x="{left}" width="{right}" height="{COMPACT_HEIGHT}" rx="3"/>'
        f'<rect class="a" x="{left}" width="4" height="{COMPACT_HEIGHT}"/>'
        + mark(pad, 6, fills=ON_LABEL_MARK)
        + text(label, x=pad + mark_width + 4, y=14, size=size, css="lt", bold=True)
        + text(message_text, x=left + right / 2, y=14, size=size, css="o", anchor="middle")
    )
    document = svg_document(
        width, COMPACT_HEIGHT, description(data), stylesheet(theme, accent), body
    )
    return document, width, COMPACT_HEIGHT


def render_card(data: BadgeData | None, theme: str) -> tuple[str, int, int]:
    panel_width, column_x = 92, 106
    column_width = CARD_WIDTH - column_x - 14
    accent = data.verdict if data else NOT_REVIEWED
    if data is None:
        word = "?"
        lines = ["Not reviewed yet", "ShipOrSkip has no verdict", "on this tool."]
    else:
        panel, community = data.panel, data.community
        word = panel.label
        shows_average = panel.has_verdict and panel.average is not None
        average = f" · avg {panel.average}/100" if shows_average else ""
        panel_line = f"Panel: {panel.detail}{average}"
        community_line = (
            f"Community: {community.line}" if community.votes else "Community: no votes yet"
        )
        lines = [one_line(data.name), panel_line, community_line]
    word_size = min(20.0, 78 / max(text_width(word, 1, bold=True), 0.01))
    body = [
        f'<rect class="b r" x="0.5" y="0.5" width="{CARD_WIDTH - 1}" '
        f'height="{CARD_HEIGHT - 1}" rx="8"/>',
        f'<rect class="a" width="{panel_width}" height="{CARD_HEIGHT}" rx="8"/>',
        f'<rect class="a" x="{panel_width - 8}" width="8" height="{CARD_HEIGHT}"/>',
        verdict_icon(accent, panel_width / 2, 16),
        text(
            word,
            x=panel_width / 2,
            y=66,
            size=round(word_size, 1),
            css="o",
            bold=True,
            anchor="middle",
        ),
    ]
    if data is not None and data.certified:
        body.append(
            text("CERTIFIED", x=panel_width / 2, y=82, size=8, css="o", bold=True, anchor="middle")
        )
    for content, y, size, css, bold in [
        (lines[0], 27, 16, "f", True),
        (lines[1], 47, 12, "f", False),
        (lines[2], 64, 12, "m", False),
    ]:
        body.append(
            text(
                fit(content, column_width, size, bold=bold),
                x=column_x,
                y=y,
                size=size,
                css=css,
                bold=bold,
            )
        )
    body.append(mark(column_x, 73, scale=0.8))
    body.append(text("ShipOrSkip", x=column_x + 16, y=81, size=10, css="m", bold=True))
    document = svg_document(
        CARD_WIDTH, CARD_HEIGHT, description(data), stylesheet(theme, accent), "".join(body)
    )
    return document, CARD_WIDTH, CARD_HEIGHT


def render(data: BadgeData | None, style: str | None = None, theme: str | None = None) -> Rendered:
    """The badge for ``data`` (None: the neutral "not reviewed" badge)."""
    return _render(data, *normalise(style, theme))


# Keyed on normalised options only, so junk query strings cannot crowd the memo.
@lru_cache(maxsize=2048)
def _render(data: BadgeData | None, style: str, theme: str) -> Rendered:
    renderer = render_card if style == "card" else render_compact
    document, width, height = renderer(data, theme)
    etag = '"' + hashlib.blake2b(document.encode(), digest_size=12).hexdigest() + '"'
    return Rendered(svg=document, etag=etag, width=width, height=height)
