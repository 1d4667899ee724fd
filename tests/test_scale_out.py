"""Two app servers behind one PostgreSQL and one Redis agree on shared state.

The admin sign-in limit is the shared state that exists today: failures spread across
both servers must add up to one count. (Votes and badge counters join this test as they
land.)
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.cookies import SimpleCookie

import pytest

from tests.factories import ToolFactory
from tests.server import gunicorn

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/7"


def failed_sign_in(base_url: str, username: str) -> int:
    with urllib.request.urlopen(base_url + "/admin/login/", timeout=10) as page:
        html = page.read().decode()
        cookie = SimpleCookie(page.headers["Set-Cookie"])["csrftoken"].value
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    body = urllib.parse.urlencode(
        {"username": username, "password": "not the password", "csrfmiddlewaretoken": token}
    ).encode()
    request = urllib.request.Request(
        base_url + "/admin/login/", data=body, headers={"Cookie": f"csrftoken={cookie}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_app_servers_share_pages_and_the_sign_in_limit():
    ToolFactory(slug="shared-tool", name="Shared Tool")
    env = {
        "REDIS_URL": REDIS_URL,
        "ADMIN_LOGIN_ATTEMPTS_PER_USERNAME": "4",
        "ADMIN_LOGIN_ATTEMPTS_PER_IP": "1000",
    }
    # A fresh username per run, so counters left in Redis by an earlier run never matter.
    username = f"intruder-{uuid.uuid4().hex[:12]}"
    with gunicorn(workers=1, env=env) as first, gunicorn(workers=1, env=env) as second:
        for base_url in (first, second):
            with urllib.request.urlopen(base_url + "/tools/shared-tool/", timeout=10) as page:
                assert "Shared Tool" in page.read().decode()
        statuses = [failed_sign_in((first, second)[n % 2], username) for n in range(6)]
    # Four failures in total are allowed, two on each server; the fifth, wherever it
    # lands, is refused because both servers count in the same Redis.
    assert statuses == [200, 200, 200, 200, 429, 429]
