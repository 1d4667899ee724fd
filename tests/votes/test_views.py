import re

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import ToolFactory, VoteFactory, cast_votes, review_tool
from tests.responses import assert_redirects
from votes.identity import VOTER_COOKIE_SALT
from votes.models import Vote

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def vote_url(tool) -> str:
    return reverse("votes:vote", kwargs={"slug": tool.slug})


def community_line(html: str) -> str:
    return re.search(r'class="community-line">([^<]*)<', html).group(1)


def pressed(html: str) -> list[str]:
    return re.findall(r'value="(ship|skip)"[^>]*aria-pressed="true"', html)


def withdraw_offered(html: str) -> bool:
    """The "Take back my vote" button is shown (shared pages carry it hidden for votes.js)."""
    return 'class="vote-withdraw">Take back my vote' in html


def own_vote_page(tool) -> str:
    """The tool page's private answer, the one a vote without JavaScript returns to."""
    return f"{tool.get_absolute_url()}?voted=1"


@pytest.fixture
def tool():
    return ToolFactory(name="Aider", slug="aider")


def test_tool_page_offers_ship_and_skip_buttons_in_a_tokenless_form(client, tool):
    html = client.get(tool.get_absolute_url()).content.decode()
    form = re.search(r'<form class="vote-form".*?</form>', html, re.S).group(0)
    assert f'action="{vote_url(tool)}"' in form
    assert 'name="csrfmiddlewaretoken"' not in form
    assert 'value="ship"' in form
    assert 'value="skip"' in form
    assert not withdraw_offered(form)
    assert "No community votes yet" in html


def test_vote_without_javascript_redirects_back_and_the_page_shows_it(client, tool):
    response = client.post(vote_url(tool), {"choice": "ship", "next": tool.get_absolute_url()})
    assert_redirects(response, f"{own_vote_page(tool)}#vote-aider")
    html = client.get(response["Location"]).content.decode()
    assert community_line(html) == "1 vote so far"
    assert pressed(html) == ["ship"]
    assert "You voted <strong data-my-choice>SHIP</strong>" in html
    assert withdraw_offered(html)


def test_htmx_vote_answers_with_the_box_alone(client, tool):
    cast_votes(tool, ships=6, skips=3)
    response = client.post(
        vote_url(tool), {"choice": "skip", "next": tool.get_absolute_url()}, headers=HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div class="vote-box" id="vote-aider"')
    assert "<html" not in html
    assert community_line(html) == "60% ship · 10 votes"
    assert pressed(html) == ["skip"]
    assert f'name="next" value="{tool.get_absolute_url()}"' in html
    assert "HX-Request" in response["Vary"]


def test_percentage_appears_only_from_the_threshold(client, tool, settings):
    settings.SHIPORSKIP_MIN_COMMUNITY_VOTES = 10
    cast_votes(tool, ships=8)
    first = client.post(vote_url(tool), {"choice": "ship"}, headers=HTMX).content.decode()
    assert community_line(first) == "9 votes so far"
    assert "<meter" not in first
    other_reader = Client()
    tenth = other_reader.post(vote_url(tool), {"choice": "skip"}, headers=HTMX).content.decode()
    assert community_line(tenth) == "90% ship · 10 votes"
    assert 'value="90"' in tenth


def test_changing_a_vote_keeps_one_vote(client, tool):
    client.post(vote_url(tool), {"choice": "ship"})
    client.post(vote_url(tool), {"choice": "skip"})
    client.post(vote_url(tool), {"choice": "skip"})
    assert list(Vote.objects.values_list("choice", flat=True)) == ["skip"]
    html = client.get(own_vote_page(tool)).content.decode()
    assert community_line(html) == "1 vote so far"
    assert pressed(html) == ["skip"]


def test_taking_a_vote_back_removes_it(client, tool):
    client.post(vote_url(tool), {"choice": "ship"})
    response = client.post(vote_url(tool), {"choice": "withdraw"}, headers=HTMX)
    html = response.content.decode()
    assert community_line(html) == "No community votes yet"
    assert pressed(html) == []
    assert not withdraw_offered(html)
    assert not Vote.objects.exists()


def test_withdrawing_without_ever_voting_changes_nothing_and_sets_no_cookie(client, tool):
    response = client.post(vote_url(tool), {"choice": "withdraw"})
    assert response.status_code == 302
    assert "sos_voter" not in response.cookies
    assert not Vote.objects.exists()


def test_voter_cookie_is_signed_long_lived_http_only_and_lax(client, tool, settings):
    response = client.post(vote_url(tool), {"choice": "ship"})
    cookie = response.cookies["sos_voter"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert cookie["path"] == "/"
    voter = Vote.objects.get().voter
    assert cookie.value.startswith(voter + ":")
    assert Client().get("/").cookies.get("sos_voter") is None


def test_voter_cookie_is_secure_outside_development(client, tool, settings):
    settings.VOTER_COOKIE_SECURE = True
    response = client.post(vote_url(tool), {"choice": "ship"})
    assert response.cookies["sos_voter"]["secure"]


def test_each_reader_has_their_own_vote(tool):
    alice, bob = Client(), Client()
    alice.post(vote_url(tool), {"choice": "ship"})
    bob.post(vote_url(tool), {"choice": "skip"})
    assert pressed(alice.get(own_vote_page(tool)).content.decode()) == ["ship"]
    assert pressed(bob.get(own_vote_page(tool)).content.decode()) == ["skip"]
    assert pressed(Client().get(own_vote_page(tool)).content.decode()) == []
    # The page every reader shares shows nobody's vote.
    assert pressed(alice.get(tool.get_absolute_url()).content.decode()) == []
    assert Vote.objects.count() == 2


def test_votes_on_one_tool_do_not_show_on_another(client, tool):
    other = ToolFactory()
    client.post(vote_url(tool), {"choice": "ship"})
    assert pressed(client.get(other.get_absolute_url()).content.decode()) == []


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "/\\evil.example"],
)
def test_unsafe_next_falls_back_to_the_tool_page(client, tool, next_url):
    response = client.post(vote_url(tool), {"choice": "ship", "next": next_url})
    assert_redirects(response, f"{own_vote_page(tool)}#vote-aider")


@pytest.mark.parametrize("next_url", ["/a\r\nSet-Cookie: x=1", "/\x00", "/ok?q=<script>"])
def test_odd_local_next_is_never_a_500_or_a_header_injection(client, tool, next_url):
    response = client.post(vote_url(tool), {"choice": "ship", "next": next_url})
    # A NUL anywhere in a form is refused outright (core.middleware), recording nothing.
    if "\x00" in next_url:
        assert response.status_code == 400
        assert not tool.votes.exists()
        return
    assert response.status_code == 302
    assert "\n" not in response["Location"]
    assert "x" not in response.cookies
    # An injected header would show up among the raw headers, not in response.cookies.
    raw_headers = response.serialize_headers().decode("latin-1").lower()
    assert "set-cookie: x" not in raw_headers
    assert raw_headers.count("location:") == 1


def test_local_next_is_honoured(client, tool):
    response = client.post(vote_url(tool), {"choice": "ship", "next": "/compare/a-vs-b/?x=1"})
    assert response["Location"] == "/compare/a-vs-b/?x=1&voted=1#vote-aider"


# --- bad input: a clear 4xx and nothing recorded ---------------------------------------


@pytest.mark.parametrize("slug", ["no-such-tool", "draft-tool"])
def test_unknown_or_unpublished_tool_is_404(client, slug):
    ToolFactory(slug="draft-tool", draft=True)
    response = client.post(f"/tools/{slug}/vote/", {"choice": "ship"})
    assert response.status_code == 404
    assert not Vote.objects.exists()


@pytest.mark.parametrize("choice", ["maybe", "", "SHIP", "ship ", "x" * 500])
def test_choice_other_than_ship_or_skip_is_400(client, tool, choice):
    response = client.post(vote_url(tool), {"choice": choice})
    assert response.status_code == 400
    assert "Pick ship or skip" in response.content.decode()
    assert not Vote.objects.exists()
    assert "sos_voter" not in response.cookies


def test_bad_choice_over_htmx_shows_the_message_in_the_box(client, tool):
    response = client.post(vote_url(tool), {"choice": "maybe"}, headers=HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="vote-error">Pick ship or skip to vote.' in html
    assert 'id="vote-aider"' in html


def test_missing_choice_is_400(client, tool):
    assert client.post(vote_url(tool)).status_code == 400
    assert not Vote.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "delete", "head"])
def test_only_post_is_allowed_on_the_vote_url(client, tool, method):
    response = getattr(client, method)(vote_url(tool))
    assert response.status_code == 405
    assert not Vote.objects.exists()


def test_vote_from_another_site_is_403_and_writes_nothing():
    tool = ToolFactory()
    browser = Client(enforce_csrf_checks=True)
    response = browser.post(
        vote_url(tool), {"choice": "ship"}, headers={"Sec-Fetch-Site": "cross-site", **HTMX}
    )
    assert response.status_code == 403
    assert not Vote.objects.exists()


def test_vote_from_the_site_itself_needs_no_token_from_form_or_htmx():
    tool = ToolFactory()
    browser = Client(enforce_csrf_checks=True)
    same_origin = {"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}
    assert browser.post(vote_url(tool), {"choice": "ship"}, headers=same_origin).status_code == 302
    response = browser.post(vote_url(tool), {"choice": "skip"}, headers={**same_origin, **HTMX})
    assert response.status_code == 200
    assert Vote.objects.get().choice == "skip"


def test_oversized_body_is_refused(client, tool):
    response = client.post(vote_url(tool), {"choice": "ship", "padding": "x" * 10_000})
    assert response.status_code == 413
    assert not Vote.objects.exists()


def test_body_beyond_the_upload_limit_is_refused(client, tool):
    response = client.post(vote_url(tool), {"choice": "ship", "padding": "x" * 100_000})
    assert response.status_code in {400, 413}
    assert not Vote.objects.exists()


def test_forged_voter_cookie_is_400_and_cleared(client, tool):
    VoteFactory(tool=tool, voter="victim-voter", choice="skip")
    client.cookies["sos_voter"] = "victim-voter:1xVSHi:not-a-real-signature"
    response = client.post(vote_url(tool), {"choice": "ship"})
    assert response.status_code == 400
    assert "could not be verified" in response.content.decode()
    assert response.cookies["sos_voter"].value == ""
    assert Vote.objects.get().choice == "skip"


def test_cookie_signed_for_another_purpose_is_refused(client, tool):
    VoteFactory(tool=tool, voter="victim-voter", choice="skip")
    response = client.get("/")
    response.set_signed_cookie("sos_voter", "victim-voter", salt="something-else")
    client.cookies["sos_voter"] = response.cookies["sos_voter"].value
    assert client.post(vote_url(tool), {"choice": "ship"}).status_code == 400
    assert Vote.objects.get().choice == "skip"


def test_forged_cookie_on_a_page_is_ignored_not_an_error(client, tool):
    client.cookies["sos_voter"] = "whatever"
    response = client.get(tool.get_absolute_url())
    assert response.status_code == 200
    assert pressed(response.content.decode()) == []


def test_a_signed_cookie_from_us_is_the_voter(client, tool):
    response = client.get("/")
    response.set_signed_cookie("sos_voter", "returning-reader", salt=VOTER_COOKIE_SALT)
    client.cookies["sos_voter"] = response.cookies["sos_voter"].value
    client.post(vote_url(tool), {"choice": "ship"})
    assert Vote.objects.get().voter == "returning-reader"


# --- what the page costs ----------------------------------------------------------------


def test_tool_page_with_a_vote_stays_within_its_query_budget(
    client, tool, panel, django_assert_max_num_queries
):
    review_tool(tool, panel, "ssskkks")
    cast_votes(tool, ships=40, skips=25)
    client.post(vote_url(tool), {"choice": "ship"})
    with django_assert_max_num_queries(6):
        html = client.get(own_vote_page(tool)).content.decode()
    assert community_line(html) == "62% ship · 66 votes"
    assert pressed(html) == ["ship"]


def test_tool_page_for_a_new_visitor_spends_no_query_on_votes(
    client, tool, django_assert_max_num_queries
):
    cast_votes(tool, ships=40)
    with django_assert_max_num_queries(5) as captured:
        client.get(tool.get_absolute_url())
    # The counts ride along as subqueries of the tool query; no query of its own reads votes.
    own_vote_lookups = [
        query["sql"]
        for query in captured.captured_queries
        if query["sql"].lstrip().startswith('SELECT "votes_vote"')
    ]
    assert own_vote_lookups == []


def test_vote_post_query_count_does_not_grow_with_votes(
    client, tool, django_assert_max_num_queries
):
    cast_votes(tool, ships=300, skips=100)
    client.post(vote_url(tool), {"choice": "skip"})
    with django_assert_max_num_queries(7):
        response = client.post(vote_url(tool), {"choice": "ship"}, headers=HTMX)
    assert community_line(response.content.decode()) == "75% ship · 401 votes"


def test_htmx_vote_on_a_comparison_keeps_the_tool_named_in_its_box(client, tool):
    rival = ToolFactory(name="Cline", slug="cline")
    page = client.get(reverse("comparisons:detail", args=["aider-vs-cline"])).content.decode()
    assert "Community: Aider" in page
    assert "Community: Cline" in page
    assert 'name="named" value="1"' in page

    response = client.post(
        vote_url(tool),
        {"choice": "ship", "next": "/compare/aider-vs-cline/", "named": "1"},
        headers=HTMX,
    )
    html = response.content.decode()
    assert "Community: Aider" in html
    assert rival.name not in html


def test_htmx_vote_on_the_tool_page_keeps_the_plain_heading(client, tool):
    html = client.get(tool.get_absolute_url()).content.decode()
    assert 'name="named"' not in html
    response = client.post(vote_url(tool), {"choice": "ship"}, headers=HTMX)
    assert '<h2 class="score-title">Community</h2>' in response.content.decode()
