"""Error pages: friendly, in the site's frame, and never a trace, a setting or a reflection."""

import pytest
from django.db import OperationalError
from django.test import Client
from django.urls import include, path

from shiporskip.urls import handler500  # noqa: F401  (the test URLconf needs the same handler)
from tests.factories import ToolFactory

pytestmark = pytest.mark.django_db

SECRET_MARKERS = ["Traceback", "SECRET_KEY", "DATABASE", "settings.py", "site-packages"]


def raise_value_error(request):
    raise ValueError("internal detail that must stay private")


def raise_database_down(request):
    raise OperationalError("connection to server at 10.0.0.7 refused")


urlpatterns = [
    path("", include("pages.urls")),
    path("boom/", raise_value_error),
    path("db-down/", raise_database_down),
]


@pytest.fixture
def error_urls(settings):
    settings.ROOT_URLCONF = "tests.test_error_pages"
    return Client(raise_request_exception=False)


def assert_nothing_private(html: str) -> None:
    for marker in SECRET_MARKERS:
        assert marker not in html


def test_unknown_tool_gets_the_friendly_404(client):
    ToolFactory(slug="hidden-draft", draft=True)
    for url in ["/tools/no-such-tool/", "/tools/hidden-draft/", "/nowhere"]:
        response = client.get(url)
        assert response.status_code == 404
        html = response.content.decode()
        assert "No verdict lives here" in html
        assert 'href="/"' in html
        assert 'class="site-header"' in html
        assert_nothing_private(html)


def test_404_does_not_echo_the_address(client):
    response = client.get("/tools/<script>alert(1)<%2Fscript>/")
    assert response.status_code == 404
    assert "alert(1)" not in response.content.decode()


def test_a_crash_is_a_plain_500_without_details(error_urls):
    response = error_urls.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something broke on our side" in html
    assert "internal detail" not in html
    assert_nothing_private(html)


def test_a_database_outage_in_a_view_is_a_503_with_retry_after(error_urls):
    response = error_urls.get("/db-down/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert "ShipOrSkip is catching its breath" in html
    assert "10.0.0.7" not in html
    assert_nothing_private(html)


class DatabaseGoneMiddleware:
    """Stands in for middleware that touches the database, such as a session save."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        raise OperationalError("server closed the connection unexpectedly")


def test_a_database_outage_outside_a_view_is_still_a_503(error_urls, settings):
    """Exceptions raised by middleware never reach process_exception; handler500 catches them."""
    settings.MIDDLEWARE = [*settings.MIDDLEWARE, "tests.test_error_pages.DatabaseGoneMiddleware"]
    response = error_urls.get("/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "catching its breath" in response.content.decode()


def test_400_page_for_a_disallowed_host(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    html = response.content.decode()
    assert "We could not make sense of that request" in html
    assert "evil.example" not in html
    assert_nothing_private(html)


def test_csrf_failure_explains_what_to_do():
    response = Client(enforce_csrf_checks=True).post("/admin/login/", {"username": "x"})
    assert response.status_code == 403
    html = response.content.decode()
    assert "That form has expired" in html
    assert "Nothing was changed" in html
    assert_nothing_private(html)


def test_403_page_is_ours(rf):
    from django.core.exceptions import PermissionDenied
    from django.views.defaults import permission_denied

    response = permission_denied(rf.get("/"), PermissionDenied())
    assert response.status_code == 403
    assert "That page is not open to you" in response.content.decode()


def test_standalone_pages_render_with_no_context_at_all():
    from django.template.loader import render_to_string

    for name, heading in [("500.html", "Something broke"), ("503.html", "catching its breath")]:
        html = render_to_string(name)
        assert heading in html
        assert '<link rel="stylesheet" href="/static/css/site.css">' in html


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("multipart/form-data", b"\x00\x00"),
        ("application/x-www-form-urlencoded", b"a=" + b"x" * 100_000),
        ("application/x-www-form-urlencoded", "&".join(f"f{n}=1" for n in range(250)).encode()),
    ],
    ids=["multipart-without-boundary", "oversized-form", "too-many-fields"],
)
@pytest.mark.parametrize("path", ["/no/such/page/", "/tools/x/", "/admin/login/"])
def test_a_malformed_post_body_is_a_400_on_any_url(path, content_type, body):
    """Found by the fuzzer: on an unknown URL this used to escape as a 500."""
    client = Client(enforce_csrf_checks=True, raise_request_exception=False)
    client.get("/")
    response = client.generic("POST", path, data=body, content_type=content_type)
    assert response.status_code == 400
    assert "We could not make sense of that request" in response.content.decode()
