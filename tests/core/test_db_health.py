"""The connection health check asks the socket, and still catches a closed connection."""

from __future__ import annotations

import time

import psycopg
import pytest
from django.db import connection

from tests.server import test_database_url as database_url

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_healthy_idle_connection_is_usable_without_a_query():
    connection.ensure_connection()
    sent = []
    with connection.execute_wrapper(lambda execute, sql, *args: sent.append(sql)):
        assert connection.is_usable()
    assert sent == []


def test_a_connection_the_server_closed_is_not_usable():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(database_url(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while connection.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not connection.is_usable()
    # Django's check replaces it before the next request's first query.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        assert cursor.fetchone() == (1,)
