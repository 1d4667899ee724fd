"""Every kind of response carries the security headers; cookies are locked down in production.

Two angles: in-process with production values switched on through the ``settings`` fixture
(fast, covers every response kind including errors), and once over the real gunicorn started
with the production environment behind a simulated TLS-terminating proxy, so the settings
module's own production branch is what is being checked.
"""

import json
import re
from http.cookies import SimpleCookie

import pytest
from django.db import OperationalError
from django.test import Client

from tests.factories import ToolFactory, cast_votes, review_tool
from tests.responses import assert_redirects
from tests.server import ROOT, fetch, gunicorn

ONE_YEAR = 31536000

FRAME_DENIED_CSP = "frame-ancestors 'none'"


def static_css_path() -> str:
    manifest = json.loads((ROOT / "staticfiles" / "staticfiles.json").read_text())
    return "/static/" + manifest["paths"]["css/site.css"]


def assert_strict_csp(policy: str) -> None:
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
    # Pages hold no inline script, so no nonce: the page stays the same for every reader.
    assert "'nonce-" not in script_src


def assert_common_headers(headers, *, hsts: bool) -> None:
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    if hsts:
        assert headers["Strict-Transport-Security"] == (
            f"max-age={ONE_YEAR}; includeSubDomains; preload"
        )


def assert_document_headers(headers, *, hsts: bool) -> None:
    assert_common_headers(headers, hsts=hsts)
    assert headers["X-Frame-Options"] == "DENY"
    assert_strict_csp(headers["Content-Security-Policy"])


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
        # Every script is a file of the site's own: 'self' allows them, and no inline
        # script (which would need a per-response nonce) breaks the shared page.
        scripts = re.findall(r"<script[^>]*>", response.content.decode())
        assert scripts
        assert all(
            re.search(r'src="/static/', tag) or 'type="application/ld+json"' in tag
            for tag in scripts
        )


@pytest.mark.django_db
def test_healthz_json_carries_the_headers(production):
    response = production.get("/healthz", secure=True)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert_document_headers(response.headers, hsts=True)


@pytest.mark.django_db
def test_outage_page_carries_the_headers(production, monkeypatch):
    from pages import views

    def database_down(*args, **kwargs):
        raise OperationalError("gone")

    monkeypatch.setattr(views, "get_object_or_404", database_down)
    response = production.get("/tools/anything/", secure=True)
    assert response.status_code == 503
    assert_document_headers(response.headers, hsts=True)


def test_static_files_carry_the_transport_headers(production):
    response = production.get(static_css_path(), secure=True)
    assert response.status_code == 200
    assert_common_headers(response.headers, hsts=True)


@pytest.mark.django_db
def test_plain_http_is_redirected_to_https(production):
    response = production.get("/")
    assert_redirects(response, "https://testserver/", 301)


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


# --- The scoped exceptions: the badge image and the embeddable card ----------------------

BADGE_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def csp_directives(policy: str) -> dict[str, str]:
    parts = filter(None, (piece.strip() for piece in policy.split(";")))
    return {name: sources for name, _, sources in (part.partition(" ") for part in parts)}


def assert_badge_headers(response) -> None:
    """An image for other sites' pages: its own policy, loadable cross-origin, no cookies."""
    assert response["Content-Type"] == "image/svg+xml"
    assert response["Content-Security-Policy"] == BADGE_CSP
    assert response["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    assert not response.cookies


def assert_embed_headers(response) -> None:
    """The one page other sites may frame: any ancestor, but no script, cookies or forms."""
    assert response.get("X-Frame-Options", "") != "DENY"
    directives = csp_directives(response["Content-Security-Policy"])
    assert directives["frame-ancestors"] == "*"
    assert directives["script-src"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert directives["base-uri"] == "'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Set-Cookie" not in response.headers
    assert not response.cookies
    body = response.content.decode()
    assert "<form" not in body
    assert "<script" not in body
    assert "<iframe" not in body


@pytest.mark.django_db
def test_badge_svg_keeps_its_own_narrow_policy(production, panel):
    tool = ToolFactory(slug="badged")
    review_tool(tool, panel, "sssk")
    for path in [
        "/api/badge/badged.svg",
        "/api/badge/badged",
        "/api/badge/badged.svg?style=card&theme=dark",
        "/api/badge/no-such-tool.svg",
        "/api/badge/%3Cscript%3E.svg?style=%22%3E",
    ]:
        response = production.get(path, secure=True)
        assert response.status_code == 200, path
        assert_badge_headers(response)
        assert_common_headers(response.headers, hsts=True)
    # A repeat load answered from the ETag is still the badge, with the badge's headers.
    etag = production.get("/api/badge/badged.svg", secure=True)["ETag"]
    response = production.get("/api/badge/badged.svg", secure=True, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response["Content-Security-Policy"] == BADGE_CSP
    assert "Set-Cookie" not in response.headers


@pytest.mark.django_db
def test_embed_is_frameable_and_nothing_more(production, panel):
    tool = ToolFactory(slug="framed")
    review_tool(tool, panel, "sssk")
    for path, status in [
        ("/embed/framed", 200),
        ("/embed/framed?theme=dark", 200),
        ("/embed/no-such-tool", 404),
    ]:
        response = production.get(path, secure=True)
        assert response.status_code == status, path
        assert_embed_headers(response)
        assert_common_headers(response.headers, hsts=True)


@pytest.mark.django_db
def test_every_other_kind_of_response_stays_unframeable(production, panel, settings):
    """The exceptions stay scoped: everything else keeps DENY and the site's own policy."""
    settings.VOTE_RATE_PER_IP = 2
    first, second = ToolFactory(slug="first-tool"), ToolFactory(slug="second-tool")
    review_tool(first, panel, "sssk")
    review_tool(second, panel, "kkks")
    cast_votes(first, ships=6, skips=5)
    page_kinds = [
        ("tool page", "/tools/first-tool/", 200),
        ("embed codes page", "/tools/first-tool/embed/", 200),
        ("compare page", "/compare/first-tool-vs-second-tool/", 200),
        ("search", "/search/?q=tool", 200),
        ("newsletter", "/newsletter/", 200),
        ("bookmarks", "/bookmarks/", 200),
        ("critic", "/critics/builder/", 200),
    ]
    for kind, path, status in page_kinds:
        response = production.get(path, secure=True)
        assert response.status_code == status, kind
        assert_document_headers(response.headers, hsts=True)

    vote_url = "/tools/first-tool/vote/"
    refused = production.post(vote_url, {"choice": "maybe"}, secure=True)
    assert refused.status_code == 400
    assert_document_headers(refused.headers, hsts=True)
    production.post(vote_url, {"choice": "ship"}, secure=True)
    limited = production.post(vote_url, {"choice": "ship"}, secure=True)
    assert limited.status_code == 429
    assert_document_headers(limited.headers, hsts=True)

    signup = production.post("/newsletter/", {"email": "not an address"}, secure=True)
    assert signup.status_code == 400
    assert_document_headers(signup.headers, hsts=True)

    for kind, path, content_type in [
        ("share card", "/og/tools/first-tool.png", "image/png"),
        ("feed", "/feed/", "application/rss+xml; charset=utf-8"),
        ("atom feed", "/feed/atom/", "application/atom+xml; charset=utf-8"),
        ("sitemap", "/sitemap.xml", "application/xml"),
    ]:
        response = production.get(path, secure=True)
        assert response.status_code == 200, kind
        assert response["Content-Type"] == content_type, kind
        assert_document_headers(response.headers, hsts=True)

    click = production.get("/api/badge-click/first-tool", secure=True)
    assert_redirects(click, "/tools/first-tool/")
    assert_document_headers(click.headers, hsts=True)


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
        assert_document_headers(headers, hsts=True)

        code, headers, _ = fetch(base_url + static_css_path(), proxied)
        assert code == 200
        assert_common_headers(headers, hsts=True)

        code, headers, _ = fetch(base_url + "/admin/login/", proxied)
        assert code == 200
        assert_document_headers(headers, hsts=True)
        cookie = SimpleCookie(headers["Set-Cookie"])["csrftoken"]
        assert_cookie_locked_down(cookie)

        # The scoped exceptions hold on the real server too, fast path included.
        code, headers, _ = fetch(base_url + "/api/badge/real-tool.svg", proxied)
        assert code == 200
        assert headers["Content-Security-Policy"] == BADGE_CSP
        assert headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert "Set-Cookie" not in headers
        code, headers, body = fetch(base_url + "/embed/real-tool", proxied)
        assert code == 200
        assert csp_directives(headers["Content-Security-Policy"])["frame-ancestors"] == "*"
        assert headers.get("X-Frame-Options", "") != "DENY"
        assert "Set-Cookie" not in headers
        assert "<form" not in body

        # Without the proxy's https marker the request is plain http: no HSTS promise.
        code, headers, _ = fetch(base_url + "/", {})
        assert code == 200
        assert "Strict-Transport-Security" not in headers


@pytest.mark.django_db
def test_every_error_answer_of_the_badge_fast_path_is_unframeable(production, panel, settings):
    ToolFactory(slug="badged")
    overfull = "&".join(f"f{n}=1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 5))
    answers = [
        production.post("/api/badge/badged.svg", secure=True),
        production.put("/api/badge/badged.svg", secure=True),
        production.delete("/api/badge/badged", secure=True),
        production.patch("/api/badge/badged", secure=True),
        production.options("/api/badge/badged.svg", secure=True),
        production.get("/api/badge/badged.svg", secure=True, HTTP_HOST="evil.example"),
        production.get(f"/api/badge/badged.svg?{overfull}", secure=True),
    ]
    assert [response.status_code for response in answers] == [405] * 5 + [400] * 2
    for response in answers:
        assert response["X-Frame-Options"] == "DENY"
        assert csp_directives(response["Content-Security-Policy"])["frame-ancestors"] == "'none'"
        assert_common_headers(response.headers, hsts=True)


@pytest.mark.django_db
def test_embed_never_sets_or_deletes_a_cookie(production, panel):
    ToolFactory(slug="framed")
    cookie_sets = [
        {"csrftoken": "short"},
        {"csrftoken": "x" * 64},
        {"sessionid": "stale-session-that-does-not-exist"},
        {"sessionid": "stale", "csrftoken": "bad!"},
        {"sos_voter": "forged:value:sig"},
    ]
    for cookies in cookie_sets:
        for method in ("get", "head", "post", "put", "delete"):
            client = Client(raise_request_exception=False)
            client.cookies.load(cookies)
            for path in ("/embed/framed", "/embed/no-such-tool"):
                response = getattr(client, method)(path, secure=True)
                assert response.status_code in {200, 404, 405}, (method, path, cookies)
                assert "Set-Cookie" not in response.headers, (method, path, cookies)
                assert not response.cookies, (method, path, cookies)
