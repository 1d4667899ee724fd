"""Counting that loses nothing, proved against the real gunicorn with several workers.

Every reader first loads the tool page, then all of them are released at once by a
barrier so the votes really do arrive together.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connection

from tests.factories import ToolFactory, cast_votes
from tests.server import gunicorn
from tests.votes.readers import Reader
from tools.models import Tool
from votes.models import Vote
from votes.services import discard_votes, restore_votes

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

# Every request here comes from 127.0.0.1, so per-IP limits are raised (see the issue);
# a window of about four months keeps a test from straddling two windows.
LIVE_ENV = {
    "VOTE_RATE_PER_IP": "100000",
    "VOTE_RATE_PER_VOTER": "1000",
    "VOTE_RATE_PER_IP_WINDOW": "10000000",
    "VOTE_RATE_PER_VOTER_WINDOW": "10000000",
    "VOTES_PER_NETWORK_PER_DAY": "5",
    # Each reader may stand on a network of its own (X-Forwarded-For via this proxy).
    "TRUSTED_PROXIES": "127.0.0.1",
}


@pytest.fixture(scope="module")
def server(django_db_setup, django_db_blocker):
    with gunicorn(workers=3, env=LIVE_ENV) as base_url:
        yield base_url


def all_at_once(jobs: list, *, threads: int) -> list:
    """Run ``jobs`` (callables) in parallel, releasing them together; return their results."""
    barrier = threading.Barrier(len(jobs))

    def run(job):
        barrier.wait(timeout=60)
        return job()

    with ThreadPoolExecutor(max_workers=threads) as pool:
        return list(pool.map(run, jobs))


def community(tool):
    return Tool.objects.with_stats().get(pk=tool.pk).community


def test_200_concurrent_votes_from_distinct_voters_all_count(server):
    tool = ToolFactory()
    cast_votes(tool, ships=7, skips=3)
    # Two hundred readers on two hundred networks: no network cap is near.
    readers = [Reader(user_agent=f"Reader/{n}", address=f"10.1.{n}.7") for n in range(200)]
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(lambda reader: reader.open(f"{server}/tools/{tool.slug}/"), readers))

    # Three ships to one skip; half through htmx, half as plain form posts.
    jobs = [
        (lambda r=r, n=n: r.vote(server, tool.slug, "ship" if n % 4 else "skip", htmx=n % 2 == 1))
        for n, r in enumerate(readers)
    ]
    statuses = Counter(all_at_once(jobs, threads=200))

    assert statuses == {200: 100, 302: 100}
    after = community(tool)
    assert after.votes == 10 + 200
    assert (after.ships, after.skips) == (7 + 150, 3 + 50)
    assert Vote.objects.filter(tool=tool).values("voter").distinct().count() == 210
    assert f"{after.votes} votes" in Reader().open(f"{server}/tools/{tool.slug}/")


def test_50_concurrent_repeats_from_one_voter_count_once(server):
    tool = ToolFactory()
    cast_votes(tool, ships=4)
    reader = Reader()
    reader.open(f"{server}/tools/{tool.slug}/")
    assert reader.vote(server, tool.slug, "ship") == 302
    voter_cookie = reader.voter_cookie

    statuses = all_at_once(
        [lambda: reader.vote(server, tool.slug, "ship") for _ in range(50)], threads=50
    )

    assert set(statuses) == {302}
    assert community(tool).votes == 5
    # The cookie is renewed (a new timestamp) but names the same voter.
    assert reader.voter_cookie.split(":")[0] == voter_cookie.split(":")[0]


def test_concurrent_flips_end_in_one_consistent_vote(server):
    tool = ToolFactory()
    reader = Reader()
    reader.open(f"{server}/tools/{tool.slug}/")
    reader.vote(server, tool.slug, "skip")

    choices = ["ship", "skip"] * 25
    statuses = all_at_once(
        [lambda c=c: reader.vote(server, tool.slug, c, htmx=True) for c in choices], threads=50
    )

    assert set(statuses) == {200}
    vote = Vote.objects.get(tool=tool)
    after = community(tool)
    assert after.votes == 1
    assert (after.ships, after.skips) == ((1, 0) if vote.choice == "ship" else (0, 1))
    page = reader.open(f"{server}/tools/{tool.slug}/?voted=1")
    assert re.findall(r'value="(ship|skip)"[^>]*aria-pressed="true"', page) == [vote.choice]
    assert "1 vote so far" in page


def test_cookie_clearing_from_one_client_counts_only_up_to_the_network_cap(server):
    """30 first votes at once from one browser on one network, each with fresh cookies."""
    tool = ToolFactory()
    readers = [Reader(user_agent=f"SameBrowser/1.{n}") for n in range(30)]
    for reader in readers:
        reader.open(f"{server}/tools/{tool.slug}/")

    statuses = all_at_once(
        [lambda r=r: r.vote(server, tool.slug, "ship") for r in readers], threads=30
    )

    assert set(statuses) == {302}
    assert Vote.objects.filter(tool=tool).count() == 30
    assert community(tool).votes == 5


def test_kept_counts_equal_a_full_recount_after_concurrent_votes_changes_and_discards(server):
    """Casts, changes of mind and withdrawals through gunicorn on two tools, while an
    editor discards and restores batches: the kept counts end equal to counting the rows."""
    tools = ToolFactory.create_batch(2)
    readers = [Reader(user_agent=f"Mixed/{n}") for n in range(60)]
    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(lambda r: r.open(f"{server}/tools/{tools[0].slug}/"), readers))
    for n, reader in enumerate(readers[:30]):
        reader.vote(server, tools[n % 2].slug, "ship")

    def editor(action):
        def run():
            try:
                batch = Vote.objects.filter(voter__in=Vote.objects.values("voter")[:15])
                if action == "discard":
                    return discard_votes(votes=batch, reason="concurrency test")
                return restore_votes(votes=Vote.objects.all())
            finally:
                # This pool thread's own connection: left open, it would keep the test
                # database from being dropped at the end of the run.
                connection.close()

        return run

    jobs = []
    for n, reader in enumerate(readers):
        slug = tools[n % 2].slug
        choice = ["ship", "skip", "withdraw"][n % 3]
        jobs.append(lambda r=reader, s=slug, c=choice, h=n % 2 == 0: r.vote(server, s, c, htmx=h))
    jobs += [editor("discard"), editor("restore"), editor("discard")]
    all_at_once(jobs, threads=len(jobs))

    for tool in tools:
        counted = Vote.objects.counted().filter(tool=tool)
        recount = (counted.filter(choice="ship").count(), counted.filter(choice="skip").count())
        after = community(tool)
        assert (after.ships, after.skips) == recount


def test_one_address_changing_its_user_agent_40_times_counts_5_the_rest_set_aside(server):
    """Clear cookies, change the User-Agent, vote; 40 times from one address."""
    tool = ToolFactory()
    cast_votes(tool, ships=3)
    statuses = []
    for n in range(40):
        reader = Reader(user_agent=f"Mozilla/5.0 (Attempt {n})", address="203.0.113.50")
        reader.open(f"{server}/tools/{tool.slug}/")
        statuses.append(reader.vote(server, tool.slug, "ship", htmx=n % 2 == 1))

    # Nobody is refused: the office behind one address sees its votes taken.
    assert Counter(statuses) == {302: 20, 200: 20}
    assert community(tool).votes == 3 + 5
    assert Vote.objects.filter(tool=tool).count() == 3 + 40
    assert Vote.objects.filter(tool=tool).set_aside().count() == 35
    # The public figure is what is counted, never what was set aside.
    assert "8 votes so far" in Reader().open(f"{server}/tools/{tool.slug}/")
    # Another network voting on the same tool is not held back.
    elsewhere = Reader(address="198.51.100.9")
    elsewhere.open(f"{server}/tools/{tool.slug}/")
    assert elsewhere.vote(server, tool.slug, "skip") == 302
    assert community(tool).votes == 9


def test_20_concurrent_first_submits_without_javascript_count_once(server):
    """A double-click (or a stuck key) on "Ship it" before any voter cookie exists."""
    tool = ToolFactory()
    cast_votes(tool, ships=2)
    readers = [Reader(user_agent="OneBrowser/2.0", address="192.0.2.77") for _ in range(20)]
    for reader in readers:
        reader.open(f"{server}/tools/{tool.slug}/")

    statuses = all_at_once(
        [lambda r=r: r.vote(server, tool.slug, "ship") for r in readers], threads=20
    )

    assert set(statuses) == {302}
    assert community(tool).votes == 2 + 1
    assert Vote.objects.filter(tool=tool).count() == 2 + 1
    # Every submit answered with the same voter, so the reader can change or withdraw it.
    voters = {reader.voter_cookie.split(":")[0] for reader in readers}
    assert len(voters) == 1


def test_two_quick_clicks_without_a_cookie_count_once(server):
    tool = ToolFactory()
    first, second = (Reader(user_agent="Clicky/1", address="192.0.2.90") for _ in range(2))
    for reader in (first, second):
        reader.open(f"{server}/tools/{tool.slug}/")
    assert first.vote(server, tool.slug, "ship") == 302
    assert second.vote(server, tool.slug, "ship") == 302
    assert community(tool).votes == 1
