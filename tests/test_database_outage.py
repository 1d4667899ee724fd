"""PostgreSQL goes away mid-traffic and comes back: friendly 503s, then normal service.

The test runs its own throwaway cluster (so stopping it disturbs nobody else), migrates
and seeds it, starts the real gunicorn against it and keeps a few clients busy the whole
time, recording every status code.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field

import pytest

from tests.pgcluster import throwaway_cluster
from tests.server import ROOT, gunicorn

pytestmark = pytest.mark.server

PAGES = ["/", "/tools/mixtral-8x22b/", "/tools/cursor/", "/healthz"]


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
        server = gunicorn(workers=2, env={"DATABASE_URL": cluster.url})
        with server as base_url, Traffic(base_url) as traffic:
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
