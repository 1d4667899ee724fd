"""Editors upload logos in the admin; every page that names a tool shows it, or a monogram."""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from tests.factories import ToolFactory, review_tool
from tests.tools.test_logos import SVG_WITH_SCRIPT, png_bytes, png_declaring, png_html_polyglot
from tools.logos import read_logo
from tools.models import Logo, Tool
from tools.services import set_logo

pytestmark = pytest.mark.django_db

LOGO_SRC = re.compile(r'src="(/logos/([0-9a-f]{32})/(\d+)\.png)"')


def rendered(data: bytes | None = None):
    data = data or png_bytes()
    return read_logo(io.BytesIO(data), size=len(data))


def change_form_data(tool: Tool, **extra) -> dict:
    return {
        "name": tool.name,
        "slug": tool.slug,
        "tagline": tool.tagline,
        "category": str(tool.category_id),
        "entry_price": tool.entry_price,
        "pricing": tool.pricing,
        "best_for": tool.best_for,
        "description": tool.description,
        "website": tool.website,
        "vendor": tool.vendor,
        "status": tool.status,
        "published_at_0": tool.published_at.strftime("%Y-%m-%d"),
        "published_at_1": tool.published_at.strftime("%H:%M:%S"),
        "reviews-TOTAL_FORMS": "0",
        "reviews-INITIAL_FORMS": "0",
        "reviews-MIN_NUM_FORMS": "0",
        "reviews-MAX_NUM_FORMS": "1000",
        **extra,
    }


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_editor_uploads_a_logo_and_readers_see_it_from_an_immutable_url(client, editor):
    tool = ToolFactory(name="Aider", slug="aider")
    client.force_login(editor)
    url = reverse("admin:tools_tool_change", args=[tool.pk])
    form = client.get(url).content.decode()
    assert 'enctype="multipart/form-data"' in form
    assert "None: pages show the tool&#x27;s initials." in form

    response = client.post(
        url, change_form_data(tool, logo_upload=upload("aider.png", png_bytes()))
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    tool.refresh_from_db()
    assert tool.logo_id
    client.logout()

    page = client.get(tool.get_absolute_url()).content.decode()
    src, digest, size = LOGO_SRC.search(page).groups()
    assert digest == tool.logo_id and size == "64"
    assert f'srcset="{src} 1x, /logos/{digest}/128.png 2x"' in page
    image = client.get(src)
    assert image.status_code == 200
    assert image["Content-Type"] == "image/png"
    assert image["Cache-Control"] == "public, max-age=31536000, immutable"
    assert image["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(image.content)).size == (64, 64)
    again = client.get(src, HTTP_IF_NONE_MATCH=image["ETag"])
    assert again.status_code == 304
    assert again["Cache-Control"] == "public, max-age=31536000, immutable"


def test_a_new_logo_gets_new_urls_and_the_old_one_is_dropped(client):
    tool = ToolFactory()
    set_logo(tool=tool, logo=rendered())
    first = tool.logo_id
    set_logo(tool=tool, logo=rendered(png_bytes(Image.new("RGBA", (50, 50), (0, 90, 200, 255)))))
    assert tool.logo_id != first
    assert not Logo.objects.filter(pk=first).exists()
    assert client.get(f"/logos/{first}/64.png").status_code == 404
    assert client.get(f"/logos/{tool.logo_id}/64.png").status_code == 200


def test_a_logo_two_tools_share_is_kept_while_either_uses_it():
    one, two = ToolFactory(), ToolFactory()
    set_logo(tool=one, logo=rendered())
    set_logo(tool=two, logo=rendered())
    assert one.logo_id == two.logo_id and Logo.objects.count() == 1
    set_logo(tool=one, logo=None)
    assert Logo.objects.count() == 1
    set_logo(tool=two, logo=None)
    assert Logo.objects.count() == 0


@pytest.mark.parametrize(
    "name,data,message",
    [
        ("logo.svg", SVG_WITH_SCRIPT, "SVG logos are not accepted"),
        ("logo.png", png_declaring(30_000, 30_000), "at most 4096 pixels a side"),
        ("logo.png", png_bytes()[:300], "damaged or cut short"),
        ("logo.png", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not a PNG, JPEG or WebP image"),
    ],
    ids=["svg with script", "bomb", "truncated", "gif"],
)
def test_a_hostile_upload_is_refused_with_a_clear_message_and_changes_nothing(
    client, editor, name, data, message
):
    tool = ToolFactory(name="Before")
    before = tool.updated_at
    client.force_login(editor)
    response = client.post(
        reverse("admin:tools_tool_change", args=[tool.pk]),
        change_form_data(tool, name="After", logo_upload=upload(name, data)),
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    tool.refresh_from_db()
    assert (tool.name, tool.logo_id, tool.updated_at) == ("Before", None, before)
    assert Logo.objects.count() == 0


def test_a_polyglot_upload_is_served_as_a_clean_png(client, editor):
    tool = ToolFactory()
    client.force_login(editor)
    client.post(
        reverse("admin:tools_tool_change", args=[tool.pk]),
        change_form_data(tool, logo_upload=upload("logo.png", png_html_polyglot())),
    )
    tool.refresh_from_db()
    for size in (64, 128, 256):
        served = client.get(f"/logos/{tool.logo_id}/{size}.png").content
        assert served.startswith(b"\x89PNG") and b"<script" not in served


def test_editor_removes_a_logo_and_the_monogram_returns(client, editor):
    tool = ToolFactory(name="GitHub Copilot")
    set_logo(tool=tool, logo=rendered())
    client.force_login(editor)
    url = reverse("admin:tools_tool_change", args=[tool.pk])
    assert f'src="/logos/{tool.logo_id}/64.png"' in client.get(url).content.decode()
    both = client.post(
        url, change_form_data(tool, remove_logo="on", logo_upload=upload("l.png", png_bytes()))
    )
    assert "Upload a new logo or remove it, not both." in both.content.decode()
    assert client.post(url, change_form_data(tool, remove_logo="on")).status_code == 302
    tool.refresh_from_db()
    assert tool.logo_id is None and Logo.objects.count() == 0
    page = client.get(tool.get_absolute_url()).content.decode()
    assert '<span class="logo logo-64 logo-monogram" aria-hidden="true">GC</span>' in page


@pytest.mark.parametrize(
    "path",
    [
        "/logos/{digest}/100.png",
        "/logos/{digest}/0.png",
        "/logos/0123456789abcdef0123456789abcdef/64.png",
        "/logos/NOT-A-DIGEST/64.png",
        "/logos/{digest}x/64.png",
    ],
)
def test_unknown_logos_and_sizes_are_404(client, path):
    tool = ToolFactory()
    set_logo(tool=tool, logo=rendered())
    assert client.get(path.format(digest=tool.logo_id)).status_code == 404


def test_logo_url_costs_one_query(client, django_assert_max_num_queries):
    tool = ToolFactory()
    set_logo(tool=tool, logo=rendered())
    with django_assert_max_num_queries(1):
        assert client.get(f"/logos/{tool.logo_id}/256.png").status_code == 200


def test_cards_comparisons_and_the_embed_show_logos_or_monograms(client, panel):
    with_logo = ToolFactory(name="Cursor", slug="cursor")
    without = ToolFactory(name="GitHub Copilot", slug="github-copilot")
    for tool in (with_logo, without):
        review_tool(tool, panel, "sssk")
    set_logo(tool=with_logo, logo=rendered())
    digest = with_logo.logo_id

    home = client.get("/").content.decode()
    assert f'<img class="logo logo-32" src="/logos/{digest}/64.png"' in home
    assert '<span class="logo logo-32 logo-monogram" aria-hidden="true">GC</span>' in home

    comparison = client.get("/compare/cursor-vs-github-copilot/").content.decode()
    assert f'src="/logos/{digest}/64.png" srcset="/logos/{digest}/64.png 1x' in comparison
    assert 'logo-monogram" aria-hidden="true">GC</span>' in comparison

    embed = client.get("/embed/cursor").content.decode()
    assert f'<img class="logo logo-40" src="/logos/{digest}/64.png"' in embed
    assert (
        'logo-40 logo-monogram" aria-hidden="true">GC</span>'
        in client.get("/embed/github-copilot").content.decode()
    )


def test_share_cards_draw_the_logo_and_are_redrawn_when_it_changes(
    client, panel, django_assert_max_num_queries
):
    tool = ToolFactory(name="Cursor", slug="cursor")
    review_tool(tool, panel, "sssk")
    monogram_card = client.get("/og/tools/cursor.png")
    # A solid blue logo: the card's top right corner turns blue where the tile was grey.
    set_logo(tool=tool, logo=rendered(png_bytes(Image.new("RGBA", (64, 64), (0, 0, 255, 255)))))
    with django_assert_max_num_queries(2):
        logo_card = client.get("/og/tools/cursor.png")
    assert logo_card["ETag"] != monogram_card["ETag"]
    corner = (1200 - 64 - 84, 140 + 84)
    assert Image.open(io.BytesIO(logo_card.content)).convert("RGB").getpixel(corner) == (0, 0, 255)
    assert Image.open(io.BytesIO(monogram_card.content)).convert("RGB").getpixel(corner) != (
        0,
        0,
        255,
    )
    ToolFactory(slug="zed")
    with django_assert_max_num_queries(2):
        pair = client.get("/og/compare/cursor-vs-zed.png")
    assert pair.status_code == 200


def test_pages_keep_their_query_budgets_when_every_tool_has_a_logo(
    client, catalogue, django_assert_max_num_queries
):
    for tool in catalogue:
        set_logo(tool=tool, logo=rendered())
    first, second = sorted(catalogue[:2], key=lambda tool: tool.slug)
    for url in ["/", first.get_absolute_url(), f"/compare/{first.slug}-vs-{second.slug}/"]:
        with django_assert_max_num_queries(8):
            page = client.get(url)
        assert page.status_code == 200
        assert f"/logos/{first.logo_id}/" in page.content.decode()
    with django_assert_max_num_queries(2):
        assert client.get(f"/embed/{first.slug}").status_code == 200
