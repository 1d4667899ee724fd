import pytest
from django.urls import reverse

from tests.factories import ReviewFactory, ToolFactory, cast_votes, review_tool

pytestmark = pytest.mark.django_db


@pytest.fixture
def many_tools(panel):
    """50 published tools, each reviewed by the full panel of 7 and voted on."""
    tools = ToolFactory.create_batch(50)
    for tool in tools:
        review_tool(tool, panel, "ssskkks")
    cast_votes(tools[0], ships=30, skips=5)
    return tools


def test_home_lists_published_tools_with_verdicts(client, panel):
    shipped = ToolFactory(name="Shipped Thing")
    review_tool(shipped, panel, "ssss")
    ToolFactory(name="Secret Draft", draft=True)
    response = client.get(reverse("pages:home"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Shipped Thing" in html
    assert "SHIP</p>" in html
    assert 'verdict-score-detail">4 ships · 0 skips</p>' in html
    assert "Secret Draft" not in html


def test_tool_page_shows_the_whole_verdict(client, panel):
    tool = ToolFactory(
        name="Mixtral 8x22B",
        tagline="Sparse MoE",
        pricing="Free / open-weight (Apache 2.0)",
        best_for="Self-hosters",
        description="The panel likes the licence.",
    )
    review_tool(tool, panel, "sssk")
    cast_votes(tool, ships=9, skips=3)
    html = client.get(tool.get_absolute_url()).content.decode()
    for expected in [
        "Mixtral 8x22B",
        "Sparse MoE",
        "SHIP</p>",
        '<p class="verdict-score-detail">3 ships · 1 skip</p>',
        "75%",
        "75% ship · 12 votes",
        "Free / open-weight (Apache 2.0)",
        "Self-hosters",
        "The panel likes the licence.",
        panel[0].name,
        panel[0].lens,
    ]:
        assert expected in html
    assert html.count('class="review"') == 4


def test_community_below_threshold_says_votes_so_far(client, panel):
    tool = ToolFactory()
    cast_votes(tool, ships=2, skips=1)
    assert "3 votes so far" in client.get(tool.get_absolute_url()).content.decode()


def test_draft_reviews_are_not_shown(client, panel):
    tool = ToolFactory()
    ReviewFactory(tool=tool, persona=panel[0], body="Visible words", status="published")
    ReviewFactory(tool=tool, persona=panel[1], body="Hidden words", status="draft")
    html = client.get(tool.get_absolute_url()).content.decode()
    assert "Visible words" in html
    assert "Hidden words" not in html


@pytest.mark.parametrize("slug", ["does-not-exist", "draft-tool"])
def test_unknown_or_draft_tool_is_404(client, slug):
    ToolFactory(slug="draft-tool", draft=True)
    assert client.get(f"/tools/{slug}/").status_code == 404


def test_user_text_is_escaped(client):
    tool = ToolFactory(name="<script>alert(1)</script>", tagline='"><img src=x onerror=1>')
    html = client.get(tool.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;" in html


def test_post_to_a_page_is_refused(client):
    tool = ToolFactory()
    assert client.post(tool.get_absolute_url()).status_code == 405


def test_home_query_count_is_constant(client, many_tools, django_assert_max_num_queries):
    # Cold: the page's version (its cache key), then the page's own queries.
    with django_assert_max_num_queries(9):
        assert client.get(reverse("pages:home")).status_code == 200


def test_tool_page_query_count_is_constant(client, many_tools, django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        response = client.get(many_tools[0].get_absolute_url())
    assert response.content.decode().count('class="review"') == 7


def test_odd_page_numbers_do_not_break_the_home_page(client, many_tools):
    for page in ["0", "-1", "999", "abc", "1" * 500]:
        response = client.get(reverse("pages:home"), {"page": page}, follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[0][0].startswith("/verdicts/latest/?page=")


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}


def test_later_pages_list_the_older_tools_with_their_verdicts(
    client, panel, django_assert_max_num_queries
):
    from datetime import timedelta

    from django.utils import timezone

    now = timezone.now()
    tools = [
        ToolFactory(name=f"Listed {n:02d}", published_at=now - timedelta(days=n)) for n in range(30)
    ]
    review_tool(tools[-1], panel, "kkks")
    cast_votes(tools[-1], ships=4, skips=8)
    with django_assert_max_num_queries(8):
        html = client.get(reverse("pages:section", args=["latest"]), {"page": 2}).content.decode()
    assert "Page 2 of 2" in html
    assert html.count('class="tool-card"') == 6
    assert "Listed 24" in html and "Listed 29" in html and "Listed 23" not in html
    assert html.index("Listed 24") < html.index("Listed 29")
    assert "SKIP</p>" in html
    assert 'verdict-score-detail">1 ship · 3 skips</p>' in html
    assert "33% ship · 12 votes" in html
