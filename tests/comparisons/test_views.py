"""Comparison pages, the picker and the comparisons index, as a reader meets them."""

from html import unescape

import pytest
from django.db import IntegrityError
from django.urls import reverse

from badges.data import badge_data
from comparisons.models import FeaturedComparison
from tests.comparisons.pairs import NOT_A_PAIR
from tests.factories import CategoryFactory, ReviewFactory, ToolFactory, cast_votes, review_tool
from tests.responses import assert_redirects
from tools.pairs import split_pair

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return unescape(response.content.decode())


@pytest.fixture
def pair(panel):
    coding = CategoryFactory(name="Coding assistants")
    cursor = ToolFactory(
        name="Cursor", slug="cursor", category=coding, pricing="$20 a month", entry_price="paid"
    )
    copilot = ToolFactory(
        name="GitHub Copilot", slug="github-copilot", category=coding, best_for="Teams on GitHub"
    )
    review_tool(cursor, panel[:4], "sssk")
    review_tool(copilot, panel[1:5], "sskk")
    cast_votes(cursor, ships=8, skips=2)
    cast_votes(copilot, ships=3)
    return cursor, copilot


def test_comparison_page_shows_the_decision_table(client, pair):
    response = client.get("/compare/cursor-vs-github-copilot/")
    assert response.status_code == 200
    html = text_of(response)
    assert "<h1>Cursor vs GitHub Copilot: which one should you ship?</h1>" in html
    table = html.split('class="decision-table"')[1].split("</table>")[0]
    for expected in [
        "3 ships · 1 skip",
        "SPLIT",
        "75%",
        "50%",
        "80% ship · 10 votes",
        "3 votes so far",
        "$20 a month",
        "Teams on GitHub",
        "Coding assistants",
    ]:
        assert expected in table
    assert table.count("community-cell") == 2


def test_the_leader_of_each_measured_row_is_marked(client, pair):
    html = text_of(client.get("/compare/cursor-vs-github-copilot/"))
    table = html.split('class="decision-table"')[1].split("</table>")[0]
    rows = {
        row.split("</th>")[0].split(">")[-1]: row
        for row in table.split("<tbody>")[1].split("<tr>")[1:]
    }
    assert rows["Panel verdict"].count("Leads") == 1
    assert rows["Panel ship %"].split("75%")[1].split("</td>")[0].count("Leads") == 1
    # One side below the community threshold: no leader can be named.
    assert "Leads" not in rows["Community vote"]
    assert "Leads" not in rows["Pricing"] and "Leads" not in rows["Category"]


def test_scorecard_lines_up_each_critic_and_says_not_reviewed(client, pair, panel):
    html = text_of(client.get("/compare/cursor-vs-github-copilot/"))
    card = html.split('id="scorecard-heading"')[1]
    assert card.count('class="scorecard-line"') == 5
    assert card.index(panel[0].name) < card.index(panel[4].name)
    builder = card.split(f'id="scorecard-{panel[0].slug}"')[1].split("</section>")[0]
    assert "Not reviewed" in builder and "82</strong>/100" in builder
    lead = card.split(f'id="scorecard-{panel[4].slug}"')[1].split("</section>")[0]
    assert lead.index("Not reviewed") < lead.index("38</strong>/100")


def test_comparison_offers_more_comparisons_for_each_tool(client, pair):
    ToolFactory(name="Aider", slug="aider", category=pair[0].category)
    html = text_of(client.get("/compare/cursor-vs-github-copilot/"))
    assert "Compare Cursor with others" in html
    assert "Compare GitHub Copilot with others" in html
    assert 'href="/compare/aider-vs-cursor/"' in html
    assert 'href="/compare/aider-vs-github-copilot/"' in html


def test_reverse_order_is_a_permanent_redirect_to_the_canonical_url(client, pair):
    response = client.get("/compare/github-copilot-vs-cursor/")
    assert_redirects(response, "/compare/cursor-vs-github-copilot/", 301)


def test_same_tool_twice_redirects_to_the_tool_page(client, pair):
    response = client.get("/compare/cursor-vs-cursor/")
    assert_redirects(response, "/tools/cursor/")


@pytest.mark.parametrize(
    "path",
    [f"/compare/{slug}/" for slug in NOT_A_PAIR]
    + [
        "/compare/cursor-vs-github-copilot-vs-/",
        "/compare/cursor-vs-github%20copilot/",
        "/compare/%E2%80%AE-vs-cursor/",
    ],
)
def test_unknown_unpublished_or_malformed_pairs_are_404(client, pair, path):
    ToolFactory(slug="drafty", draft=True)
    assert client.get(path).status_code == 404


def test_slugs_containing_vs_still_work(client, panel):
    ToolFactory(name="Vim vs Emacs Bot", slug="vim-vs-emacs-bot")
    ToolFactory(name="Zed", slug="zed")
    ToolFactory(name="Emacs Bot", slug="emacs-bot")
    response = client.get("/compare/vim-vs-emacs-bot-vs-zed/")
    assert response.status_code == 200
    assert "Vim vs Emacs Bot vs Zed: which one" in text_of(response)
    reverse_order = client.get("/compare/zed-vs-vim-vs-emacs-bot/")
    assert reverse_order["Location"] == "/compare/vim-vs-emacs-bot-vs-zed/"


def test_split_pair_reads_every_possible_pair():
    assert split_pair("a-vs-b-vs-c") == [("a", "b-vs-c"), ("a-vs-b", "c")]
    assert split_pair("-vs-a") == []
    assert split_pair("plain") == []


def test_comparison_query_budget(client, catalogue, django_assert_max_num_queries):
    first, second = sorted(catalogue[:2], key=lambda tool: tool.slug)
    with django_assert_max_num_queries(8):
        response = client.get(f"/compare/{first.slug}-vs-{second.slug}/")
    assert response.status_code == 200
    assert text_of(response).count('class="scorecard-line"') == 7


def test_picker_sends_the_reader_to_the_canonical_page(client, pair):
    response = client.get(reverse("comparisons:pick"), {"a": "github-copilot", "b": "cursor"})
    assert_redirects(response, "/compare/cursor-vs-github-copilot/")
    same = client.get(reverse("comparisons:pick"), {"a": "cursor", "b": "cursor"})
    assert same["Location"] == "/tools/cursor/"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"a": "cursor"},
        {"a": "cursor", "b": "nope"},
        {"a": "", "b": "cursor"},
        {"a": "cursor", "b": "x" * 5000},
    ],
)
def test_picker_answers_bad_choices_with_a_400_and_the_form(client, pair, params):
    response = client.get(reverse("comparisons:pick"), params)
    assert response.status_code == 400
    html = text_of(response)
    assert "Choose two published tools to compare." in html
    assert '<select id="compare-b" name="b" required>' in html


def test_picker_keeps_the_readers_first_choice_after_an_error(client, pair):
    response = client.get(reverse("comparisons:pick"), {"a": "cursor"})
    first_select = response.content.decode().split('id="compare-a"')[1].split("</select>")[0]
    assert '<option value="cursor" selected>Cursor</option>' in first_select


def test_index_lists_featured_pairs_popular_pairs_and_the_picker(client, pair, panel):
    aider = ToolFactory(name="Aider", slug="aider", category=pair[0].category)
    cast_votes(aider, ships=1)
    FeaturedComparison.objects.create(tool_a=pair[1], tool_b=pair[0], blurb="The big two.")
    html = text_of(client.get(reverse("comparisons:index")))
    featured = html.split('id="featured-heading"')[1].split("</section>")[0]
    assert "The big two." in featured
    assert 'href="/compare/cursor-vs-github-copilot/"' in featured
    popular = html.split('id="popular-heading"')[1].split("</section>")[0]
    # Cursor (10 votes) and Copilot (3) are the busiest pair; Aider (1) comes after.
    assert popular.index("/compare/cursor-vs-github-copilot/") < popular.index("aider")
    assert '<select id="compare-a" name="a" required>' in html


def test_index_query_budget(client, catalogue, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        response = client.get(reverse("comparisons:index"))
    assert text_of(response).count('class="pair"') >= 3 + 5


def test_a_pair_can_be_featured_once_whichever_way_round(pair):
    FeaturedComparison.objects.create(tool_a=pair[0], tool_b=pair[1])
    with pytest.raises(IntegrityError):
        FeaturedComparison.objects.create(tool_a=pair[1], tool_b=pair[0])


def test_a_tool_cannot_be_featured_against_itself(pair):
    with pytest.raises(IntegrityError):
        FeaturedComparison.objects.create(tool_a=pair[0], tool_b=pair[0])


def test_editors_manage_featured_comparisons_in_the_admin(client, admin_user, pair):
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:comparisons_featuredcomparison_add"),
        {"tool_a": pair[0].pk, "tool_b": pair[1].pk, "blurb": "Editors' pick", "order": 1},
    )
    assert response.status_code == 302
    featured = FeaturedComparison.objects.get()
    assert featured.get_absolute_url() == "/compare/cursor-vs-github-copilot/"
    assert client.get(reverse("admin:comparisons_featuredcomparison_changelist")).status_code == 200


def test_comparison_page_escapes_tool_text(client, panel):
    ToolFactory(name="<b>bold</b>", slug="bold", tagline="<script>x()</script>")
    ToolFactory(name="Plain", slug="plain")
    response = client.get("/compare/bold-vs-plain/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html and "<script>x()" not in html


def test_reviews_in_draft_stay_off_the_scorecard(client, pair, panel):
    ReviewFactory(tool=pair[0], persona=panel[6], body="Unfinished thought", status="draft")
    assert "Unfinished thought" not in text_of(client.get("/compare/cursor-vs-github-copilot/"))


def test_demo_data_features_comparisons_once(client):
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    call_command("seed_demo", verbosity=0)
    assert FeaturedComparison.objects.count() == 4
    html = text_of(client.get(reverse("pages:home")))
    assert 'href="/compare/cursor-vs-github-copilot/"' in html


@pytest.mark.parametrize("slug", ["x" * 101, "cur\nsor", "cur sor", "", "cursor/"])
def test_every_input_that_names_tools_refuses_the_same_non_slugs(client, pair, slug):
    picker = client.get(reverse("comparisons:pick"), {"a": "cursor", "b": slug})
    assert picker.status_code == 400
    bookmarks = client.get(reverse("pages:compare_bookmarks"), {"tool": ["cursor", slug]})
    assert bookmarks.status_code == 400
    assert badge_data(slug) is None


def test_each_tool_has_its_own_card_above_the_table(client, pair):
    cursor, copilot = pair
    cursor.description = "Cursor's take from the panel."
    cursor.save()
    html = text_of(client.get("/compare/cursor-vs-github-copilot/"))
    assert html.index('<p class="eyebrow">AI tool comparison</p>') < html.index("<h1>")
    cards = html.split('<article class="versus-card"')[1:]
    assert len(cards) == 2
    first, second = (card.split("</article>")[0] for card in cards)
    for card, tool, verdict, price in [
        (first, cursor, "SHIP", "Paid"),
        (second, copilot, "SPLIT", "Freemium"),
    ]:
        assert f">{tool.name}</a></h2>" in card
        assert tool.tagline in card
        assert f"Entry price: <strong>{price}</strong>" in card
        assert f"{verdict}</p>" in card and "verdict-score" in card
        assert "The panel's take" in card and tool.description in card
    assert "75%</strong>" in first  # 3 of 4 critics ship Cursor
    assert html.index('class="versus-card"') < html.index('class="decision-table"')
    assert html.index('class="decision-table"') < html.index('id="scorecard-heading"')


def test_the_newsletter_box_on_comparison_pages_speaks_of_comparisons(client, pair):
    html = text_of(client.get("/compare/cursor-vs-github-copilot/"))
    assert "Get the next comparison in your inbox: one email a week" in html
    elsewhere = text_of(client.get(pair[0].get_absolute_url()))
    assert "Get the next verdict in your inbox" in elsewhere
    assert "next comparison" not in elsewhere
