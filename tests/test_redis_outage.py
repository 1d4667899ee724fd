"""Redis stops, then hangs, under the production configuration: nothing answers 500.

A throwaway Redis of the test's own (so the shared one other tests use is untouched)
backs a real gunicorn. With it stopped and then frozen (SIGSTOP), pages, badges, the
embed and badge clicks are served without the cache, votes are still taken (their
per-network cap lives in PostgreSQL), admin sign-in refuses with a clear 503 rather than
checking passwords it cannot count, and /healthz says the cache is down.
"""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookies import SimpleCookie

import pytest

from devtools.redis import throwaway_redis
from tests.factories import ToolFactory, review_tool
from tests.server import gunicorn
from tests.votes.readers import Reader

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


opener = urllib.request.build_opener(KeepRedirects)


def fetch(url: str, data: dict | None = None, cookie: str = "") -> tuple[int, str, float]:
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    headers = {"Cookie": cookie}
    if data is not None:  # what a browser sends with a form posted from the site's own page
        origin = "/".join(url.split("/")[:3])
        headers |= {"Origin": origin, "Sec-Fetch-Site": "same-origin"}
    request = urllib.request.Request(url, data=body, headers=headers)
    started = time.monotonic()
    try:
        with opener.open(request, timeout=20) as response:
            status, text = response.status, response.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode(errors="replace")
    return status, text, time.monotonic() - started


def form_post(base_url: str, page: str, action: str, fields: dict) -> tuple[int, str, float]:
    """Post a form as a browser would: the admin's carries Django's token, public ones none."""
    with urllib.request.urlopen(base_url + page, timeout=20) as response:
        html = response.read().decode()
        cookies = SimpleCookie(response.headers.get("Set-Cookie", ""))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if token is None:
        return fetch(base_url + action, fields)
    cookie = f"csrftoken={cookies['csrftoken'].value}"
    return fetch(base_url + action, {**fields, "csrfmiddlewaretoken": token[1]}, cookie=cookie)


def every_kind_of_request(base_url: str, slug: str, n: int) -> dict[str, tuple[int, str, float]]:
    reader = Reader(user_agent=f"Outage/{n}")
    reader.open(f"{base_url}/tools/{slug}/")
    started = time.monotonic()
    vote = reader.vote(base_url, slug, "ship")
    vote_time = time.monotonic() - started
    return {
        "home": fetch(base_url + "/"),
        "tool": fetch(f"{base_url}/tools/{slug}/"),
        "compare index": fetch(base_url + "/compare/"),
        "share card": fetch(f"{base_url}/og/tools/{slug}.png"),
        "badge": fetch(f"{base_url}/api/badge/{slug}.svg"),
        "embed": fetch(f"{base_url}/embed/{slug}"),
        "badge click": fetch(f"{base_url}/api/badge-click/{slug}"),
        "vote": (vote, "", vote_time),
        "sign-in": form_post(
            base_url, "/admin/login/", "/admin/login/", {"username": "x", "password": "y"}
        ),
        "signup": form_post(
            base_url, "/newsletter/", "/newsletter/", {"email": f"r{n}@example.com"}
        ),
        "healthz": fetch(base_url + "/healthz"),
    }


EXPECTED_WITHOUT_REDIS = {
    "home": 200,
    "tool": 200,
    "compare index": 200,
    "share card": 200,
    "badge": 200,
    "embed": 200,
    "badge click": 302,
    "vote": 302,
    "sign-in": 503,
    "signup": 302,
    "healthz": 200,
}


def test_redis_stopped_or_hung_degrades_every_answer_and_nothing_fails(panel):
    tool = ToolFactory(slug="steady-tool")
    review_tool(tool, panel, "sssk")
    with throwaway_redis() as server:
        env = {"REDIS_URL": server.url, "BADGES_COUNTER_REDIS_URL": server.url, "DEBUG": "0"}
        with gunicorn(workers=2, env=env) as base_url:
            healthy = every_kind_of_request(base_url, tool.slug, 0)
            assert {name: answer[0] for name, answer in healthy.items()} == {
                **EXPECTED_WITHOUT_REDIS,
                "sign-in": 200,
            }
            assert '"cache": "ok"' in healthy["healthz"][1]

            server.stop()
            stopped = [every_kind_of_request(base_url, tool.slug, n) for n in (1, 2)]
            server.start()
            server.freeze()
            try:
                hung = [every_kind_of_request(base_url, tool.slug, n) for n in (3, 4)]
            finally:
                server.thaw()
            time.sleep(5.5)  # the cache's back-off after a failure
            recovered = every_kind_of_request(base_url, tool.slug, 5)

    for answers in [*stopped, *hung]:
        assert {name: answer[0] for name, answer in answers.items()} == EXPECTED_WITHOUT_REDIS
        assert "Sign-in is paused" in answers["sign-in"][1]
        assert '"cache": "down"' in answers["healthz"][1]
        assert answers["badge"][1].startswith("<svg")
        # Short Redis timeouts and a back-off: no answer waits on a hung Redis for long.
        assert max(answer[2] for answer in answers.values()) < 3, answers
    assert recovered["sign-in"][0] == 200
    assert '"cache": "ok"' in recovered["healthz"][1]
