"""The shields.io endpoint: the badge's facts in shields.io's schema, offered with the snippets."""

from html import unescape
from urllib.parse import quote

import pytest

from tests.factories import ToolFactory, cast_votes, review_tool

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "verdicts,message,colour",
    [
        ("ssssk", "SHIP · 4 ships · 1 skip · 75% community", "0f6b32"),
        ("skkkk", "SKIP · 1 ship · 4 skips · 75% community", "a3231b"),
        ("sskk", "SPLIT · 2 ships · 2 skips · 75% community", "7a4b00"),
        ("s", "PENDING · 1 of 3 reviews in · 75% community", "4a5360"),
    ],
)
def test_the_endpoint_speaks_shields_schema(client, panel, verdicts, message, colour):
    tool = ToolFactory(slug="mixtral")
    review_tool(tool, panel, verdicts)
    cast_votes(tool, ships=30, skips=10)
    response = client.get("/api/shields/mixtral.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert response.json() == {
        "schemaVersion": 1,
        "label": "ShipOrSkip",
        "message": message,
        "color": colour,
        "cacheSeconds": 300,
    }
    assert response["Cache-Control"] == "public, max-age=300"
    again = client.get("/api/shields/mixtral.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


@pytest.mark.parametrize("slug", ["missing", "drafted", "%3Cscript%3E", "x" * 300])
def test_unknown_tools_get_a_neutral_badge_not_an_error(client, panel, slug):
    ToolFactory(slug="drafted", draft=True)
    response = client.get(f"/api/shields/{slug}.json")
    assert response.status_code == 200
    body = response.json()
    assert (body["message"], body["color"]) == ("not reviewed", "5b6470")


def test_a_warm_endpoint_reads_no_database(client, panel, django_assert_max_num_queries):
    review_tool(ToolFactory(slug="mixtral"), panel, "sss")
    client.get("/api/shields/mixtral.json")
    with django_assert_max_num_queries(0):
        assert client.get("/api/shields/mixtral.json").status_code == 200


def test_the_embed_section_offers_the_shields_badge(client, panel):
    tool = ToolFactory(name="Mixtral 8x22B", slug="mixtral-8x22b")
    review_tool(tool, panel, "sss")
    html = unescape(client.get(tool.get_absolute_url()).content.decode())
    endpoint = "http://127.0.0.1:8000/api/shields/mixtral-8x22b.json"
    assert endpoint in html
    assert (
        "[![ShipOrSkip verdict on Mixtral 8x22B](https://img.shields.io/endpoint?url="
        f"{quote(endpoint, safe='')})](http://127.0.0.1:8000/api/badge-click/mixtral-8x22b)"
    ) in html
    assert 'data-copy-target="#snippet-shields"' in html
