"""Hostile input on every public URL: never a 500, never input reflected unescaped.

To cover a new public URL, add a ``Route`` to ``ROUTES``: ``{slug}`` in the template is
filled with hostile path segments, ``params`` names the query parameters the view reads
(random ones are added too), and ``form`` lists the fields a POST to it would carry.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

import pytest
from django.core.cache import cache
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import ToolFactory, review_tool

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Route:
    template: str
    params: tuple[str, ...] = ()
    form: tuple[str, ...] = ()


ROUTES = [
    Route("/", params=("page",)),
    Route("/tools/{slug}/"),
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
query_key = st.one_of(st.sampled_from(["page", "next", "q", "sort"]), st.text(max_size=20))
query = st.lists(st.tuples(query_key, hostile_text), max_size=8)
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


@pytest.fixture
def site(panel, settings):
    """A few real tools (so valid pages render) and limits that keep the fuzzer moving."""
    settings.ADMIN_LOGIN_ATTEMPTS_PER_IP = 10_000
    settings.ADMIN_LOGIN_ATTEMPTS_PER_USERNAME = 10_000
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    for tool in ToolFactory.create_batch(3):
        review_tool(tool, panel, "ssk")
    cache.clear()
    return Client(enforce_csrf_checks=True)


def fill(route: Route, slug: str) -> str:
    return route.template.replace("{slug}", urllib.parse.quote(slug, safe=""))


def assert_not_reflected(body: str, values: list[str]) -> None:
    for value in values:
        if any(char in value for char in "<>\"'") and len(value) >= 4:
            assert value not in body, f"reflected unescaped: {value[:80]!r}"


def assert_safe(response, values: list[str]) -> None:
    assert response.status_code < 500, response.status_code
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        body = response.content.decode(errors="replace")
        assert_not_reflected(body, values)
        assert "Traceback" not in body


FUZZ_SETTINGS = settings(
    max_examples=80,
    deadline=2000,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@FUZZ_SETTINGS
@given(route=st.sampled_from(ROUTES), slug=hostile_text, params=query)
def test_get_with_hostile_paths_and_query_strings(site, route, slug, params):
    path = fill(route, slug)
    query_string = urllib.parse.urlencode(params)
    response = site.get(path, QUERY_STRING=query_string)
    assert_safe(response, [slug] + [value for _, value in params] + [key for key, _ in params])


@FUZZ_SETTINGS
@given(
    route=st.sampled_from(ROUTES),
    slug=hostile_text,
    method=methods,
    content_type=content_types,
    body=bodies,
)
def test_wrong_methods_and_content_types(site, route, slug, method, content_type, body):
    response = site.generic(method, fill(route, slug), data=body, content_type=content_type)
    assert_safe(response, [slug, body.decode(errors="ignore")])
    if method in {"POST", "PUT", "PATCH", "DELETE"}:
        # Nothing on these routes accepts an unauthenticated write without a CSRF token.
        assert response.status_code in {400, 403, 404, 405}, (method, response.status_code)


@FUZZ_SETTINGS
@given(
    fields=st.fixed_dictionaries(
        dict.fromkeys(("username", "password"), hostile_text),
        optional={"next": hostile_text, "extra": hostile_text},
    ),
    headers=st.fixed_dictionaries(
        {},
        optional={
            "HTTP_HX_REQUEST": st.sampled_from(["true", "false", "<b>", ""]),
            "HTTP_ACCEPT": hostile_text,
            "HTTP_REFERER": hostile_text,
        },
    ),
)
def test_forms_with_a_valid_csrf_token_and_hostile_fields(site, fields, headers):
    """Past the CSRF check the form itself must reject hostile fields and escape echoes."""
    for route in (r for r in ROUTES if r.form):
        site.get(route.template)
        token = site.cookies["csrftoken"].value
        data = {**fields, "csrfmiddlewaretoken": token}
        response = site.post(route.template, data, **headers)
        assert_safe(response, list(fields.values()))
        assert response.status_code in {200, 400, 403, 429}
        if response.status_code == 200:
            # Hostile credentials never sign anyone in: the form comes back with an error.
            assert "<title>Error: Log in" in response.content.decode()


def test_oversized_and_overfull_requests_are_refused_cleanly(site):
    too_many_fields = "&".join(f"f{n}=x" for n in range(200))
    assert site.get("/", QUERY_STRING=too_many_fields).status_code == 400
    site.get("/admin/login/")
    token = site.cookies["csrftoken"].value
    big_body = f"csrfmiddlewaretoken={token}&username=" + "a" * 200_000
    response = site.generic(
        "POST", "/admin/login/", data=big_body, content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 400
