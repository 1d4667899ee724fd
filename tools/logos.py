"""Tool logos: checked by their content, redrawn at the few sizes the pages use.

An upload is untrusted bytes. It is accepted only if Pillow, allowed to use nothing but its
PNG, JPEG and WebP decoders, reads it whole within the limits below; then its pixels are
drawn afresh onto transparent squares and encoded as new PNGs. Nothing else of the file
survives: no EXIF (so no GPS position or camera serial), no text chunks, no ICC profile, no
trailing bytes, so a polyglot that is also HTML or a ZIP loses its second life on the way.
SVG is refused outright: it is a document that can carry script, not an image.

Renditions are served from ``/logos/<digest>/<size>.png``; the digest hashes the PNG bytes,
so a changed logo has new URLs and each URL can be cached for a year, immutable.
"""

from __future__ import annotations

import hashlib
import io
import re
import struct
import warnings
import zlib
from dataclasses import dataclass
from typing import IO

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 2 * 1024 * 1024
MAX_SIDE = 4096
ACCEPTED_FORMATS = ("PNG", "JPEG", "WEBP")
# Square renditions, in pixels, and the Logo field that keeps each. Pages show logos at
# 32, 40 and 64 CSS pixels (twice that on dense screens); share cards draw the largest.
RENDITIONS = {64: "small", 128: "medium", 256: "large"}
DIGEST_LENGTH = 32
_DIGEST = re.compile(rf"[0-9a-f]{{{DIGEST_LENGTH}}}")
# An SVG (or any XML or HTML) starts with markup, after an optional byte-order mark.
_MARKUP_START = re.compile(rb"\A(?:\xef\xbb\xbf)?\s*<")
_SVG_ROOT = re.compile(rb"<svg[\s>/]", re.IGNORECASE)

# What Pillow's decoders raise on damaged or hostile input. Each of these means "not an
# image we can read", which the editor hears as a form error rather than a server error.
_UNREADABLE = (OSError, SyntaxError, ValueError, TypeError, EOFError, struct.error, zlib.error)


@dataclass(frozen=True)
class RenderedLogo:
    """The PNG bytes of each rendition, and the digest that names them."""

    pngs: dict[int, bytes]

    @property
    def digest(self) -> str:
        hashed = hashlib.sha256()
        for size in sorted(self.pngs):
            hashed.update(self.pngs[size])
        return hashed.hexdigest()[:DIGEST_LENGTH]


def is_digest(value: str) -> bool:
    return _DIGEST.fullmatch(value) is not None


def logo_url(digest: str, size: int) -> str:
    return reverse("tools:logo", kwargs={"digest": digest, "size": size})


def rendition_for(pixels: int) -> int:
    """The smallest rendition at least ``pixels`` wide (the largest if none is)."""
    return next((size for size in sorted(RENDITIONS) if size >= pixels), max(RENDITIONS))


def monogram(name: str) -> str:
    """The first letters of a tool's first two words: "GitHub Copilot" gives "GC"."""
    words = re.findall(r"\w+", name)
    return "".join(word[0] for word in words[:2]).upper() or "?"


def read_logo(upload: IO[bytes], *, size: int | None = None) -> RenderedLogo:
    """Check an uploaded file and draw its renditions; ValidationError says what is wrong.

    ``size`` is the upload's declared size, checked before anything is read.
    """
    if size is not None and size > MAX_BYTES:
        raise _too_large(size)
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large(len(data))
    if not data:
        raise ValidationError("The file is empty.", code="empty")
    if _MARKUP_START.match(data):
        if _SVG_ROOT.search(data[:4096]):
            raise ValidationError(
                "SVG logos are not accepted: an SVG is a document that can carry script. "
                "Export the logo as a PNG or WebP and upload that.",
                code="svg",
            )
        raise _not_an_image()
    try:
        # Pillow only warns between its two decompression-bomb thresholds; here any image
        # it would warn about is refused too (and is far past MAX_SIDE anyway).
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as probe:
                _check_dimensions(*probe.size)
                # Walks the whole file: a PNG's chunk checksums, and its end.
                probe.verify()
            with Image.open(io.BytesIO(data), formats=ACCEPTED_FORMATS) as image:
                image.load()
                return _render(image)
    except UnidentifiedImageError:
        raise _not_an_image() from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            f"The image claims to be far larger than {MAX_SIDE} by {MAX_SIDE} pixels; logos "
            f"may be at most {MAX_SIDE} pixels a side.",
            code="bomb",
        ) from None
    except _UNREADABLE:
        raise ValidationError(
            "The image could not be read: it is damaged or cut short. Export it again as a "
            "PNG, JPEG or WebP and upload that.",
            code="unreadable",
        ) from None


def _too_large(size: int) -> ValidationError:
    return ValidationError(
        f"The file is {filesizeformat(size)}; logos may be at most {filesizeformat(MAX_BYTES)}.",
        code="too_large",
    )


def _not_an_image() -> ValidationError:
    return ValidationError(
        "This is not a PNG, JPEG or WebP image. Logos must be one of those three.",
        code="format",
    )


def _check_dimensions(width: int, height: int) -> None:
    if width > MAX_SIDE or height > MAX_SIDE:
        raise ValidationError(
            f"The image is {width} by {height} pixels; logos may be at most {MAX_SIDE} "
            "pixels a side.",
            code="dimensions",
        )
    if width < 1 or height < 1:
        raise _not_an_image()


def _render(image: Image.Image) -> RenderedLogo:
    # Phones store JPEGs sideways with an orientation tag; turn the pixels upright before
    # the tag is dropped with the rest of the metadata.
    upright = ImageOps.exif_transpose(image).convert("RGBA")
    pngs = {}
    for size in RENDITIONS:
        canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
        fitted = ImageOps.contain(upright, (size, size), Image.Resampling.LANCZOS)
        canvas.paste(fitted, ((size - fitted.width) // 2, (size - fitted.height) // 2))
        buffer = io.BytesIO()
        # A new image carries no info dictionary, so no metadata is written.
        canvas.save(buffer, format="PNG", optimize=True)
        pngs[size] = buffer.getvalue()
    return RenderedLogo(pngs=pngs)
