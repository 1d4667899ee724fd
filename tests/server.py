"""Start the real stack (gunicorn + whitenoise + PostgreSQL) for tests that need a server."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from django.db import connection

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_database_url() -> str:
    """The URL of the database pytest-django set up, so the server sees the test data."""
    settings = connection.settings_dict
    user = settings.get("USER") or "postgres"
    password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
    host = settings.get("HOST") or "127.0.0.1"
    port = settings.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"


@contextlib.contextmanager
def gunicorn(*, workers: int = 2, env: dict[str, str] | None = None) -> Iterator[str]:
    """Run gunicorn on a free port against the test database; yield its base URL."""
    port = free_port()
    server_env = {
        **os.environ,
        "DATABASE_URL": test_database_url(),
        "SHIPORSKIP_ENV": "development",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_ACCESSLOG": "",
        "SITE_URL": f"http://127.0.0.1:{port}",
        **(env or {}),
    }
    # A file, not a pipe: nobody reads a pipe while the server runs, and once its buffer
    # fills (a noisy outage test logs thousands of lines) every worker blocks on write.
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "-c",
                str(ROOT / "shiporskip" / "gunicorn.conf.py"),
                "shiporskip.wsgi",
            ],
            cwd=ROOT,
            env=server_env,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        base_url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                if process.poll() is not None:
                    errors.seek(0)
                    raise RuntimeError(f"gunicorn exited: {errors.read().decode()[-2000:]}")
                try:
                    with urllib.request.urlopen(f"{base_url}/healthz", timeout=2):
                        break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    if time.monotonic() > deadline:
                        raise RuntimeError("gunicorn did not become ready in 30 s") from None
                    time.sleep(0.1)
            yield base_url
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
