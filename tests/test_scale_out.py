"""Two app servers behind one PostgreSQL and one Redis agree on shared state.

Rate limits (admin sign-in, newsletter signup) spread across both servers add up to one
count, and badge hits counted through both are flushed to an exact total. Votes through
two servers, their per-voter and per-IP limits included, are covered where the votes are
tested: tests/votes/test_scale_out.py.
"""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookies import SimpleCookie

import pytest
import redis
from django.db.models import Sum

from badges import counters
from badges.models import DailyCount
from newsletter.models import Subscriber
from tests.factories import ToolFactory, review_tool
from tests.server import redis_url, two_gunicorns

pytestmark = [pytest.mark.server, pytest.mark.django_db(transaction=True)]


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


def take_turns(servers: tuple[str, ...], count: int, attempt) -> list[int]:
    """The statuses of ``count`` calls of ``attempt``, made on each server in turn."""
    return [attempt(servers[n % len(servers)]) for n in range(count)]


def test_two_app_servers_share_pages_and_the_sign_in_limit():
    ToolFactory(slug="shared-tool", name="Shared Tool")
    env = {"ADMIN_LOGIN_ATTEMPTS_PER_USERNAME": "4", "ADMIN_LOGIN_ATTEMPTS_PER_IP": "1000"}
    # A fresh username per run, so counters left in Redis by an earlier run never matter.
    username = f"intruder-{uuid.uuid4().hex[:12]}"
    with two_gunicorns(workers=1, env=env) as servers:
        for base_url in servers:
            with urllib.request.urlopen(base_url + "/tools/shared-tool/", timeout=10) as page:
                assert "Shared Tool" in page.read().decode()
        statuses = take_turns(servers, 6, lambda base_url: failed_sign_in(base_url, username))
    # Four failures in total are allowed, two on each server; the fifth, wherever it
    # lands, is refused because both servers count in the same Redis.
    assert statuses == [200, 200, 200, 200, 429, 429]


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """Answer with the redirect itself, so a test sees the redirect a form returned."""

    def redirect_request(self, *args, **kwargs):
        return None


no_redirects = urllib.request.build_opener(KeepRedirects)


def sign_up(base_url: str, email: str) -> int:
    body = urllib.parse.urlencode({"email": email, "place": "page"}).encode()
    # A form posted from the site's own signup page: the browser names the origin.
    request = urllib.request.Request(
        base_url + "/newsletter/", data=body, headers={"Origin": base_url}
    )
    try:
        with no_redirects.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_two_app_servers_share_the_newsletter_signup_limit():
    env = {"NEWSLETTER_SIGNUP_EMAIL_LIMIT": "3", "NEWSLETTER_SIGNUP_IP_LIMIT": "1000"}
    email = f"reader-{uuid.uuid4().hex[:12]}@example.com"
    with two_gunicorns(workers=1, env=env) as servers:
        statuses = take_turns(servers, 5, lambda base_url: sign_up(base_url, email))
    # Three attempts for one address are allowed in all, wherever they land.
    assert statuses == [302, 302, 302, 429, 429]
    assert Subscriber.objects.filter(email=email).count() == 1


def get(url: str) -> int:
    try:
        with no_redirects.open(url, timeout=10) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_badge_hits_through_both_servers_flush_to_an_exact_total(panel, settings):
    settings.BADGES_COUNTER_REDIS_URL = redis_url()
    live = redis.Redis.from_url(redis_url())
    # Hashes an earlier, interrupted run left behind name tools this database never had.
    for key in live.scan_iter("sos:badges:*"):
        live.delete(key)
    tool = ToolFactory(slug="counted-tool")
    review_tool(tool, panel, "sssk")
    impressions_per_server, clicks_per_server = 150, 20
    with two_gunicorns(env={"BADGES_COUNTER_REDIS_URL": redis_url()}) as servers:
        urls = []
        for base_url in servers:
            urls += [f"{base_url}/api/badge/counted-tool.svg"] * (impressions_per_server - 10)
            urls += [f"{base_url}/embed/counted-tool"] * 10
            urls += [f"{base_url}/api/badge-click/counted-tool"] * clicks_per_server
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(get, urls))
    assert set(statuses) <= {200, 302}, set(statuses)

    counters.flush()
    # A second flush finds nothing new: hits are added once, never twice.
    counters.flush()
    totals = DailyCount.objects.filter(tool=tool).aggregate(
        impressions=Sum("raw_impressions"), clicks=Sum("raw_clicks")
    )
    assert totals == {"impressions": 2 * impressions_per_server, "clicks": 2 * clicks_per_server}
    # Every request came from this one address: one visitor across both servers.
    visitors = DailyCount.objects.filter(tool=tool).aggregate(
        impressions=Sum("impressions"), clicks=Sum("clicks")
    )
    assert visitors == {"impressions": 1, "clicks": 1}
