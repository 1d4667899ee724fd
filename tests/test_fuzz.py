"""Hostile input on every public URL: never a 500, never input reflected unescaped, and a
refused write (any 4xx to a POST) changes no table.

To cover a new public URL, add a ``Route`` to ``ROUTES``: ``{slug}`` in the template is
filled with hostile path segments or real slugs and odd compare pairs, ``params`` names the
query parameters the view reads (random ones are added too), and ``form`` lists the fields
a POST to it would carry.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsletter import tokens as newsletter_tokens
from newsletter.models import Subscriber
from tests.factories import ToolFactory, review_tool

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    template: str
    params: tuple[str, ...] = ()
    form: tuple[str, ...] = ()


# Real rows the fuzzer mixes in with hostile values, so valid paths reach deep code too.
TOOL_SLUGS = ("alpha-tool", "beta-tool", "gamma-tool")
PERSONA_SLUGS = ("builder", "skeptic")
ODD_PAIRS = (
    "alpha-tool-vs-beta-tool",
    "beta-tool-vs-alpha-tool",
    "alpha-tool-vs-alpha-tool",
    "-vs-",
    "-vs-beta-tool",
    "alpha-tool-vs-",
    "alpha-tool-vs-beta-tool-vs-gamma-tool",
    "alpha-vs-tool-vs-beta-tool",
    "alpha-tool-VS-beta-tool",
    "alpha-tool-vs-missing",
    "vs",
)

ROUTES = [
    Route("/", params=("page",)),
    Route("/tools/{slug}/"),
    Route("/tools/{slug}/embed/", params=("style", "theme")),
    Route("/tools/{slug}/vote/", form=("choice", "next")),
    Route("/categories/"),
    Route("/categories/{slug}/", params=("page",)),
    Route("/search/", params=("q", "page")),
    Route("/feed/"),
    Route("/feed/atom/"),
    Route("/sitemap.xml", params=("p", "section")),
    Route("/robots.txt"),
    Route("/critics/"),
    Route("/critics/{slug}/", params=("page",)),
    Route("/compare/", params=("page",)),
    Route("/compare/pick/", params=("a", "b")),
    Route("/compare/{slug}/"),
    Route("/bookmarks/"),
    Route("/bookmarks/cards/", form=("slugs",)),
    Route("/bookmarks/compare/", params=("tool",)),
    Route("/og/tools/{slug}.png"),
    Route("/og/compare/{slug}.png"),
    Route("/api/badge/{slug}.svg", params=("style", "theme")),
    Route("/api/badge/{slug}", params=("style", "theme")),
    Route("/api/badge-click/{slug}", params=("next", "url", "to", "redirect")),
    Route("/embed/{slug}", params=("theme", "style")),
    Route("/api/shields/{slug}.json"),
    Route("/api/v1/tools", params=("page", "per_page", "category", "verdict")),
    Route("/api/v1/tools/{slug}"),
    Route("/api/v1/categories"),
    Route("/api/v1/comparisons/{slug}"),
    Route("/api/v1/openapi.json"),
    Route("/api/v1/{slug}"),
    Route("/oembed", params=("url", "format", "maxwidth", "maxheight")),
    Route("/logos/{slug}/64.png"),
    Route("/newsletter/", form=("email", "place")),
    Route("/newsletter/check-your-inbox/"),
    Route("/newsletter/confirm/{slug}/", form=("token",)),
    Route("/newsletter/unsubscribe/{slug}/", form=("List-Unsubscribe",)),
    Route("/healthz"),
    Route("/admin/login/", params=("next",), form=("username", "password")),
    Route("/static/{slug}"),
    # The unhashed name: whitenoise serves it too, and it needs no manifest at collection time.
    Route("/static/css/site.css"),
]

# Fragments that break naive code: markup, SQL, template syntax, traversal, encodings.
HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "' OR '1'='1",
    "1; DROP TABLE tools_tool; --",
    "{{ settings.SECRET_KEY }}",
    "{% debug %}",
    "../../../../etc/passwd",
    "%00",
    "\x00",
    "%2e%2e%2f",
    "😀🚢",
    "\uff33\uff28\uff29\uff30",  # fullwidth letters that normalise to ASCII
    "\u202e\u0000\ufeff",
    "-1",
    "99999999999999999999999",
    "NaN",
    "javascript:alert(1)",
    "//evil.example/",
    "a" * 5000,
]

hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
    st.builds(lambda a, b: a + b, st.sampled_from(HOSTILE), st.text(max_size=20)),
)
# Values a view would accept, so a hostile neighbour reaches the code behind validation.
plausible_values = st.sampled_from(
    [
        "1",
        "2",
        "0",
        "card",
        "compact",
        "dark",
        "light",
        "code",
        "ship",
        "skip",
        "withdraw",
        "page",
        "alpha-tool",
        "alpha-tool,beta-tool",
        "reader@example.com",
        "/tools/alpha-tool/",
        "http://127.0.0.1:8000/tools/alpha-tool/",
        "json",
    ]
)
values = st.one_of(hostile_text, plausible_values)
path_segments = st.one_of(
    hostile_text, st.sampled_from(TOOL_SLUGS + PERSONA_SLUGS + ODD_PAIRS + ("..", ".", "-"))
)
methods = st.sampled_from(["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"])
content_types = st.sampled_from(
    [
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=fuzz",
        "multipart/form-data",
        "application/json",
        "text/plain",
        "application/xml",
        "",
        "garbage/🙃; charset=nope",
    ]
)
bodies = st.one_of(st.binary(max_size=2000), hostile_text.map(str.encode))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
READ_ONLY_POSTS = {"/bookmarks/cards/"}
FORM_ROUTES = [route for route in ROUTES if route.form]


def query_for(route: Route):
    keys = st.one_of(
        st.sampled_from(route.params or ("page", "q")),
        st.sampled_from(["sort"]),
        st.text(max_size=20),
    )
    return st.lists(st.tuples(keys, values), max_size=8)


@pytest.fixture
def site(panel, settings):
    """Real tools, critics and a subscriber (so valid pages render) and limits that keep the
    fuzzer moving."""
    settings.ADMIN_LOGIN_ATTEMPTS_PER_IP = 10_000
    settings.ADMIN_LOGIN_ATTEMPTS_PER_USERNAME = 10_000
    settings.VOTE_RATE_PER_IP = 10_000
    settings.VOTE_RATE_PER_VOTER = 10_000
    settings.NEWSLETTER_SIGNUP_IP_LIMIT = 10_000
    settings.NEWSLETTER_SIGNUP_EMAIL_LIMIT = 10_000
    settings.API_RATE_PER_IP = 10_000
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for slug in TOOL_SLUGS:
        review_tool(ToolFactory(slug=slug), panel, "ssk")
    cache.clear()
    return Client(enforce_csrf_checks=True)


@pytest.fixture
def tokens():
    """A real subscriber's links, plus tampered copies of them."""
    subscriber = Subscriber.objects.create(email="reader@example.com")
    real = [
        newsletter_tokens.confirm_token(subscriber),
        newsletter_tokens.unsubscribe_token(subscriber),
    ]
    tampered = [token[:-3] + "abc" for token in real] + [token + ":" for token in real]
    return real + tampered


def row_counts() -> dict[str, int]:
    """Rows in every table a public request could write to."""
    our_models = [
        model
        for label in ("tools", "reviews", "votes", "comparisons", "badges", "newsletter", "auth")
        for model in apps.get_app_config(label).get_models()
    ]
    return {model._meta.label: model._default_manager.count() for model in our_models}


def fill(route: Route, slug: str) -> str:
    return route.template.replace("{slug}", urllib.parse.quote(slug, safe=""))


def assert_not_reflected(body: str, values: list[str]) -> None:
    for value in values:
        if any(char in value for char in "<>\"'") and len(value) >= 4:
            assert value not in body, f"reflected unescaped: {value[:80]!r}"


# Responses a browser would parse as markup: HTML, and SVG or XML opened directly.
MARKUP_TYPES = (
    "text/html",
    "image/svg+xml",
    "application/xml",
    "application/rss+xml",
    "application/atom+xml",
    "text/xml",
)


def assert_safe(response, values: list[str]) -> None:
    # oEmbed's specification asks for 501 when a consumer wants a format we do not offer.
    oembed_format = response.status_code == 501 and response.request["PATH_INFO"] == "/oembed"
    assert response.status_code < 500 or oembed_format, response.status_code
    if response.get("Content-Type", "").startswith(MARKUP_TYPES) and not response.streaming:
        body = response.content.decode(errors="replace")
        assert_not_reflected(body, values)
        assert "Traceback" not in body


def assert_refusal_wrote_nothing(response, before: dict[str, int]) -> None:
    if 400 <= response.status_code < 500:
        assert row_counts() == before, response.status_code


FUZZ_SETTINGS = settings(
    max_examples=80,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(parent=FUZZ_SETTINGS, max_examples=150)
@given(route=st.sampled_from(ROUTES), slug=path_segments, data=st.data())
def test_get_with_hostile_paths_and_query_strings(site, route, slug, data):
    params = data.draw(query_for(route))
    path = fill(route, slug)
    query_string = urllib.parse.urlencode(params)
    response = site.get(path, QUERY_STRING=query_string)
    assert_safe(response, [slug] + [value for _, value in params] + [key for key, _ in params])
    if route.template.startswith("/api/badge-click/") and response.status_code in {301, 302}:
        # The click-through only ever leads to our own pages, whatever the query says.
        assert response["Location"].startswith("/"), response["Location"]
        assert not response["Location"].startswith("//"), response["Location"]


@FUZZ_SETTINGS
@given(
    route=st.sampled_from(ROUTES),
    slug=path_segments,
    method=methods,
    content_type=content_types,
    body=bodies,
)
def test_wrong_methods_and_content_types(site, route, slug, method, content_type, body):
    before = row_counts()
    response = site.generic(method, fill(route, slug), data=body, content_type=content_type)
    assert_safe(response, [slug, body.decode(errors="ignore")])
    if method in WRITES:
        # Nothing accepts an unauthenticated write without a CSRF token; the one-click
        # unsubscribe is CSRF-exempt by design (RFC 8058) but needs a valid signed token.
        # The bookmark cards are a POST that only reads (the slugs travel in the body), so
        # a same-origin POST of any form gets its cards; it still writes nothing (below).
        refused = {400, 403, 404, 405}
        if route.template in READ_ONLY_POSTS and method == "POST":
            refused.add(200)
        assert response.status_code in refused, (method, response.status_code)
        assert row_counts() == before


def csrf_token(client: Client) -> str:
    client.get("/admin/login/")
    return client.cookies["csrftoken"].value


@FUZZ_SETTINGS
@given(
    route=st.sampled_from(FORM_ROUTES),
    data=st.data(),
    headers=st.fixed_dictionaries(
        {},
        optional={
            "HTTP_HX_REQUEST": st.sampled_from(["true", "false", "<b>", ""]),
            "HTTP_ACCEPT": hostile_text,
            "HTTP_REFERER": hostile_text,
        },
    ),
)
def test_forms_with_a_valid_csrf_token_and_hostile_fields(site, tokens, route, data, headers):
    """Past the CSRF check each form must reject hostile fields, escape echoes, and write
    nothing when it refuses."""
    slug = data.draw(st.one_of(path_segments, st.sampled_from(tokens)))
    fields = data.draw(
        st.fixed_dictionaries(dict.fromkeys(route.form, values), optional={"extra": hostile_text})
    )
    path = fill(route, slug)
    before = row_counts()
    response = site.post(path, {**fields, "csrfmiddlewaretoken": csrf_token(site)}, **headers)
    assert_safe(response, [slug, *fields.values()])
    assert response.status_code in {200, 302, 303, 400, 403, 404, 413, 429}, response.status_code
    assert_refusal_wrote_nothing(response, before)
    if route.template == "/admin/login/" and response.status_code == 200:
        # Hostile credentials never sign anyone in: the form comes back with an error.
        assert "<title>Error: Log in" in response.content.decode()


@FUZZ_SETTINGS
@given(
    route=st.sampled_from(FORM_ROUTES),
    slug=st.one_of(st.sampled_from(TOOL_SLUGS), path_segments),
    content_type=content_types,
    body=st.one_of(
        bodies,
        st.lists(st.tuples(st.sampled_from(["choice", "next", "slugs", "email"]), values)).map(
            lambda pairs: urllib.parse.urlencode(pairs).encode()
        ),
    ),
)
def test_posts_past_csrf_with_any_body_and_content_type(site, route, slug, content_type, body):
    """The vote, bookmark cards, signup and sign-in endpoints get bodies that are not forms."""
    token = csrf_token(site)
    before = row_counts()
    response = site.generic(
        "POST", fill(route, slug), data=body, content_type=content_type, HTTP_X_CSRFTOKEN=token
    )
    assert_safe(response, [slug, body.decode(errors="ignore")])
    assert response.status_code in {200, 302, 303, 400, 403, 404, 413, 429}, response.status_code
    assert_refusal_wrote_nothing(response, before)


def test_oversized_and_overfull_requests_are_refused_cleanly(site):
    too_many_fields = "&".join(f"f{n}=x" for n in range(250))
    assert site.get("/", QUERY_STRING=too_many_fields).status_code == 400
    token = csrf_token(site)
    big_body = f"csrfmiddlewaretoken={token}&username=" + "a" * 200_000
    response = site.generic(
        "POST", "/admin/login/", data=big_body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
    before = row_counts()
    for path in ("/tools/alpha-tool/vote/", "/bookmarks/cards/", "/newsletter/"):
        body = f"csrfmiddlewaretoken={token}&choice=ship&slugs=" + "alpha-tool," * 20_000
        response = site.generic(
            "POST", path, data=body, content_type="application/x-www-form-urlencoded"
        )
        assert response.status_code in {400, 413}, path
    assert row_counts() == before
