"""PostgreSQL cancels runaway statements, so no query can hold a worker past gunicorn's timeout."""

import os
import subprocess
import sys

import pytest
from django.db import connection

from pages import views
from tests.server import ROOT

pytestmark = pytest.mark.django_db


def test_every_connection_runs_with_the_statement_timeout():
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "10s"


def test_the_timeout_follows_the_environment_and_cancels_a_slow_statement():
    script = (
        "import django; django.setup()\n"
        "from django.db import OperationalError, connection\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('SHOW statement_timeout')\n"
        "    print(cursor.fetchone()[0])\n"
        "    try:\n"
        "        cursor.execute('SELECT pg_sleep(5)')\n"
        "    except OperationalError as error:\n"
        "        print(type(error.__cause__).__name__)\n"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shiporskip.settings",
        "DB_STATEMENT_TIMEOUT_MS": "250",
    }
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert result.stdout.split() == ["250ms", "QueryCanceled"]


def test_a_cancelled_page_query_answers_the_friendly_503(client, monkeypatch):
    """The reader of a page whose query ran away sees the outage page, not a traceback."""
    original = views.get_object_or_404

    def runaway(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL statement_timeout = 50")
            cursor.execute("SELECT pg_sleep(1)")
        return original(*args, **kwargs)

    monkeypatch.setattr(views, "get_object_or_404", runaway)
    response = client.get("/tools/anything/")
    assert response.status_code == 503
    assert "ShipOrSkip is catching its breath" in response.content.decode()
