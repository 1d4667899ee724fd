"""Share images: valid 1200 x 630 PNGs, cached, redrawn when the verdict changes."""

import io

import pytest
from PIL import Image

from pages import share_cards
from tests.comparisons.pairs import NOT_A_PAIR
from tests.factories import (
    CategoryFactory,
    ReviewFactory,
    ToolFactory,
    cast_votes,
    reviewed_tool,
)
from tests.responses import assert_not_modified, assert_redirects

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(panel):
    cursor = reviewed_tool(panel, "sssk", name="Cursor", slug="cursor")
    copilot = reviewed_tool(
        panel, "skkk", ships=7, skips=5, name="GitHub Copilot", slug="github-copilot"
    )
    return cursor, copilot


def as_image(response) -> Image.Image:
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    image.verify()
    return Image.open(io.BytesIO(response.content))


def test_tool_share_image_is_a_1200_by_630_png(client, pair, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/og/tools/cursor.png")
    image = as_image(response)
    assert image.format == "PNG"
    assert image.size == (1200, 630)
    assert "public" in response["Cache-Control"]
    assert response["ETag"]


def test_pair_share_image_is_a_1200_by_630_png(client, pair, django_assert_max_num_queries):
    with django_assert_max_num_queries(1):
        response = client.get("/og/compare/cursor-vs-github-copilot.png")
    assert as_image(response).size == (1200, 630)


def test_pair_in_the_other_order_redirects_to_the_canonical_one(client, pair):
    response = client.get("/og/compare/github-copilot-vs-cursor.png")
    assert_redirects(response, "/og/compare/cursor-vs-github-copilot.png", 301)


def test_slugs_that_contain_vs_still_pair_up(client):
    ToolFactory(slug="alpha-vs-beta")
    ToolFactory(slug="gamma")
    assert as_image(client.get("/og/compare/alpha-vs-beta-vs-gamma.png")).size == (1200, 630)


@pytest.mark.parametrize(
    "path",
    ["/og/tools/no-such-tool.png", "/og/tools/drafty.png", "/og/compare/cursor-vs-cursor.png"]
    + [f"/og/compare/{slug}.png" for slug in NOT_A_PAIR],
)
def test_unknown_or_unpublished_tools_are_404(client, pair, path):
    ToolFactory(slug="drafty", draft=True)
    assert client.get(path).status_code == 404


def test_share_image_is_cached_and_redrawn_when_the_verdict_changes(
    client, pair, panel, monkeypatch
):
    drawn = []
    original = share_cards.draw_tool
    monkeypatch.setattr(
        share_cards,
        "draw_tool",
        lambda face, **kwargs: drawn.append(face) or original(face, **kwargs),
    )

    first = client.get("/og/tools/cursor.png")
    again = client.get("/og/tools/cursor.png")
    assert len(drawn) == 1  # the second request came from the cache
    assert first.content == again.content
    assert drawn[0].verdict == "ship"

    cursor, _ = pair
    ReviewFactory(tool=cursor, persona=panel[4], verdict="skip", score=30)
    ReviewFactory(tool=cursor, persona=panel[5], verdict="skip", score=30)
    changed = client.get("/og/tools/cursor.png")
    assert len(drawn) == 2
    assert drawn[1].verdict == "split"
    assert changed["ETag"] != first["ETag"]
    assert changed.content != first.content


def test_community_votes_change_the_image_too(client, pair):
    before = client.get("/og/compare/cursor-vs-github-copilot.png")
    cast_votes(pair[0], ships=10)
    after = client.get("/og/compare/cursor-vs-github-copilot.png")
    assert before["ETag"] != after["ETag"]


def test_unchanged_image_answers_304_to_a_revalidation(client, pair):
    first = client.get("/og/tools/cursor.png")
    assert_not_modified(client, "/og/tools/cursor.png", first)


def test_share_images_are_get_only(client, pair):
    assert client.post("/og/tools/cursor.png").status_code == 405
    assert client.head("/og/tools/cursor.png").status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "An extraordinarily long product name that keeps going well past any sensible width",
        "Übersetzer 東京 ✨🚀 <script>",
        "x",
        "W" * 120,
    ],
)
def test_awkward_names_and_taglines_still_draw(client, name):
    category = CategoryFactory(name="Ç" * 120)
    ToolFactory(slug="awkward", name=name, tagline="word " * 39, category=category)
    ToolFactory(slug="other", name=name[::-1], tagline="x" * 200)
    assert as_image(client.get("/og/tools/awkward.png")).size == (1200, 630)
    assert as_image(client.get("/og/compare/awkward-vs-other.png")).size == (1200, 630)


def test_tool_page_points_og_image_at_its_card(client, pair, settings):
    html = client.get("/tools/cursor/").content.decode()
    assert f'<meta property="og:image" content="{settings.SITE_URL}/og/tools/cursor.png">' in html
    assert '<meta property="og:image:width" content="1200">' in html
    assert '<meta property="og:image:height" content="630">' in html
    assert '<meta name="twitter:card" content="summary_large_image">' in html
    assert '<meta property="og:title" content="Cursor verdict: SHIP — ShipOrSkip">' in html


def test_comparison_page_points_og_image_at_the_pair_card(client, pair, settings):
    html = client.get("/compare/cursor-vs-github-copilot/").content.decode()
    card = f"{settings.SITE_URL}/og/compare/cursor-vs-github-copilot.png"
    assert f'<meta property="og:image" content="{card}">' in html


def test_tool_page_stays_within_its_query_budget(client, pair, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        assert client.get("/tools/cursor/").status_code == 200


@pytest.mark.parametrize("bold", [False, True])
def test_share_images_draw_every_verdict_icon_with_a_glyph_of_its_own(bold):
    """The font ships with the code, so the slim image (no system fonts) draws real arrows."""
    face = share_cards.font(40, bold=bold)
    assert face.path.startswith(str(share_cards.FONT_DIR))
    masks = {icon: bytes(face.getmask(icon)) for icon in share_cards.VERDICT_ICONS.values()}
    assert len(set(masks.values())) == len(masks)
