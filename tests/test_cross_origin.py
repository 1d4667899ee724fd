"""Public forms need no token: cross-origin POSTs are refused by origin, the admin keeps
Django's token, and nothing is written by a refused request."""

from __future__ import annotations

import pytest
from django.test import Client

from newsletter.models import Subscriber
from tests.factories import ToolFactory
from votes.models import Vote

pytestmark = pytest.mark.django_db

SITE = "http://testserver"


def browser() -> Client:
    return Client(enforce_csrf_checks=True)


def public_posts(tool):
    return [
        (f"/tools/{tool.slug}/vote/", {"choice": "ship"}),
        ("/newsletter/", {"email": "reader@example.com"}),
        ("/bookmarks/cards/", {"slugs": tool.slug}),
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_SEC_FETCH_SITE": "same-site", "HTTP_ORIGIN": "http://sub.testserver"},
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        # A same-origin claim in Origin does not outvote the browser's own Fetch Metadata.
        {"HTTP_SEC_FETCH_SITE": "cross-site", "HTTP_ORIGIN": SITE},
    ],
)
def test_cross_origin_posts_are_refused_and_write_nothing(headers):
    tool = ToolFactory()
    for url, data in public_posts(tool):
        response = browser().post(url, data, **headers)
        assert response.status_code == 403, url
        assert "came from another site" in response.content.decode()
    assert not Vote.objects.exists()
    assert not Subscriber.objects.exists()


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_SEC_FETCH_SITE": "same-origin", "HTTP_ORIGIN": SITE},
        {"HTTP_ORIGIN": SITE},
        {},
    ],
)
def test_same_origin_posts_need_no_token(headers, mailoutbox):
    tool = ToolFactory()
    statuses = [
        browser().post(url, data, **headers).status_code for url, data in public_posts(tool)
    ]
    assert statuses == [302, 302, 200]
    assert Vote.objects.filter(tool=tool).count() == 1
    assert Subscriber.objects.count() == 1


def test_trusted_origins_are_accepted(settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.shiporskip.example"]
    tool = ToolFactory()
    response = browser().post(
        f"/tools/{tool.slug}/vote/",
        {"choice": "ship"},
        HTTP_SEC_FETCH_SITE="same-site",
        HTTP_ORIGIN="https://www.shiporskip.example",
    )
    assert response.status_code == 302


def test_the_admin_still_needs_django_token():
    response = browser().post(
        "/admin/login/", {"username": "x"}, HTTP_SEC_FETCH_SITE="same-origin", HTTP_ORIGIN=SITE
    )
    assert response.status_code == 403
    assert "That form has expired" in response.content.decode()


def test_the_admin_refuses_cross_origin_even_with_a_token():
    client = browser()
    client.get("/admin/login/")
    token = client.cookies["csrftoken"].value
    response = client.post(
        "/admin/login/",
        {"username": "x", "csrfmiddlewaretoken": token},
        HTTP_SEC_FETCH_SITE="cross-site",
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403
