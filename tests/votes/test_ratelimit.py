import re

import pytest
from django.test import Client, RequestFactory

from core.ratelimit import (
    is_rate_limited,
    seconds_until_reset,
    too_many_requests,
    wait_in_words,
)
from tests.factories import ToolFactory
from votes.models import Vote


def test_limit_allows_exactly_limit_attempts_per_window():
    results = [is_rate_limited("test", "k", limit=3, window=60) for _ in range(5)]
    assert results == [False, False, False, True, True]


def test_keys_and_scopes_are_counted_separately():
    for _ in range(2):
        is_rate_limited("test", "a", limit=2, window=60)
    assert is_rate_limited("test", "a", limit=2, window=60)
    assert not is_rate_limited("test", "b", limit=2, window=60)
    assert not is_rate_limited("other", "a", limit=2, window=60)


def test_zero_limit_refuses_everything():
    assert is_rate_limited("test", "z", limit=0, window=60)


def test_seconds_until_reset_counts_down_to_the_window_edge():
    assert seconds_until_reset(60, now=120.0) == 60
    assert seconds_until_reset(60, now=150.5) == 30
    assert seconds_until_reset(60, now=179.9) == 1


def test_waits_are_said_the_way_people_say_them():
    assert wait_in_words(1) == "1 second"
    assert wait_in_words(42) == "42 seconds"
    assert wait_in_words(347) == "about 6 minutes"
    assert wait_in_words(86400) == "about 24 hours"


@pytest.mark.django_db
def test_429_page_says_what_happened_and_when_to_retry():
    request = RequestFactory().get("/")
    response = too_many_requests(request, "Too many votes from your network.", retry_after=42)
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    html = response.content.decode()
    assert "Too many votes from your network." in html
    assert "try again in 42 seconds" in html
    assert "<title>Slow down" in html


@pytest.mark.django_db
def test_per_voter_limit_answers_429_and_records_nothing_more(settings):
    settings.VOTE_RATE_PER_VOTER = 3
    tools = ToolFactory.create_batch(5)
    reader = Client()
    statuses = [
        reader.post(f"/tools/{tool.slug}/vote/", {"choice": "ship"}).status_code for tool in tools
    ]
    # The first vote mints the voter; three more are allowed for that voter, then refused.
    assert statuses == [302, 302, 302, 302, 429]
    assert Vote.objects.count() == 4
    refused = reader.post(f"/tools/{tools[4].slug}/vote/", {"choice": "ship"})
    assert int(refused["Retry-After"]) >= 1
    assert "faster than anyone reads" in refused.content.decode()


@pytest.mark.django_db
def test_per_ip_limit_holds_even_when_cookies_are_cleared(settings):
    settings.VOTE_RATE_PER_IP = 3
    tool = ToolFactory()
    # A fresh browser each time (a repeat from the same one would be one voter anyway).
    statuses = [
        Client(HTTP_USER_AGENT=f"Browser/{n}")
        .post(f"/tools/{tool.slug}/vote/", {"choice": "ship"})
        .status_code
        for n in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert Vote.objects.count() == 3


@pytest.mark.django_db
def test_rate_limited_htmx_vote_shows_the_message_in_the_box(settings):
    settings.VOTE_RATE_PER_IP = 1
    tool = ToolFactory(slug="aider")
    reader = Client()
    reader.post(f"/tools/{tool.slug}/vote/", {"choice": "ship"})
    response = reader.post(
        f"/tools/{tool.slug}/vote/", {"choice": "skip"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert 'id="vote-aider"' in html
    assert "A lot of votes have come from your network recently." in html
    # The box still shows the vote that was counted.
    assert re.search(r'value="ship"[^>]*aria-pressed="true"', html)
    assert Vote.objects.get().choice == "ship"


@pytest.mark.django_db
def test_per_ip_limit_uses_the_address_our_proxy_vouches_for(settings):
    settings.VOTE_RATE_PER_IP = 1
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    tool = ToolFactory()

    def vote_from(forwarded_for: str) -> int:
        return (
            Client()
            .post(
                f"/tools/{tool.slug}/vote/",
                {"choice": "ship"},
                headers={"X-Forwarded-For": forwarded_for},
            )
            .status_code
        )

    assert vote_from("198.51.100.1") == 302
    assert vote_from("198.51.100.2") == 302
    # A client cannot dodge its limit by claiming another address in front of ours.
    assert vote_from("203.0.113.9, 198.51.100.1") == 429


@pytest.mark.django_db
def test_forwarded_for_is_ignored_without_trusted_proxies(settings):
    settings.VOTE_RATE_PER_IP = 1
    settings.TRUSTED_PROXIES = []
    tool = ToolFactory()
    statuses = [
        Client()
        .post(f"/tools/{tool.slug}/vote/", {"choice": "ship"}, headers={"X-Forwarded-For": address})
        .status_code
        for address in ["198.51.100.1", "198.51.100.2"]
    ]
    assert statuses == [302, 429]
