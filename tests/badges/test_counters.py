"""Impressions and clicks: exact counts through Redis or PostgreSQL, and under real load."""

import concurrent.futures
import datetime
import time
import urllib.request
from io import StringIO
from unittest.mock import Mock

import pytest
import redis
from django.core.management import call_command
from django.test import RequestFactory
from django.utils import timezone

from badges import counters
from badges.models import DailyCount, FlushedBatch, Hit, PendingHit, SeenVisitor
from devtools.redis import throwaway_redis
from tests.factories import ToolFactory, review_tool
from tests.server import gunicorn, redis_url

VISITOR = "v" * 32


def today_counts(tool) -> tuple[int, int]:
    """Every request: (raw impressions, raw clicks) stored for today."""
    row = DailyCount.objects.filter(tool=tool, day=timezone.now().date()).first()
    return (row.raw_impressions, row.raw_clicks) if row else (0, 0)


def today_visitors(tool) -> tuple[int, int]:
    """Visitors, each once per hour: (impressions, clicks) stored for today."""
    row = DailyCount.objects.filter(tool=tool, day=timezone.now().date()).first()
    return (row.impressions, row.clicks) if row else (0, 0)


@pytest.fixture(params=["redis", "postgres"])
def store(request, settings):
    """Count in Redis or, as deployments without Redis do, in PostgreSQL rows."""
    if request.param == "redis":
        request.getfixturevalue("redis_counts")
    else:
        settings.BADGES_COUNTER_REDIS_URL = ""
    return request.param


@pytest.mark.django_db
def test_redis_counts_are_added_to_the_stored_day(redis_counts):
    tool, other = ToolFactory(), ToolFactory()
    DailyCount.objects.create(
        tool=tool,
        day=timezone.now().date(),
        impressions=3,
        clicks=1,
        raw_impressions=10,
        raw_clicks=1,
    )
    for _ in range(7):
        counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
    counters.record_hit(Hit.IMPRESSION, other.pk, VISITOR)
    moved = counters.flush()
    assert moved["hits from Redis"] == 9
    assert today_counts(tool) == (17, 2)
    assert today_visitors(tool) == (4, 2)
    assert today_counts(other) == (1, 0)
    assert today_visitors(other) == (1, 0)
    # Only the "seen" keys stay, until an hour after theirs is over, and the markers of the
    # batches applied, which flushes drop once no batch can be sent again.
    seen = list(redis_counts.scan_iter("sos:badges:seen:*"))
    assert seen and all(0 < redis_counts.ttl(key) <= 7200 for key in seen)
    assert set(redis_counts.scan_iter("sos:badges:*")) == {*seen, counters.APPLIED_BATCHES.encode()}
    old_marker = int(timezone.now().timestamp()) - counters.BATCH_MARKER_SECONDS - 1
    redis_counts.zadd(counters.APPLIED_BATCHES, {"long-ago": old_marker})
    recent = redis_counts.zcard(counters.APPLIED_BATCHES) - 1
    counters.flush()
    assert today_counts(tool) == (17, 2)
    assert redis_counts.zcard(counters.APPLIED_BATCHES) == recent
    assert redis_counts.zscore(counters.APPLIED_BATCHES, "long-ago") is None


@pytest.mark.django_db
def test_one_visitor_counts_once_per_tool_per_hour_and_every_request_raw(store):
    tool, other = ToolFactory(), ToolFactory()
    for _ in range(200):
        counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
        counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
    counters.record_hit(Hit.IMPRESSION, tool.pk, "w" * 32)
    counters.record_hit(Hit.IMPRESSION, other.pk, VISITOR)
    counters.flush()
    assert today_counts(tool) == (201, 200)
    assert today_visitors(tool) == (2, 1)
    assert today_visitors(other) == (1, 0)


@pytest.mark.django_db
def test_the_same_visitor_counts_again_in_the_next_hour(store, monkeypatch):
    tool = ToolFactory()
    start = timezone.now().replace(hour=10, minute=59, second=30)
    monkeypatch.setattr(counters.timezone, "now", lambda: start)
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    later = start + datetime.timedelta(seconds=45)
    monkeypatch.setattr(counters.timezone, "now", lambda: later)
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.flush()
    row = DailyCount.objects.get(tool=tool, day=start.date())
    assert (row.impressions, row.raw_impressions) == (2, 4)


@pytest.mark.django_db
def test_the_flush_forgets_visitors_of_hours_that_are_over(settings):
    settings.BADGES_COUNTER_REDIS_URL = ""
    tool = ToolFactory()
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    old = SeenVisitor.objects.create(
        hour=timezone.now() - datetime.timedelta(hours=3), tool=tool, kind="click", visitor="x"
    )
    counters.flush()
    assert list(SeenVisitor.objects.values_list("visitor", flat=True)) == [VISITOR]
    assert not SeenVisitor.objects.filter(pk=old.pk).exists()


def visitor_of(remote_addr: str, user_agent: str = "Mozilla/5.0", **extra) -> str:
    request = RequestFactory().get(
        "/api/badge/x.svg", REMOTE_ADDR=remote_addr, HTTP_USER_AGENT=user_agent, **extra
    )
    return counters.visitor(request)


def test_a_visitor_is_an_address_whatever_user_agent_it_sends():
    assert visitor_of("203.0.113.7", "A") == visitor_of("203.0.113.7", "B")
    assert visitor_of("203.0.113.7") != visitor_of("203.0.113.8")
    # An IPv6 subscriber holds a whole /64: rotating through it is one visitor.
    assert visitor_of("2001:db8:1:2::1") == visitor_of("2001:db8:1:2:ffff::9")
    assert visitor_of("2001:db8:1:2::1") != visitor_of("2001:db8:1:3::1")
    # A forged X-Forwarded-For proves nothing without a trusted proxy.
    assert visitor_of("203.0.113.7", HTTP_X_FORWARDED_FOR="198.51.100.1") == visitor_of(
        "203.0.113.7"
    )
    assert len(visitor_of("203.0.113.7")) == 32
    assert "203.0.113" not in visitor_of("203.0.113.7")


@pytest.mark.django_db
def test_a_flush_that_died_after_its_commit_is_not_added_twice(redis_counts):
    tool = ToolFactory()
    for _ in range(3):
        counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    day = timezone.now().date().isoformat()
    # The previous run renamed and committed this batch, then died before deleting it.
    done = f"sos:badges:flushing:impression:{day}:dead1"
    redis_counts.hset(done, str(tool.pk), 5)
    DailyCount.add({(tool.pk, timezone.now().date()): {"raw_impressions": 5}})
    FlushedBatch.objects.create(key=done)
    # And this one it renamed but never committed.
    pending = f"sos:badges:flushing:click:{day}:dead2"
    redis_counts.hset(pending, str(tool.pk), 2)
    counters.flush()
    assert today_counts(tool) == (8, 2)
    assert not redis_counts.exists(done, pending)


@pytest.mark.django_db
def test_hits_for_deleted_tools_are_dropped_not_fatal(redis_counts):
    tool = ToolFactory()
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    tool.delete()
    counters.flush()
    assert not DailyCount.objects.exists()


@pytest.mark.django_db
def test_without_redis_hits_are_rows_until_the_flush(settings):
    tool = ToolFactory()
    for _ in range(4):
        counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
    assert PendingHit.objects.count() == 5
    assert today_counts(tool) == (0, 0)
    counters.flush()
    assert today_counts(tool) == (4, 1)
    assert not PendingHit.objects.exists()


@pytest.mark.django_db
def test_a_batch_redis_refuses_is_added_to_postgresql_at_once(settings):
    settings.BADGES_COUNTER_REDIS_URL = "redis://127.0.0.1:1/0"
    tool, gone = ToolFactory(), ToolFactory()
    for _ in range(3):
        counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
    counters.record_hit(Hit.IMPRESSION, gone.pk, VISITOR)
    gone.delete()
    counters.record_hit(Hit.IMPRESSION, gone.pk, VISITOR)
    # Not left pending for a flush: the stored day moved already, visitors told apart.
    assert not PendingHit.objects.exists()
    assert today_counts(tool) == (3, 1)
    assert today_visitors(tool) == (1, 1)
    assert SeenVisitor.objects.filter(tool=tool).count() == 2
    assert not DailyCount.objects.filter(tool_id=gone.pk).exists()


@pytest.mark.django_db
def test_a_batch_sums_its_hits_and_sends_each_visitor_once_an_hour(redis_counts, settings):
    settings.BADGES_BATCH_SECONDS = 3600  # sent here, not by the background thread
    tool = ToolFactory()
    batch = counters._Batch()
    now = timezone.now()
    for _ in range(200):
        batch.add(Hit.IMPRESSION, tool.pk, VISITOR, now)
    batch.add(Hit.IMPRESSION, tool.pk, "w" * 32, now)
    batch.add(Hit.CLICK, tool.pk, VISITOR, now)
    assert len(batch.pending().visits) == 3  # a visitor once, however often they reload
    batch.send()
    day = now.date()
    raw = redis_counts.hgetall(counters.live_key("impression", day))
    visitors = redis_counts.hgetall(counters.live_key("impression-visitor", day))
    assert raw == {str(tool.pk).encode(): b"201"}
    assert visitors == {str(tool.pk).encode(): b"2"}
    # The next batch remembers who was sent this hour: 50 reloads, no visitor to check.
    for _ in range(50):
        batch.add(Hit.IMPRESSION, tool.pk, VISITOR, now)
    assert batch.pending().visits == set()
    batch.send()
    counters.flush()
    assert today_counts(tool) == (251, 1)
    assert today_visitors(tool) == (2, 1)


@pytest.mark.django_db
@pytest.mark.parametrize("applied_first", [True, False], ids=["reply-lost", "send-lost"])
def test_a_batch_without_an_answer_is_held_for_redis_and_counted_once(
    redis_counts, settings, monkeypatch, applied_first
):
    """Whether Redis applied the batch before the answer was lost or never got it, the
    resend (with the batch's marker) leaves it counted exactly once."""
    settings.BADGES_BATCH_SECONDS = 3600
    tool = ToolFactory()
    batch = counters._Batch()
    for _ in range(5):
        batch.add(Hit.IMPRESSION, tool.pk, VISITOR, timezone.now())
    applied = counters._store_in_redis

    def no_answer(client, hits):
        if applied_first:
            applied(client, hits)
        raise redis.TimeoutError("Timeout reading from socket")

    monkeypatch.setattr(counters, "_store_in_redis", no_answer)
    batch.send()
    # Held to send to Redis again, not added to PostgreSQL, where it might count twice.
    assert not DailyCount.objects.exists()
    monkeypatch.undo()
    batch.add(Hit.CLICK, tool.pk, VISITOR, timezone.now())
    batch.send()  # the held batch again, then the new one
    batch.send()  # nothing left to send
    counters.flush()
    assert today_counts(tool) == (5, 1)
    assert today_visitors(tool) == (1, 1)


@pytest.mark.django_db
def test_a_batch_redis_refuses_with_an_error_goes_to_postgresql(redis_counts, monkeypatch):
    tool = ToolFactory()
    refused = redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'")
    monkeypatch.setattr(counters, "_store_in_redis", Mock(side_effect=refused))
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
    assert today_counts(tool) == (1, 1)
    assert today_visitors(tool) == (1, 1)


@pytest.mark.django_db
def test_a_batch_redis_never_answers_is_given_up_after_a_while_and_logged(
    redis_counts, settings, monkeypatch, caplog
):
    settings.BADGES_BATCH_SECONDS = 3600
    tool = ToolFactory()
    batch = counters._Batch()
    monkeypatch.setattr(
        counters, "_store_in_redis", Mock(side_effect=redis.TimeoutError("Timeout reading"))
    )
    for _ in range(4):
        batch.add(Hit.IMPRESSION, tool.pk, VISITOR, timezone.now())
    batch.send()
    batch.send()
    assert "giving up" not in caplog.text  # held, within its time
    monkeypatch.setattr(counters, "HOLD_SECONDS", 0)
    batch.send()
    assert "giving up 4 badge hits" in caplog.text
    monkeypatch.undo()
    batch.add(Hit.CLICK, tool.pk, VISITOR, timezone.now())
    batch.send()
    counters.flush()
    assert today_counts(tool) == (0, 1)


@pytest.mark.django_db
def test_a_hung_redis_sends_new_batches_to_postgresql_and_counts_them_once(settings):
    tool = ToolFactory()
    with throwaway_redis() as server:
        settings.BADGES_COUNTER_REDIS_URL = server.url
        counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
        server.freeze()
        try:
            started = time.monotonic()
            counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
            counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
            assert time.monotonic() - started < 3  # bounded by the client's timeouts
        finally:
            server.thaw()
        assert today_counts(tool) == (1, 1)  # the two sent while it hung, in PostgreSQL
        counters.flush()
    assert today_counts(tool) == (2, 1)
    assert today_visitors(tool) == (1, 1)


@pytest.mark.django_db
def test_batched_hits_reach_redis_from_the_background_within_the_interval(redis_counts, settings):
    settings.BADGES_BATCH_SECONDS = 1
    tool = ToolFactory()
    batch = counters._Batch()
    for _ in range(30):
        batch.add(Hit.IMPRESSION, tool.pk, VISITOR, timezone.now())
    key = counters.live_key("impression", timezone.now().date())
    deadline = time.monotonic() + 10
    while redis_counts.hget(key, str(tool.pk)) != b"30" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert redis_counts.hget(key, str(tool.pk)) == b"30"
    counters.flush()
    assert today_counts(tool) == (30, 0)
    assert today_visitors(tool) == (1, 0)


def fetch(url: str, headers: dict[str, str] | None = None) -> int:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status
    except urllib.error.HTTPError as error:  # 304 arrives as an "error"
        return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.server
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("store", ["redis", "postgres"])
def test_concurrent_loads_on_real_gunicorn_are_counted_exactly(store, request, panel):
    tool = ToolFactory(slug="hot-tool")
    review_tool(tool, panel, "sssk")
    if store == "redis":
        request.getfixturevalue("redis_counts")
        env = {"REDIS_URL": redis_url(), "BADGES_COUNTER_REDIS_URL": redis_url()}
    else:
        env = {"REDIS_URL": "", "BADGES_COUNTER_REDIS_URL": ""}
    loads, clicks = 240, 30
    # With Redis each worker batches its hits; stopping the server sends what they still hold.
    with gunicorn(workers=3, env=env) as base_url:
        badge = f"{base_url}/api/badge/hot-tool.svg"
        etag = urllib.request.urlopen(badge, timeout=15).headers["ETag"]
        opener = urllib.request.build_opener(NoRedirect)

        def click(_: int) -> int:
            try:
                opener.open(f"{base_url}/api/badge-click/hot-tool", timeout=15)
            except urllib.error.HTTPError as error:
                return error.code
            return 200

        with concurrent.futures.ThreadPoolExecutor(max_workers=24) as pool:
            statuses = list(
                pool.map(
                    lambda n: fetch(badge, {"If-None-Match": etag} if n % 3 == 0 else None),
                    range(loads - 1),
                )
            )
            click_statuses = list(pool.map(click, range(clicks)))
    assert statuses.count(200) + statuses.count(304) == loads - 1
    assert statuses.count(304) > 0
    assert set(click_statuses) == {302}
    counters.flush()
    assert today_counts(tool) == (loads, clicks)
    # All from one address: one visitor, whatever the number of requests.
    assert today_visitors(tool) == (1, 1)


@pytest.mark.django_db
def test_flush_command_reports_what_it_moved(redis_counts):
    tool = ToolFactory()
    counters.record_hit(Hit.IMPRESSION, tool.pk, VISITOR)
    counters.record_hit(Hit.CLICK, tool.pk, VISITOR)
    out = StringIO()
    call_command("flush_badge_counts", stdout=out)
    assert out.getvalue() == "Flushed badge counts: 2 hits from Redis.\n"
    out = StringIO()
    call_command("flush_badge_counts", stdout=out)
    assert out.getvalue() == "Flushed badge counts: nothing pending.\n"
    assert today_counts(tool) == (1, 1)
