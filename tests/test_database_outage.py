"""PostgreSQL goes away mid-traffic and comes back: friendly 503s, then normal service.

The test runs its own throwaway cluster (so stopping it disturbs nobody else), migrates
and seeds it, starts the real gunicorn against it and keeps a few clients busy the whole
time, recording every status code. One of them votes throughout: every vote acknowledged
before, during or after the outage must be in the database once it is back, and a vote
refused during it must have left nothing behind.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

import psycopg
import pytest
from django.conf import settings

from devtools.postgres import throwaway_cluster
from tests.server import ROOT, fetch, gunicorn

pytestmark = pytest.mark.server

PAGES = ["/", "/tools/mixtral-8x22b/", "/tools/cursor/", "/healthz"]
VOTED_TOOL = "cursor"
# Every ballot comes from a new voter on one network: no limit may refuse them.
VOTE_ENV = {"VOTES_PER_NETWORK_PER_DAY": "100000", "VOTE_RATE_PER_IP": "100000"}


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


no_redirects = urllib.request.build_opener(KeepRedirects)


@dataclass
class Traffic:
    """Clients hitting PAGES in a loop; the phase label says what the database was doing."""

    base_url: str
    phase: str = "before"
    seen: dict[str, Counter] = field(default_factory=dict)
    bodies: list[tuple[str, int, str, str]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, path: str, status: int, body: str, retry_after: str | None) -> None:
        with self.lock:
            self.seen.setdefault(self.phase, Counter())[status] += 1
            if status != 200:
                self.bodies.append((path, status, body, retry_after or ""))

    def client(self, offset: int) -> None:
        n = offset
        while not self.stop.is_set():
            path = PAGES[n % len(PAGES)]
            n += 1
            try:
                with urllib.request.urlopen(self.base_url + path, timeout=10) as response:
                    self.record(path, response.status, "", None)
            except urllib.error.HTTPError as error:
                body = error.read().decode(errors="replace")
                self.record(path, error.code, body, error.headers.get("Retry-After"))
            time.sleep(0.01)

    def __enter__(self) -> Traffic:
        self.threads = [threading.Thread(target=self.client, args=(i,)) for i in range(4)]
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)


@dataclass
class Ballots:
    """One client casting a ship vote as a new voter every few milliseconds."""

    traffic: Traffic
    acknowledged: list[str] = field(default_factory=list)
    unanswered: int = 0
    refused: Counter = field(default_factory=Counter)

    def cast(self) -> None:
        body = urllib.parse.urlencode({"choice": "ship"}).encode()
        request = urllib.request.Request(
            f"{self.traffic.base_url}/tools/{VOTED_TOOL}/vote/",
            data=body,
            headers={"Origin": self.traffic.base_url, "Sec-Fetch-Site": "same-origin"},
        )
        try:
            response = no_redirects.open(request, timeout=10)
        except urllib.error.HTTPError as error:
            status, headers = error.code, error.headers
            body_text = error.read().decode(errors="replace")
        except OSError:
            # Sent, but no answer came back: the vote may or may not have been saved.
            self.unanswered += 1
            return
        else:
            status, headers, body_text = response.status, response.headers, ""
        if status in {302, 303}:
            cookie = SimpleCookie(headers["Set-Cookie"])[settings.VOTER_COOKIE_NAME].value
            self.acknowledged.append(read_voter_cookie(cookie))
        else:
            self.refused[status] += 1
            if status == 503:
                self.traffic.record(
                    f"/tools/{VOTED_TOOL}/vote/", status, body_text, headers.get("Retry-After")
                )

    def run(self) -> None:
        while not self.traffic.stop.is_set():
            self.cast()
            time.sleep(0.02)

    def __enter__(self) -> Ballots:
        self.thread = threading.Thread(target=self.run)
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.traffic.stop.set()
        self.thread.join(timeout=15)


def read_voter_cookie(value: str) -> str:
    """The voter id inside the signed cookie ("id:timestamp:signature")."""
    return value.rsplit(":", 2)[0]


def recorded_voters(database_url: str) -> list[str]:
    with psycopg.connect(database_url) as connection:
        rows = connection.execute(
            "SELECT voter FROM votes_vote JOIN tools_tool ON tools_tool.id = votes_vote.tool_id"
            " WHERE tools_tool.slug = %s",
            [VOTED_TOOL],
        ).fetchall()
    return [voter for (voter,) in rows]


def manage(*args: str, database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url, "SHIPORSKIP_ENV": "development"}
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def wait_for_health(base_url: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(base_url + "/healthz", timeout=5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("the site did not recover after PostgreSQL came back")


def test_database_outage_gives_503s_then_recovers_without_a_restart():
    with throwaway_cluster() as cluster:
        manage("migrate", "--noinput", database_url=cluster.url)
        manage("seed_demo", database_url=cluster.url)
        seeded_voters = set(recorded_voters(cluster.url))
        server = gunicorn(workers=2, env={"DATABASE_URL": cluster.url, **VOTE_ENV})
        with server as base_url, Traffic(base_url) as traffic, Ballots(traffic) as ballots:
            time.sleep(1)
            traffic.phase = "stopping"
            cluster.stop()
            traffic.phase = "down"
            time.sleep(2)
            traffic.phase = "restarting"
            cluster.start()
            cluster.wait_until_accepting()
            wait_for_health(base_url)
            # Every thread's persistent connection died with the server; each must be
            # replaced on its next request (conn_health_checks), not fail once more.
            time.sleep(0.5)
            traffic.phase = "after"
            time.sleep(1.5)
        voters_after = recorded_voters(cluster.url)

    # No acknowledged vote was lost, none was stored twice, and the only votes stored
    # without an acknowledgement are ones whose answer never arrived.
    new_voters = [voter for voter in voters_after if voter not in seeded_voters]
    assert len(new_voters) == len(set(new_voters))
    assert set(ballots.acknowledged) <= set(new_voters)
    assert len(new_voters) - len(ballots.acknowledged) <= ballots.unanswered
    assert len(ballots.acknowledged) > 20, ballots
    assert set(ballots.refused) <= {503}, ballots.refused
    assert ballots.refused[503] > 0, ballots.refused

    seen = traffic.seen
    assert set(seen["before"]) == {200}, seen
    assert set(seen["stopping"]) <= {200, 503}, seen
    assert seen["down"][503] > 10, seen
    assert set(seen["down"]) <= {200, 503}, seen
    assert set(seen["restarting"]) <= {200, 503}, seen
    assert set(seen["after"]) == {200}, seen
    assert seen["after"][200] > 15, seen
    outage_pages = [entry for entry in traffic.bodies if entry[1] == 503]
    for path, _, body, retry_after in outage_pages:
        assert retry_after.isdigit(), path
        assert "Traceback" not in body
        assert "OperationalError" not in body
        assert "127.0.0.1" not in body
        if path == "/healthz":
            assert '"database": "down"' in body
        else:
            assert "ShipOrSkip is catching its breath" in body


# The embedded default without Redis: cache, limits and badge counts all in-process.
WITHOUT_REDIS = {"REDIS_URL": "", "BADGES_COUNTER_REDIS_URL": "", "RATELIMIT_REDIS_URL": ""}


def fetch_badge(url: str, headers: dict[str, str] | None = None) -> tuple[int, str, str]:
    status, answer_headers, body = fetch(url, headers)
    return status, answer_headers.get("Content-Type", ""), body


def test_without_redis_the_badge_stays_an_svg_while_postgresql_is_stopped():
    with throwaway_cluster() as cluster:
        manage("migrate", "--noinput", database_url=cluster.url)
        manage("seed_demo", database_url=cluster.url)
        server = gunicorn(workers=1, env={"DATABASE_URL": cluster.url, **WITHOUT_REDIS})
        with server as base_url:
            badge = f"{base_url}/api/badge/{VOTED_TOOL}.svg"
            status, content_type, before = fetch_badge(badge)
            assert (status, content_type) == (200, "image/svg+xml")
            with urllib.request.urlopen(badge, timeout=10) as response:
                etag = response.headers["ETag"]

            cluster.stop()
            # Every hit tries to record itself in PostgreSQL; none may cost the image.
            during = {
                query: fetch_badge(f"{badge}{query}")
                for query in ("", "?style=compact", "?style=card&theme=dark")
            }
            unknown = fetch_badge(f"{base_url}/api/badge/never-reviewed.svg")
            revalidated = fetch_badge(badge, {"If-None-Match": etag})
            cluster.start()
            cluster.wait_until_accepting()
            wait_for_health(base_url)
            after = fetch_badge(badge)

    for status, content_type, body in [*during.values(), unknown, after]:
        assert (status, content_type) == (200, "image/svg+xml")
        assert body.startswith("<svg")
    # The verdict this process last saw, not a neutral placeholder, while the data is away.
    assert during[""][2] == before
    assert "not reviewed" in unknown[2].lower()
    assert revalidated[0] == 304
    assert after[2] == before
