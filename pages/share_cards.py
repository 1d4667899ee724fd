"""Open Graph share images (1200 x 630 PNG) drawn from the verdict data with Pillow.

Each image is cached under a hash of exactly the data it shows plus the design version,
so a new review or a shift in community votes changes the key and the next request draws
a fresh image; nothing has to remember to invalidate anything. The same hash is the ETag.
"""

from __future__ import annotations

import hashlib
import io
import json
from dataclasses import asdict, dataclass
from functools import cache

from django.conf import settings
from django.core.cache import cache as django_cache
from PIL import Image, ImageDraw, ImageFont

from badges.metrics import FONT_DIR
from tools.logos import monogram
from tools.models import Logo, Tool

WIDTH, HEIGHT = 1200, 630
MARGIN = 64
# Bump when the drawing changes, so cached images of the old design are not served.
DESIGN_VERSION = 3

BACKGROUND = "#12151a"
SURFACE = "#1c2129"
TEXT = "#e8ebef"
MUTED = "#aab3bf"
BRAND = "#7fdc9c"
TILE = "#2a303a"
VERDICT_COLOURS = {
    "ship": ("#7fdc9c", "#0c2416"),
    "skip": ("#ff9d94", "#2d0f0c"),
    "split": ("#f3c66b", "#2a1f05"),
    "pending": ("#c3cad3", "#1b1f24"),
}
VERDICT_ICONS = {"ship": "▲", "skip": "▼", "split": "◆", "pending": "…"}


@cache
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont:
    # The DejaVu files bundled for the badges: they have the verdict arrows, which the
    # slim production image has no system font for (Pillow's own font draws them as boxes).
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(FONT_DIR / name), size)


@dataclass(frozen=True)
class ToolFace:
    """Everything a share image shows about one tool, and nothing else."""

    name: str
    tagline: str
    category: str
    verdict: str
    verdict_label: str
    counts_line: str
    average: int | None
    community_line: str
    # The logo's digest, or None for the monogram: a new logo makes a new image.
    logo: str | None = None

    @classmethod
    def of(cls, tool: Tool) -> ToolFace:
        """Needs a tool from ``Tool.objects.with_stats()``."""
        panel = tool.panel
        return cls(
            name=tool.name,
            tagline=tool.tagline,
            category=tool.category.name,
            verdict=panel.verdict,
            verdict_label=panel.label,
            counts_line=panel.detail,
            average=panel.average,
            community_line=tool.community.line,
            logo=tool.logo_id,
        )


@dataclass(frozen=True)
class ShareCard:
    png: bytes
    etag: str


def fingerprint(kind: str, *faces: ToolFace) -> str:
    data = {"kind": kind, "design": DESIGN_VERSION, "faces": [asdict(face) for face in faces]}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:32]


def cached_card(kind: str, *faces: ToolFace) -> ShareCard:
    etag = fingerprint(kind, *faces)
    key = f"sharecard:{etag}"
    png = django_cache.get(key)
    if png is None:
        logos = _logo_images(faces)
        png = draw_tool(faces[0], logos=logos) if kind == "tool" else draw_pair(*faces, logos=logos)
        django_cache.set(key, png, settings.SHIPORSKIP_SHARE_CARD_CACHE_SECONDS)
    return ShareCard(png=png, etag=etag)


def tool_card(tool: Tool) -> ShareCard:
    return cached_card("tool", ToolFace.of(tool))


def pair_card(first: Tool, second: Tool) -> ShareCard:
    return cached_card("pair", ToolFace.of(first), ToolFace.of(second))


def _logo_images(faces: tuple[ToolFace, ...]) -> dict[str, Image.Image]:
    """The largest rendition of each face's logo, read only when an image is drawn."""
    digests = {face.logo for face in faces if face.logo}
    if not digests:
        return {}
    stored = Logo.objects.filter(pk__in=digests).values_list("pk", "large")
    # Our own re-encoded PNGs (tools.logos), not uploads: safe to decode as they are.
    return {digest: Image.open(io.BytesIO(bytes(png))).convert("RGBA") for digest, png in stored}


# --- Drawing -------------------------------------------------------------------------


def _width(draw: ImageDraw.ImageDraw, text: str, face) -> float:
    return draw.textlength(text, font=face)


def _clip(draw: ImageDraw.ImageDraw, text: str, face, max_width: float) -> str:
    """``text`` cut with an ellipsis to fit ``max_width``."""
    if _width(draw, text, face) <= max_width:
        return text
    while text and _width(draw, text + "…", face) > max_width:
        text = text[:-1]
    # End on a whole word when there is one to end on.
    if " " in text.strip():
        text = text.rstrip().rsplit(" ", 1)[0]
    return text.rstrip(" ,;:·-") + "…"


def _wrap(draw: ImageDraw.ImageDraw, text: str, face, max_width: float, lines: int) -> list[str]:
    """Greedy word wrap into at most ``lines`` lines; the last one ends in … if cut."""
    words, wrapped, current = text.split(), [], ""
    for index, word in enumerate(words):
        trial = f"{current} {word}".strip()
        if _width(draw, trial, face) <= max_width or not current:
            current = trial
            continue
        wrapped.append(current)
        current = word
        if len(wrapped) == lines - 1:
            current = " ".join(words[index:])
            break
    if current:
        wrapped.append(current)
    return [_clip(draw, line, face, max_width) for line in wrapped[:lines]]


def _fitted(draw: ImageDraw.ImageDraw, text: str, max_width: float, sizes: list[int]):
    """The largest bold font from ``sizes`` that fits ``text`` on one line, and the text."""
    for size in sizes:
        face = font(size, bold=True)
        if _width(draw, text, face) <= max_width:
            return face, text
    face = font(sizes[-1], bold=True)
    return face, _clip(draw, text, face, max_width)


def _brand(draw: ImageDraw.ImageDraw, caption: str) -> None:
    mark_font, word_font = font(34, bold=True), font(34, bold=True)
    draw.text((MARGIN, 52), "▲▼", font=mark_font, fill=BRAND)
    draw.text(
        (MARGIN + _width(draw, "▲▼ ", mark_font), 52), "ShipOrSkip", font=word_font, fill=TEXT
    )
    caption_font = font(26)
    draw.text(
        (WIDTH - MARGIN - _width(draw, caption, caption_font), 58),
        caption,
        font=caption_font,
        fill=MUTED,
    )


def _pill(draw: ImageDraw.ImageDraw, xy: tuple[int, int], face: ToolFace, size: int) -> int:
    """The verdict in words and an icon, never colour alone; returns the pill's width."""
    foreground, background = VERDICT_COLOURS.get(face.verdict, VERDICT_COLOURS["pending"])
    label = f"{VERDICT_ICONS.get(face.verdict, '')} {face.verdict_label}"
    label_font = font(size, bold=True)
    left, top = xy
    pad_x, pad_y = size // 2, size // 4
    width = int(_width(draw, label, label_font)) + 2 * pad_x
    height = size + 2 * pad_y
    draw.rounded_rectangle(
        (left, top, left + width, top + height), radius=height // 2, fill=foreground
    )
    draw.text((left + pad_x, top + pad_y - size // 10), label, font=label_font, fill=background)
    return width


def _logo(
    image: Image.Image,
    face: ToolFace,
    logos: dict[str, Image.Image],
    xy: tuple[int, int],
    size: int,
) -> None:
    """The tool's logo in a ``size`` square at ``xy``, or its monogram on a neutral tile."""
    picture = logos.get(face.logo) if face.logo else None
    if picture is not None:
        resized = picture.resize((size, size), Image.Resampling.LANCZOS)
        image.paste(resized, xy, mask=resized)  # its own alpha: transparent stays background
        return
    draw = ImageDraw.Draw(image)
    left, top = xy
    draw.rounded_rectangle((left, top, left + size, top + size), radius=size // 6, fill=TILE)
    draw.text(
        (left + size / 2, top + size / 2),
        monogram(face.name),
        font=font(int(size * 0.4), bold=True),
        fill=MUTED,
        anchor="mm",
    )


def _render(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    # zlib's default level: optimize=True costs four times the CPU for 4% fewer bytes.
    image.save(buffer, format="PNG")
    return buffer.getvalue()


LOGO_SIZE = 168
PAIR_LOGO_SIZE = 88


def _category_and_name(
    draw: ImageDraw.ImageDraw,
    face: ToolFace,
    at: tuple[int, int],
    width: int,
    category_size: int,
    name_sizes: list[int],
) -> None:
    """The category in small capitals, the name under it in the largest size that fits."""
    left, top = at
    category_font = font(category_size)
    draw.text(
        (left, top),
        _clip(draw, face.category.upper(), category_font, width),
        font=category_font,
        fill=MUTED,
    )
    name_font, name = _fitted(draw, face.name, width, name_sizes)
    draw.text((left, top + category_size + 12), name, font=name_font, fill=TEXT)


def draw_tool(face: ToolFace, *, logos: dict[str, Image.Image] | None = None) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    # The name and tagline stop short of the logo in the top right corner.
    text_width = WIDTH - 2 * MARGIN - LOGO_SIZE - 32
    _brand(draw, "Ship or skip?")
    _logo(image, face, logos or {}, (WIDTH - MARGIN - LOGO_SIZE, 140), LOGO_SIZE)

    _category_and_name(draw, face, (MARGIN, 140), text_width, 26, [84, 72, 62, 54, 48])
    tagline_font = font(32)
    for row, line in enumerate(_wrap(draw, face.tagline, tagline_font, text_width, 2)):
        draw.text((MARGIN, 290 + row * 44), line, font=tagline_font, fill=MUTED)

    draw.rectangle((0, 410, WIDTH, HEIGHT), fill=SURFACE)
    draw.text((MARGIN, 432), "PANEL VERDICT", font=font(22, bold=True), fill=MUTED)
    pill_width = _pill(draw, (MARGIN, 468), face, 56)
    facts = face.counts_line + (
        f"  ·  average {face.average}/100" if face.average is not None else ""
    )
    facts_left = MARGIN + pill_width + 28
    draw.text(
        (facts_left, 488),
        _clip(draw, facts, font(32), WIDTH - MARGIN - facts_left),
        font=font(32),
        fill=TEXT,
    )
    draw.text((MARGIN, 566), "COMMUNITY", font=font(22, bold=True), fill=MUTED)
    draw.text(
        (MARGIN + 170, 560),
        _clip(draw, face.community_line, font(30), WIDTH - 2 * MARGIN - 170),
        font=font(30),
        fill=TEXT,
    )
    return _render(image)


def draw_pair(
    first: ToolFace, second: ToolFace, *, logos: dict[str, Image.Image] | None = None
) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    _brand(draw, "Head to head")
    gutter = 120
    column_width = (WIDTH - 2 * MARGIN - gutter) // 2
    draw.rectangle((0, 140, WIDTH, HEIGHT), fill=SURFACE)
    vs_font = font(44, bold=True)
    draw.text((WIDTH / 2, 330), "vs", font=vs_font, fill=MUTED, anchor="mm")
    for column, face in enumerate((first, second)):
        left = MARGIN + column * (column_width + gutter)
        _logo(image, face, logos or {}, (left, 176), PAIR_LOGO_SIZE)
        # Category and name stand right of the logo; the rest uses the column's width.
        named_left = left + PAIR_LOGO_SIZE + 20
        named_width = column_width - PAIR_LOGO_SIZE - 20
        _category_and_name(draw, face, (named_left, 172), named_width, 24, [64, 54, 46, 40, 34])
        tagline_font = font(26)
        for row, line in enumerate(_wrap(draw, face.tagline, tagline_font, column_width, 2)):
            draw.text((left, 292 + row * 36), line, font=tagline_font, fill=MUTED)
        _pill(draw, (left, 390), face, 48)
        facts = face.counts_line + (
            f" · avg {face.average}/100" if face.average is not None else ""
        )
        draw.text((left, 474), _clip(draw, facts, font(28), column_width), font=font(28), fill=TEXT)
        community = f"Community: {face.community_line}"
        draw.text(
            (left, 528), _clip(draw, community, font(26), column_width), font=font(26), fill=MUTED
        )
    return _render(image)
