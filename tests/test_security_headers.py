"""Every kind of response carries the security headers; cookies are locked down in production.

Two angles: in-process with production values switched on through the ``settings`` fixture
(fast, covers every response kind including errors), and once over the real gunicorn started
with the production environment behind a simulated TLS-terminating proxy, so the settings
module's own production branch is what is being checked.
"""

import json
import re
import urllib.error
import urllib.request
from http.cookies import SimpleCookie

import pytest
from django.db import OperationalError
from django.test import Client

from tests.factories import ToolFactory
from tests.server import ROOT, gunicorn

ONE_YEAR = 31536000

FRAME_DENIED_CSP = "frame-ancestors 'none'"


def static_css_path() -> str:
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def assert_strict_csp(policy: str, *, expect_nonce: bool) -> None:
    directives = {}
    for part in filter(None, (piece.strip() for piece in policy.split(";"))):
        name, _, sources = part.partition(" ")
        directives[name] = sources
    script_src = directives["script-src"]
    for unsafe in ["'unsafe-inline'", "'unsafe-eval'", "'unsafe-hashes'", "*", "data:", "http:"]:
        assert unsafe not in script_src.split()
    assert "'unsafe-inline'" not in directives["style-src"]
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    if expect_nonce:
        assert re.search(r"'nonce-[A-Za-z0-9_\-+/=]{16,}'", script_src)


def assert_common_headers(headers, *, hsts: bool) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if hsts:
        assert headers["Strict-Transport-Security"] == (
            f"max-age={ONE_YEAR}; includeSubDomains; preload"
        )


def assert_document_headers(headers, *, hsts: bool, expect_nonce: bool = True) -> None:
    assert_common_headers(headers, hsts=hsts)
    assert headers["X-Frame-Options"] == "DENY"
    assert_strict_csp(headers["Content-Security-Policy"], expect_nonce=expect_nonce)


def assert_cookie_locked_down(cookie, *, secure: bool = True) -> None:
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert bool(cookie["secure"]) is secure


@pytest.fixture
def production(settings):
    settings.SECURE_HSTS_SECONDS = ONE_YEAR
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_SSL_REDIRECT = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return Client(raise_request_exception=False)


@pytest.mark.django_db
def test_pages_and_errors_carry_every_header(production, panel):
    tool = ToolFactory()
    for url, status in [("/", 200), (tool.get_absolute_url(), 200), ("/tools/none/", 404)]:
        response = production.get(url, secure=True)
        assert response.status_code == status, url
        assert_document_headers(response.headers, hsts=True)
        nonce = re.search(r"'nonce-([^']+)'", response["Content-Security-Policy"]).group(1)
        # Every script tag on the page carries this response's nonce, so none is blocked.
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert scripts
        assert all(f'nonce="{nonce}"' in tag for tag in scripts)


@pytest.mark.django_db
def test_a_fresh_nonce_for_every_response(production):
    first = production.get("/", secure=True)["Content-Security-Policy"]
    second = production.get("/", secure=True)["Content-Security-Policy"]
    assert first != second


@pytest.mark.django_db
def test_healthz_json_carries_the_headers(production):
    response = production.get("/healthz", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_document_headers(response.headers, hsts=True, expect_nonce=False)


@pytest.mark.django_db
def test_outage_page_carries_the_headers(production, monkeypatch):
    from tools import views

    def database_down(*args, **kwargs):
        raise OperationalError("gone")

    monkeypatch.setattr(views, "get_object_or_404", database_down)
    response = production.get("/tools/anything/", secure=True)
    assert response.status_code == 503
    assert_document_headers(response.headers, hsts=True, expect_nonce=False)


def test_static_files_carry_the_transport_headers(production):
    response = production.get(static_css_path(), secure=True)
    assert response.status_code == 200
    assert_common_headers(response.headers, hsts=True)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = production.get("/")
    assert response.status_code == 301
    assert response["Location"] == "https://testserver/"


@pytest.mark.django_db
def test_admin_cookies_are_secure_httponly_and_samesite(production, editor):
    editor.set_password("correct horse battery")
    editor.save()
    page = production.get("/admin/login/", secure=True)
    assert_document_headers(page.headers, hsts=True)
    assert_cookie_locked_down(page.cookies["csrftoken"])
    response = production.post(
        "/admin/login/",
        {"username": "edna", "password": "correct horse battery"},
        secure=True,
    )
    assert response.status_code == 302
    assert_cookie_locked_down(response.cookies["sessionid"])
    assert_common_headers(response.headers, hsts=True)


def fetch(url: str, headers: dict[str, str]):
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_production_settings_over_gunicorn_behind_a_tls_proxy():
    ToolFactory(slug="real-tool")
    env = {
        "SHIPORSKIP_ENV": "production",
        "DEBUG": "",
        "SECRET_KEY": "gunicorn-test-key-" + "q7w8e9r0t1y2u3i4o5p6a7s8d9f0g1h2j3k4",
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "BEHIND_PROXY": "true",
    }
    proxied = {"X-Forwarded-Proto": "https"}
    with gunicorn(workers=1, env=env) as base_url:
        for path, status in [("/", 200), ("/tools/real-tool/", 200), ("/tools/x/", 404)]:
            code, headers, body = fetch(base_url + path, proxied)
            assert code == status, path
            assert_document_headers(headers, hsts=True)
            assert "Traceback" not in body

        code, headers, body = fetch(base_url + "/healthz", proxied)
        assert code == 200
        assert_document_headers(headers, hsts=True, expect_nonce=False)

        code, headers, _ = fetch(base_url + static_css_path(), proxied)
        assert code == 200
        assert_common_headers(headers, hsts=True)

        code, headers, _ = fetch(base_url + "/admin/login/", proxied)
        assert code == 200
        assert_document_headers(headers, hsts=True)
        cookie = SimpleCookie(headers["Set-Cookie"])["csrftoken"]
        assert_cookie_locked_down(cookie)

        # Without the proxy's https marker the request is plain http: no HSTS promise.
        code, headers, _ = fetch(base_url + "/", {})
        assert code == 200
        assert "Strict-Transport-Security" not in headers
