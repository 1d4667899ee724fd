"""Start the real stack (gunicorn + whitenoise + PostgreSQL) for tests that need a server."""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

from devtools.gunicorn import serve
from devtools.system import free_port

ROOT = Path(__file__).resolve().parent.parent


def test_database_url() -> str:
    """The URL of the database pytest-django set up, so the server sees the test data."""
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


def redis_url() -> str:
    """This worker's Redis database (tests/conftest.py), the one its servers share."""
    url = os.environ.get("REDIS_URL")
    if not url:
        raise RuntimeError("this test needs Redis: make test starts one, or set REDIS_URL")
    return url


@contextlib.contextmanager
def gunicorn(*, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run gunicorn on a free port against the test database; yield its base URL.

    The server inherits this worker's environment, REDIS_URL included, so it shares the
    worker's cache and counters.
    """
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "SHIPORSKIP_ENV": "development",
        "SITE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    with serve(server_env, port=port, workers=workers) as base_url:
        yield base_url


@contextlib.contextmanager
def two_gunicorns(
    *, workers: int = 2, env: dict[str, str] | None = None
) -> Iterator[tuple[str, str]]:
    """Two app servers on the test database and this worker's Redis (required: the point
    of two servers is the state they share); yield both base URLs."""
    env = {"REDIS_URL": redis_url(), **(env or {})}
    with gunicorn(workers=workers, env=env) as first, gunicorn(workers=workers, env=env) as second:
        yield first, second


def fetch(url: str, headers: dict[str, str] | None = None):
    """GET ``url`` from a live server: (status, headers, body text), error answers included."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()
