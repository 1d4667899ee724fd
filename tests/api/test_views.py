"""The open data API: what it answers, how it refuses, and what each answer costs."""

import io

import pytest

from api.openapi import document
from tests.api.conftest import assert_conforms
from tests.comparisons.pairs import NOT_A_PAIR
from tests.factories import CategoryFactory, ToolFactory, review_tool, reviewed_tool
from tests.responses import assert_redirects
from tests.tools.test_logos import png_bytes
from tools.logos import read_logo
from tools.models import Tool
from tools.services import set_logo
from votes.models import Vote

pytestmark = pytest.mark.django_db

TOOLS = "/api/v1/tools"
TOOL = "/api/v1/tools/{slug}"
COMPARISON = "/api/v1/comparisons/{pair}"
CATEGORIES = "/api/v1/categories"


@pytest.fixture
def pair(panel):
    cursor = reviewed_tool(panel, "ssssk", ships=30, skips=10, name="Cursor", slug="cursor")
    copilot = reviewed_tool(
        panel[1:], "skkk", ships=2, skips=1, name="GitHub Copilot", slug="github-copilot"
    )
    return cursor, copilot


# --- Tools ----------------------------------------------------------------------------------


def test_tools_come_in_pages_newest_first_with_links_to_the_next(client, catalogue):
    first = assert_conforms(client.get(TOOLS, {"per_page": 20}), TOOLS)
    assert (first["count"], first["pages"], first["page"], first["per_page"]) == (50, 3, 1, 20)
    newest = list(Tool.objects.published().latest_first().values_list("slug", flat=True))
    assert [tool["slug"] for tool in first["results"]] == newest[:20]
    assert first["previous"] is None
    assert first["next"] == "http://127.0.0.1:8000/api/v1/tools?per_page=20&page=2"
    last = assert_conforms(client.get(TOOLS, {"per_page": 20, "page": 3}), TOOLS)
    assert [tool["slug"] for tool in last["results"]] == newest[40:]
    assert last["next"] is None


def test_tools_filter_by_category_and_verdict(client, catalogue):
    category = catalogue[0].category
    ships = set(Tool.objects.published().verdict("ship").values_list("slug", flat=True))
    assert 0 < len(ships) < 50

    by_verdict = assert_conforms(client.get(TOOLS, {"verdict": "ship", "per_page": 100}), TOOLS)
    assert {tool["slug"] for tool in by_verdict["results"]} == ships
    assert all(tool["panel"]["verdict"] == "ship" for tool in by_verdict["results"])

    both = client.get(TOOLS, {"verdict": "ship", "category": category.slug, "per_page": 100})
    expected = {tool.slug for tool in catalogue if tool.category == category} & ships
    assert {tool["slug"] for tool in assert_conforms(both, TOOLS)["results"]} == expected


def test_a_tool_in_a_list_carries_the_same_figures_as_its_page(client, pair):
    listed = {tool["slug"]: tool for tool in client.get(TOOLS).json()["results"]}
    cursor = listed["cursor"]
    assert cursor["panel"] == {
        "verdict": "ship",
        "ships": 4,
        "skips": 1,
        "reviews": 5,
        "ship_percent": 80,
        "average_score": 73.2,
    }
    assert cursor["community"] == {"ships": 30, "skips": 10, "votes": 40, "ship_percent": 75}
    # Below the threshold the site shows no percentage; neither does the API.
    assert listed["github-copilot"]["community"]["ship_percent"] is None
    assert cursor["url"] == "http://127.0.0.1:8000/tools/cursor/"
    assert cursor["logo"] is None


def test_drafts_and_future_tools_are_not_open_data(client, panel):
    ToolFactory(slug="draft-tool", draft=True)
    assert client.get(TOOLS).json()["count"] == 0
    assert client.get(TOOL.format(slug="draft-tool")).status_code == 404


@pytest.mark.parametrize(
    "params,field",
    [
        ({"page": "0"}, "page"),
        ({"page": "two"}, "page"),
        ({"per_page": "101"}, "per_page"),
        ({"verdict": "<script>maybe</script>"}, "verdict"),
        ({"category": "no such category"}, "category"),
    ],
)
def test_bad_parameters_are_a_400_naming_the_parameter(client, catalogue, params, field):
    response = client.get(TOOLS, params)
    assert response.status_code == 400
    body = assert_conforms(response, TOOLS)
    assert body["error"] == "bad_parameters" and field in body["fields"]
    assert "<script>" not in response.content.decode()


def test_a_category_that_does_not_exist_is_a_404(client, catalogue):
    response = client.get(TOOLS, {"category": "missing"})
    assert response.status_code == 404
    assert "/api/v1/categories" in assert_conforms(response, TOOLS)["detail"]


def test_a_page_past_the_last_is_a_404(client, pair):
    response = client.get(TOOLS, {"page": 2})
    assert response.status_code == 404
    assert assert_conforms(response, TOOLS)["detail"] == "There is no such page; the last is 1."


def test_one_tool_with_its_whole_panel(client, pair, panel):
    cursor, _ = pair
    set_logo(tool=cursor, logo=read_logo(io.BytesIO(png_bytes())))
    body = assert_conforms(client.get(TOOL.format(slug="cursor")), TOOL)
    assert [review["critic"]["slug"] for review in body["reviews"]] == [
        persona.slug for persona in panel[:5]
    ]
    assert [(review["score"], review["verdict"]) for review in body["reviews"]] == [
        (82, "ship"),
        (82, "ship"),
        (82, "ship"),
        (82, "ship"),
        (38, "skip"),
    ]
    assert body["reviews"][0]["critic"]["lens"] == panel[0].lens
    assert body["community"]["votes"] == 40
    assert body["logo"] == {
        str(size): f"http://127.0.0.1:8000/logos/{cursor.logo_id}/{size}.png"
        for size in (64, 128, 256)
    }
    assert body["badge_url"] == "http://127.0.0.1:8000/api/badge/cursor.svg"
    assert "history" not in body  # not kept yet: never made up


def test_unpublished_reviews_stay_out_of_the_panel(client, pair):
    cursor, _ = pair
    cursor.reviews.filter(verdict="skip").update(status="draft")
    body = client.get(TOOL.format(slug="cursor")).json()
    assert len(body["reviews"]) == 4 and body["panel"]["skips"] == 0


@pytest.mark.parametrize("slug", ["missing", "bad%20slug", "x" * 101])
def test_an_unknown_tool_is_a_json_404(client, pair, slug):
    response = client.get(f"/api/v1/tools/{slug}")
    assert response.status_code == 404
    assert assert_conforms(response, TOOL)["error"] == "not_found"


@pytest.mark.parametrize(
    "url", ["/api/v1/tools/%00", "/api/v1/tools?category=a%00b", "/oembed?url=%00"]
)
def test_a_nul_character_is_a_json_400_anywhere_in_the_api(client, pair, url):
    response = client.get(url)
    assert response.status_code == 400
    assert response.json()["error"] == "bad_request"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_unknown_api_paths_are_json_404s_too(client):
    response = client.get("/api/v1/tools/cursor/reviews")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_categories_list_their_published_tools(client, catalogue):
    body = assert_conforms(client.get(CATEGORIES), CATEGORIES)
    assert len(body["results"]) == 5
    assert sum(category["tools"] for category in body["results"]) == 50
    first = body["results"][0]
    assert first["tools_url"] == f"http://127.0.0.1:8000/api/v1/tools?category={first['slug']}"


# --- Comparisons ------------------------------------------------------------------------------


def test_a_comparison_sets_two_tools_side_by_side(client, pair, panel):
    body = assert_conforms(
        client.get(COMPARISON.format(pair="cursor-vs-github-copilot")), COMPARISON
    )
    assert body["pair"] == "cursor-vs-github-copilot"
    assert [tool["slug"] for tool in body["tools"]] == ["cursor", "github-copilot"]
    assert body["leaders"] == {
        "panel_ship_percent": "cursor",
        "average_score": "cursor",
        "community_ship_percent": None,  # GitHub Copilot has too few votes to compare
    }
    lines = {line["critic"]["slug"]: line["reviews"] for line in body["scorecard"]}
    assert lines[panel[0].slug] == [{"score": 82, "verdict": "ship"}, None]
    assert lines[panel[1].slug] == [
        {"score": 82, "verdict": "ship"},
        {"score": 82, "verdict": "ship"},
    ]
    assert len(lines) == 5


def test_a_comparison_in_the_other_order_moves_to_the_canonical_one(client, pair):
    response = client.get(COMPARISON.format(pair="github-copilot-vs-cursor"))
    assert_redirects(response, "/api/v1/comparisons/cursor-vs-github-copilot", 301)
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("pair_", ["cursor-vs-cursor", "-vs-", *NOT_A_PAIR])
def test_not_a_comparison_of_two_published_tools_is_a_404(client, pair, pair_):
    ToolFactory(slug="drafty", draft=True)
    response = client.get(COMPARISON.format(pair=pair_))
    assert response.status_code == 404
    assert_conforms(response, COMPARISON)


# --- HTTP: conditional GETs, CORS, methods, the rate limit ----------------------------------


def test_answers_carry_etags_and_a_matching_one_is_a_304(client, pair):
    url = TOOL.format(slug="cursor")
    first = client.get(url)
    assert first["Cache-Control"] == "public, max-age=60"
    again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"] and again["Access-Control-Allow-Origin"] == "*"
    Vote.objects.create(tool=pair[0], voter="one-more", fingerprint="fp-x", choice="skip")
    changed = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and changed["ETag"] != first["ETag"]
    assert changed.json()["community"]["votes"] == 41


def test_cross_origin_scripts_may_read_and_revalidate(client, pair):
    preflight = client.options(TOOLS, HTTP_ORIGIN="https://elsewhere.example")
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert preflight["Access-Control-Allow-Headers"] == "If-None-Match"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    answer = client.get(TOOLS, HTTP_ORIGIN="https://elsewhere.example")
    assert answer["Access-Control-Expose-Headers"] == "ETag, Retry-After"
    assert "Set-Cookie" not in answer


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_the_api_only_reads(client, pair, method):
    response = getattr(client, method)(TOOLS)
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["error"] == "method_not_allowed"


def test_each_address_has_its_own_rate_limit(client, pair, settings):
    settings.API_RATE_PER_IP = 3
    for _ in range(3):
        assert client.get(TOOLS).status_code == 200
    limited = client.get(TOOL.format(slug="cursor"))
    assert limited.status_code == 429
    body = assert_conforms(limited, TOOL)
    assert body["error"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60 and body["retry_after"] == int(
        limited["Retry-After"]
    )
    assert client.get("/oembed", {"url": "x"}).status_code == 429
    assert client.get(TOOLS, REMOTE_ADDR="192.0.2.9").status_code == 200


def test_the_openapi_document_is_3_1_and_describes_every_endpoint(client):
    body = client.get("/api/v1/openapi.json").json()
    assert body == document()
    assert body["openapi"] == "3.1.0"
    assert set(body["paths"]) == {
        "/api/v1/tools",
        "/api/v1/tools/{slug}",
        "/api/v1/categories",
        "/api/v1/comparisons/{pair}",
        "/api/v1/openapi.json",
        "/oembed",
        "/api/shields/{slug}.json",
    }
    for path in body["paths"]:  # every documented path is routed
        concrete = path.replace("{slug}", "cursor").replace("{pair}", "a-vs-b")
        assert client.get(concrete).status_code != 405


# --- Query budgets ------------------------------------------------------------------------


def test_every_endpoint_keeps_its_query_budget(client, catalogue, django_assert_max_num_queries):
    first, second = sorted(catalogue[:2], key=lambda tool: tool.slug)
    for tool in catalogue[:10]:
        set_logo(tool=tool, logo=read_logo(io.BytesIO(png_bytes())))
    category = catalogue[0].category.slug
    budgets = [
        (f"{TOOLS}?per_page=100", 3),
        (f"{TOOLS}?per_page=2&page=2&verdict=ship&category={category}", 4),
        (TOOL.format(slug=first.slug), 2),
        (COMPARISON.format(pair=f"{first.slug}-vs-{second.slug}"), 2),
        (CATEGORIES, 1),
        ("/api/v1/openapi.json", 0),
        (f"/oembed?url=http://127.0.0.1:8000/tools/{first.slug}/", 1),
        (f"/api/shields/{first.slug}.json", 1),
    ]
    for url, budget in budgets:
        with django_assert_max_num_queries(budget):
            assert client.get(url).status_code == 200, url


def test_a_category_with_many_tools_costs_no_more(client, panel, django_assert_max_num_queries):
    category = CategoryFactory(slug="busy")
    for n in range(30):
        review_tool(ToolFactory(category=category), panel, "ssk" if n % 2 else "skk")
    with django_assert_max_num_queries(4):
        body = client.get(TOOLS, {"category": "busy", "per_page": 30}).json()
    assert len(body["results"]) == 30
