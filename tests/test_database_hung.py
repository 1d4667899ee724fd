"""PostgreSQL hangs (its processes stopped with SIGSTOP, as a paused VM or a partition
looks to the client) while requests are in flight: every request answers within seconds
with the 503 page, /healthz within two, and service resumes without a restart.

The test runs its own throwaway cluster, so freezing it disturbs nobody else.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest

from devtools.postgres import throwaway_cluster
from tests.server import gunicorn
from tests.test_database_outage import manage

pytestmark = pytest.mark.server

PAGES = ["/", "/tools/cursor/", "/compare/", "/api/badge/cursor.svg", "/healthz"]


def cluster_pids(datadir) -> list[int]:
    postmaster = int((datadir / "postmaster.pid").read_text().split()[0])
    children = subprocess.run(
        ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
    ).stdout.split()
    return [postmaster, *map(int, children)]


def timed_get(url: str) -> tuple[int, float]:
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    return status, time.monotonic() - started


def test_a_hung_database_answers_within_seconds_and_recovers_without_a_restart():
    with throwaway_cluster() as cluster:
        manage("migrate", "--noinput", database_url=cluster.url)
        manage("seed_demo", database_url=cluster.url)
        env = {"DATABASE_URL": cluster.url, "DB_CONNECT_TIMEOUT": "2"}
        with gunicorn(workers=2, env=env) as base_url:
            for path in PAGES * 3:  # warm: every thread holds a persistent connection
                assert timed_get(base_url + path)[0] == 200, path
            pids = cluster_pids(cluster.datadir)
            for pid in pids:
                os.kill(pid, signal.SIGSTOP)
            results: dict[str, list[tuple[int, float]]] = {}
            try:
                # A load balancer's probe on a server with threads free: under two seconds.
                lone_probe = timed_get(base_url + "/healthz")

                # Requests arriving while it is hung, several at once.
                def hit(path: str) -> None:
                    results.setdefault(path, []).append(timed_get(base_url + path))

                threads = [threading.Thread(target=hit, args=(p,)) for p in PAGES * 2]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join(timeout=40)
                during = {path: list(answers) for path, answers in results.items()}
            finally:
                for pid in pids:
                    os.kill(pid, signal.SIGCONT)
            deadline = time.monotonic() + 20
            while timed_get(base_url + "/healthz")[0] != 200:
                assert time.monotonic() < deadline, "no recovery after PostgreSQL resumed"
                time.sleep(0.2)
            after = {path: timed_get(base_url + path) for path in PAGES}

    print("while hung (status, seconds): probe", lone_probe, "under load", during)
    assert lone_probe[0] == 503
    assert lone_probe[1] < 2.0
    for path, answers in during.items():
        for status, seconds in answers:
            # The badge stays an image, from what the process last knew.
            assert status == (200 if path.startswith("/api/badge/") else 503), (path, status)
            # Ten requests on eight threads: the last two wait for a thread (one deadline,
            # 4.5 s) and then their own deadline: still within ten seconds.
            assert seconds < 10.0, (path, seconds)
    assert {path: status for path, (status, _) in after.items()} == dict.fromkeys(PAGES, 200)
