"""Absolute URLs (canonical links, share text, snippets, feeds) follow the address served."""

import os
import re
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from tests.factories import ToolFactory
from tests.server import gunicorn

ROOT = Path(__file__).resolve().parent.parent


def site_url_with(env: dict[str, str]) -> str:
    """SITE_URL as a fresh process would read it, e.g. a management command."""
    code = "from django.conf import settings; print(settings.SITE_URL)"
    clean = {k: v for k, v in os.environ.items() if k not in ("SITE_URL", "SHIPORSKIP_WEB_PORT")}
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "shiporskip.settings", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


def test_development_site_url_follows_the_web_port():
    dev = {"SHIPORSKIP_ENV": "development"}
    assert site_url_with(dev) == "http://127.0.0.1:8000"
    assert site_url_with({**dev, "SHIPORSKIP_WEB_PORT": "8123"}) == "http://127.0.0.1:8123"
    assert (
        site_url_with({**dev, "SHIPORSKIP_HOST": "localhost", "SHIPORSKIP_WEB_PORT": "9000"})
        == "http://localhost:9000"
    )
    # An explicit SITE_URL always wins.
    explicit = {**dev, "SHIPORSKIP_WEB_PORT": "8123", "SITE_URL": "https://example.org/"}
    assert site_url_with(explicit) == "https://example.org"


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
def test_a_development_server_on_any_port_links_to_itself():
    """gunicorn, however it was started, sets the origin from the address it binds."""
    ToolFactory(name="Cursor", slug="cursor")
    with gunicorn(workers=1, env={"SITE_URL": "", "SHIPORSKIP_WEB_PORT": ""}) as base_url:
        with urllib.request.urlopen(f"{base_url}/tools/cursor/", timeout=10) as response:
            html = response.read().decode()
        with urllib.request.urlopen(f"{base_url}/feed/", timeout=10) as response:
            feed = response.read().decode()
    assert f'<link rel="canonical" href="{base_url}/tools/cursor/">' in html
    assert f"Full review: {base_url}/tools/cursor/" in html
    assert f"{base_url}/api/badge-click/cursor" in html
    assert re.search(rf"<link>{re.escape(base_url)}/tools/cursor/</link>", feed)
