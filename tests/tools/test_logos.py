"""Tool logos: hostile uploads are refused or defused, renditions carry nothing but pixels,
and every page shows the logo (or a monogram) from an immutable, content-named URL."""

import io
import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageFile

from tools import logos
from tools.logos import read_logo

# --- Files, good and hostile ------------------------------------------------------------


def picture(size=(300, 200), mode="RGBA", colour=(200, 40, 40, 255)) -> Image.Image:
    image = Image.new(mode, size, colour if mode == "RGBA" else colour[:3])
    # A transparent band, so the renditions must keep alpha.
    for x in range(size[0] // 3):
        for y in range(size[1]):
            image.putpixel((x, y), (0, 0, 0, 0) if mode == "RGBA" else (255, 255, 255))
    return image


def png_bytes(image: Image.Image | None = None, **save) -> bytes:
    buffer = io.BytesIO()
    (image or picture()).save(buffer, format="PNG", **save)
    return buffer.getvalue()


def jpeg_bytes(image: Image.Image | None = None, **save) -> bytes:
    buffer = io.BytesIO()
    (image or picture(mode="RGB")).save(buffer, format="JPEG", quality=90, **save)
    return buffer.getvalue()


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A tiny file whose header claims ``width`` x ``height`` grey pixels: a bomb's shape."""
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    # Rows of zeros compress about a thousandfold; a few rows make the point.
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


SCRIPT = b"<script>alert(document.cookie)</script>"


def png_html_polyglot() -> bytes:
    """A real PNG that is also an HTML page: markup in a text chunk and after the end."""
    png = png_bytes()
    text = chunk(b"tEXt", b"Comment\x00<html><body>" + SCRIPT + b"</body></html>")
    head, end = png[:33], png[33:]  # signature + IHDR, then the rest
    return head + text + end + b"<html>" + SCRIPT + b"</html>"


def jpeg_zip_polyglot() -> bytes:
    """A JPEG with a ZIP archive appended: opens as either, depending on who reads it."""
    archive = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(archive, "w") as bundle:
        bundle.writestr("payload.html", SCRIPT)
    return jpeg_bytes() + archive.getvalue()


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
    b'<script>alert(1)</script><rect width="64" height="64" fill="red"/></svg>'
)


def read(data: bytes) -> logos.RenderedLogo:
    return read_logo(io.BytesIO(data), size=len(data))


def refusal(data: bytes) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        read(data)
    return caught.value


def chunk_types(png: bytes) -> list[bytes]:
    types, offset = [], 8
    while offset < len(png):
        (length,) = struct.unpack(">I", png[offset : offset + 4])
        types.append(png[offset + 4 : offset + 8])
        offset += 12 + length
    return types


# --- Reading and redrawing ---------------------------------------------------------------


@pytest.mark.parametrize("encode", [png_bytes, jpeg_bytes], ids=["png", "jpeg"])
def test_a_good_logo_is_redrawn_as_square_pngs_of_each_size(encode):
    rendered = read(encode())
    assert sorted(rendered.pngs) == [64, 128, 256]
    for size, png in rendered.pngs.items():
        image = Image.open(io.BytesIO(png))
        assert (image.format, image.size, image.mode) == ("PNG", (size, size), "RGBA")
    assert len(rendered.digest) == 32 and logos.is_digest(rendered.digest)
    # The same picture gives the same names: uploads of one logo share one row.
    assert read(encode()).digest == rendered.digest


def test_webp_is_accepted_and_transparency_survives():
    buffer = io.BytesIO()
    picture().save(buffer, format="WEBP", lossless=True)
    large = Image.open(io.BytesIO(read(buffer.getvalue()).pngs[256]))
    assert large.getpixel((128, 128))[3] == 255
    # 300 x 200 fits the square's width; the bands above and below stay transparent.
    assert large.getpixel((128, 5))[3] == 0


def test_renditions_keep_no_metadata():
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 0.0)}  # a GPS position
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "someone@example.com")
    source = png_bytes(exif=exif, pnginfo=info, icc_profile=b"\x00" * 16)
    for png in read(source).pngs.values():
        assert set(chunk_types(png)) <= {b"IHDR", b"IDAT", b"IEND"}
        assert b"SecretCam" not in png and b"someone@example.com" not in png


def test_a_sideways_phone_photo_is_turned_upright():
    wide = Image.new("RGB", (400, 100), (20, 120, 220))
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    large = Image.open(io.BytesIO(read(jpeg_bytes(wide, exif=exif)).pngs[256]))
    # Upright it is 100 wide and 400 high: the square's left and right edges stay empty.
    assert large.getpixel((10, 128))[3] == 0
    assert large.getpixel((128, 10))[3] == 255


# --- Hostile files -------------------------------------------------------------------------


def test_an_svg_with_script_is_refused_as_svg():
    error = refusal(SVG_WITH_SCRIPT)
    assert error.code == "svg"
    assert "SVG logos are not accepted" in error.message
    # Without the XML declaration, with a byte-order mark and leading blanks: still SVG.
    assert refusal(b"\xef\xbb\xbf \n<svg onload='alert(1)'></svg>").code == "svg"


def test_a_png_html_polyglot_loses_everything_but_its_pixels():
    polyglot = png_html_polyglot()
    assert Image.open(io.BytesIO(polyglot)).format == "PNG"  # it really is both
    for png in read(polyglot).pngs.values():
        assert b"<script" not in png and b"<html" not in png
        assert chunk_types(png)[-1] == b"IEND" and png.endswith(chunk(b"IEND", b""))


def test_a_jpeg_zip_polyglot_loses_its_archive():
    for png in read(jpeg_zip_polyglot()).pngs.values():
        assert b"PK\x03\x04" not in png and b"payload.html" not in png


def test_markup_that_hides_an_image_further_in_is_refused():
    error = refusal(b"<!doctype html><p>hi</p>" + SCRIPT + png_bytes())
    assert error.code == "format"


@pytest.mark.parametrize(
    "width,height",
    [(30_000, 30_000), (10_000, 10_000)],
    ids=["past Pillow's hard limit", "between Pillow's warning and its limit"],
)
def test_a_decompression_bomb_is_refused_before_it_is_decoded(width, height):
    bomb = png_declaring(width, height)
    assert len(bomb) < 2_000
    error = refusal(bomb)
    assert error.code == "bomb"
    assert "at most 4096 pixels a side" in error.message


def test_an_image_past_4096_pixels_a_side_is_refused():
    error = refusal(png_declaring(4097, 8))
    assert error.code == "dimensions"
    assert "4097 by 8 pixels" in error.message
    read(png_bytes(Image.new("L", (4096, 1))))  # the limit itself is fine


@pytest.mark.parametrize("encode", [png_bytes, jpeg_bytes], ids=["png", "jpeg"])
def test_a_truncated_file_is_refused(encode):
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False
    whole = encode(picture((600, 600)) if encode is png_bytes else picture((600, 600), "RGB"))
    error = refusal(whole[: len(whole) * 2 // 3])
    assert error.code == "unreadable"
    assert "damaged or cut short" in error.message


def test_a_file_over_2_mb_is_refused_before_and_after_reading():
    noise = Image.frombytes("RGB", (1000, 1000), bytes(range(256)) * 11718 + bytes(192))
    big = png_bytes(noise, compress_level=0)
    assert len(big) > logos.MAX_BYTES
    error = refusal(big)
    assert error.code == "too_large" and "at most 2.0\xa0MB" in error.message
    # A client that lies about the size is caught by the read.
    with pytest.raises(ValidationError) as caught:
        read_logo(io.BytesIO(big), size=10)
    assert caught.value.code == "too_large"


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n",
        b"BM" + b"\x00" * 60,
        b"just some text",
    ],
    ids=["gif", "pdf", "bmp", "text"],
)
def test_other_formats_are_refused_by_name(data):
    error = refusal(data)
    assert error.code == "format"
    assert "not a PNG, JPEG or WebP image" in error.message


def test_an_empty_file_is_refused():
    assert refusal(b"").code == "empty"


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    cut=st.integers(min_value=0, max_value=2000),
    flips=st.lists(st.tuples(st.integers(0, 1999), st.integers(0, 255)), max_size=8),
)
def test_damaged_images_never_raise_anything_but_a_validation_error(cut, flips):
    source = bytearray(
        png_bytes(picture((40, 30))) if cut % 2 else jpeg_bytes(picture((40, 30), "RGB"))
    )
    for offset, value in flips:
        if offset < len(source):
            source[offset] = value
    data = bytes(source[: max(cut, 1)])
    try:
        rendered = read(data)
    except ValidationError:
        return
    assert set(rendered.pngs) == set(logos.RENDITIONS)


def test_monograms_take_the_first_letters_of_two_words():
    assert logos.monogram("GitHub Copilot") == "GC"
    assert logos.monogram("Cursor") == "C"
    assert logos.monogram("Mixtral 8x22B (preview)") == "M8"
    assert logos.monogram("—") == "?"
