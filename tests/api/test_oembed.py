"""oEmbed for tool pages, and the discovery link that points editors to it."""

import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.api.conftest import assert_conforms
from tests.factories import ToolFactory, reviewed_tool

pytestmark = pytest.mark.django_db

OEMBED = "/oembed"
PAGE = "http://127.0.0.1:8000/tools/cursor/"


@pytest.fixture
def cursor(panel):
    return reviewed_tool(panel, "sssk", name="Cursor", slug="cursor")


def test_a_tool_page_embeds_as_the_verdict_cards_iframe(client, cursor):
    body = assert_conforms(client.get(OEMBED, {"url": PAGE, "format": "json"}), OEMBED)
    assert (body["version"], body["type"]) == ("1.0", "rich")
    assert body["provider_name"] == "ShipOrSkip"
    assert body["provider_url"] == "http://127.0.0.1:8000/"
    assert body["title"] == "Cursor verdict: SHIP"
    assert (body["width"], body["height"]) == (360, 260)
    assert body["html"] == (
        '<iframe src="http://127.0.0.1:8000/embed/cursor" title="ShipOrSkip verdict on Cursor" '
        'width="360" height="260" style="border:0;border-radius:16px;max-width:100%;" '
        'loading="lazy"></iframe>'
    )
    assert body["thumbnail_url"] == "http://127.0.0.1:8000/og/tools/cursor.png"
    assert (body["thumbnail_width"], body["thumbnail_height"]) == (1200, 630)


@pytest.mark.parametrize(
    "url",
    [
        PAGE,
        "https://127.0.0.1:8000/tools/cursor/",
        "http://127.0.0.1:8000/tools/cursor/?utm_source=x#panel",
        "http://127.0.0.1:8000/tools/%63ursor/",
    ],
)
def test_any_spelling_of_the_tool_page_finds_it(client, cursor, url):
    assert client.get(OEMBED, {"url": url}).json()["title"] == "Cursor verdict: SHIP"


def test_maxwidth_narrows_the_card_and_drops_a_thumbnail_that_would_not_fit(client, cursor):
    body = assert_conforms(client.get(OEMBED, {"url": PAGE, "maxwidth": 300}), OEMBED)
    assert (body["width"], body["height"]) == (300, 260)
    assert 'width="300" height="260"' in body["html"]
    assert "thumbnail_url" not in body
    roomy = client.get(OEMBED, {"url": PAGE, "maxwidth": 2000, "maxheight": 2000}).json()
    assert (roomy["width"], roomy["height"]) == (360, 260) and "thumbnail_url" in roomy
    short = client.get(OEMBED, {"url": PAGE, "maxheight": 400}).json()
    assert short["height"] == 260 and "thumbnail_url" not in short


@pytest.mark.parametrize("bounds", [{"maxwidth": 279}, {"maxheight": 259}])
def test_no_card_fits_below_its_minimum_size(client, cursor, bounds):
    response = client.get(OEMBED, {"url": PAGE, **bounds})
    assert response.status_code == 404
    assert "at least 280 by 260 pixels" in assert_conforms(response, OEMBED)["detail"]


@pytest.mark.parametrize(
    "url",
    [
        "http://evil.example/tools/cursor/",
        "http://127.0.0.1:8000@evil.example/tools/cursor/",
        "http://127.0.0.1:8001/tools/cursor/",
        "ftp://127.0.0.1:8000/tools/cursor/",
        "http://127.0.0.1:8000/",
        "http://127.0.0.1:8000/compare/cursor-vs-zed/",
        "http://127.0.0.1:8000/tools/missing/",
        "http://127.0.0.1:8000/tools/drafted/",
        "/tools/cursor/",
        "not a url at all",
        "http://[::1",
    ],
)
def test_anything_but_a_published_tool_page_here_is_a_404(client, cursor, url):
    ToolFactory(slug="drafted", draft=True)
    response = client.get(OEMBED, {"url": url})
    assert response.status_code == 404
    assert_conforms(response, OEMBED)


@pytest.mark.parametrize("format_", ["xml", "JSON", "jsonp"])
def test_formats_other_than_json_are_501(client, cursor, format_):
    response = client.get(OEMBED, {"url": PAGE, "format": format_})
    assert response.status_code == 501
    assert assert_conforms(response, OEMBED)["error"] == "format_not_implemented"


@pytest.mark.parametrize(
    "params", [{}, {"url": PAGE, "maxwidth": "wide"}, {"url": PAGE, "maxheight": "0"}]
)
def test_missing_or_bad_parameters_are_400(client, cursor, params):
    response = client.get(OEMBED, params)
    assert response.status_code == 400
    assert assert_conforms(response, OEMBED)["error"] == "bad_parameters"


def test_tool_pages_advertise_their_oembed_answer(client, cursor):
    html = client.get(cursor.get_absolute_url()).content.decode()
    link = re.search(r'<link rel="alternate" type="application/json\+oembed" href="([^"]+)"', html)
    href = urlsplit(unescape(link[1]))
    assert f"{href.scheme}://{href.netloc}{href.path}" == "http://127.0.0.1:8000/oembed"
    assert parse_qs(href.query) == {"url": [PAGE], "format": ["json"]}
    assert client.get(f"{href.path}?{href.query}").json()["type"] == "rich"
