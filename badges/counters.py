"""Counting badge impressions and clicks without a hot database row or a round trip.

With Redis (``BADGES_COUNTER_REDIS_URL``, which defaults to ``REDIS_URL``) a hit costs the
request a few dictionary updates in its own process: each process adds up its hits and a
background thread hands them to Redis every ``BADGES_BATCH_SECONDS`` (one second), as one
script of ``HINCRBY`` on hashes per measure and day, field = tool id. Measured
in-process, sending each hit on the request path (a Lua script per hit) was 100 us of a
250 us badge, and each hit was a script for Redis to run as well; a batch is one
script a second per process whatever the traffic. A process that is stopped (SIGTERM,
gunicorn's recycling, a deploy) sends what it holds on its way out; one that is killed
outright (SIGKILL, out of memory) loses the hits it has not sent, at most a second's
(more only while Redis is not answering, below).

Redis applies each batch at most once: the script first records the batch's marker in a
sorted set kept without expiry (so eviction cannot forget it; flushes drop markers older
than twenty minutes) and does nothing if it was there. A batch goes to PostgreSQL instead
only when Redis cannot have applied it: Redis did not answer a PING, or answered the
script with an error (a script stops at its first refused write), and no earlier send of
the batch went unanswered. A batch sent without an answer (Redis hung, the connection
broke) may be in Redis already, so it is kept and sent to Redis again each interval, for
at most ten minutes; a batch given up then, or still held when its process exits, may not
have been counted, and the log says how many hits. While one is held, new batches still
go to Redis or PostgreSQL as above. Each process also remembers the visitors it sent this
hour, including those in a batch that was lost: such a visitor is not counted again that
hour by this process, so the visitor figure errs low.

``BADGES_BATCH_SECONDS=0`` sends each hit from its request, waiting on Redis (a PING and
the script) every time: for the test process, not for production.

Without Redis each hit appends a ``PendingHit`` row at once; inserts never wait on each
other the way ``UPDATE ... SET n = n + 1`` on one row would.

Each hit is counted twice: once as a raw request, and once more only if it is the visitor's
first hit of that kind on that tool in this clock hour (UTC). A visitor is a keyed hash of
the client's address (the /64 for IPv6, where one subscriber holds the whole block); the
User-Agent is left out on purpose, since whoever wants to inflate a count can change it on
every request. Behind one office NAT, colleagues count as one visitor an hour: the figure
errs low, never high. In Redis the batch script sets a "seen" key (``SET NX``, expiring an
hour after its hour is over, so a batch sent late still finds it) and counts the visitor
only if the key was new, so workers and servers agree on who is first. Under memory
pressure Redis may evict a "seen" key early (they are the only badge keys with a TTL),
which can count a visitor twice in an hour, never drop a hit. Without Redis, a
``SeenVisitor`` row is inserted with ``ON CONFLICT DO NOTHING`` in the same statement as
the ``PendingHit``.

Either way the stored ``DailyCount`` rows move only when ``manage.py flush_badge_counts``
runs. Schedule it every minute, for example with cron::

    * * * * *  cd /srv/shiporskip && .venv/bin/python manage.py flush_badge_counts

or a systemd timer with ``OnCalendar=minutely``. The admin stats lag by at most that, plus
the batch's second.

A flush renames each live hash to a unique "flushing" key (``RENAME`` is atomic, so hits
arriving meanwhile start a fresh hash), adds it to PostgreSQL together with a
``FlushedBatch`` row in one transaction, then deletes it. A flush that dies half way leaves
its flushing keys behind; the next one finishes them, and skips any whose batch row says
they were already added.
"""

from __future__ import annotations

import atexit
import datetime
import hashlib
import ipaddress
import logging
import os
import threading
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache

import redis
from django.conf import settings
from django.db import DatabaseError, connection, connections, transaction
from django.http import HttpRequest
from django.utils import timezone

from badges.models import FIGURES, DailyCount, FlushedBatch, Hit, PendingHit, SeenVisitor
from core.cache import REDIS_FAILURES, redis_client
from core.clientip import client_ip
from core.watchdog import deadline

logger = logging.getLogger(__name__)

LIVE_PREFIX = "sos:badges:hits"
FLUSHING_PREFIX = "sos:badges:flushing"
SEEN_PREFIX = "sos:badges:seen"
APPLIED_BATCHES = "sos:badges:applied-batches"
# A live hash per measure and day: "impression" and "click" count every request (the names
# hashes had before visitors were told apart, so a flush across an upgrade stays exact),
# the "-visitor" ones count each visitor once per tool per hour.
MEASURES = {
    (Hit.IMPRESSION, True): "impression",
    (Hit.CLICK, True): "click",
    (Hit.IMPRESSION, False): "impression-visitor",
    (Hit.CLICK, False): "click-visitor",
}
FIGURE_OF_MEASURE = {measure: FIGURES[key] for key, measure in MEASURES.items()}
# Hits, as the flush reports them: every request once, not its visitor figure as well.
RAW_FIGURES = {figure for (_, raw), figure in FIGURES.items() if raw}
# One batch, applied at most once: a batch whose reply was lost is sent again with the same
# marker and then changes nothing. The markers live in one sorted set (score: when applied)
# with no expiry, so eviction under memory pressure cannot forget one; flushes prune it.
# KEYS[1]: that set. ARGV[1]: n, how many raw counts. For i = 1..n: KEYS[1 + i] a raw
# hash, ARGV[2i] its field (a tool id), ARGV[2i + 1] the hits. Then for each new visitor j:
# KEYS[n + 2j] the visitor hash, KEYS[n + 2j + 1] the "seen" key, ARGV[2n + 2j] the tool
# id, ARGV[2n + 2j + 1] the seconds the "seen" key lives. Last, ARGV: the batch's marker
# and the time (Unix seconds).
BATCH_SCRIPT = """
if redis.call('ZADD', KEYS[1], 'NX', ARGV[#ARGV], ARGV[#ARGV - 1]) == 0 then return 0 end
local n = tonumber(ARGV[1])
for i = 1, n do
    redis.call('HINCRBY', KEYS[1 + i], ARGV[2 * i], ARGV[2 * i + 1])
end
for j = 1, (#KEYS - 1 - n) / 2 do
    if redis.call('SET', KEYS[n + 2 * j + 1], 1, 'NX', 'EX', ARGV[2 * n + 2 * j + 1]) then
        redis.call('HINCRBY', KEYS[n + 2 * j], ARGV[2 * n + 2 * j], 1)
    end
end
return 1
"""
# A batch Redis may hold (sent, no reply) is sent again each interval for at most this
# long, then given up with an error in the log; markers are kept twice as long.
HOLD_SECONDS = 600
BATCH_MARKER_SECONDS = 2 * HOLD_SECONDS
# A "seen" key outlives its hour by this much, so a visit sent late (a batch held while
# Redis was away) still finds the key another process set for that hour.
SEEN_MARGIN_SECONDS = 3600
VISITOR_PERSON = b"sos.badge.visit"
HOUR = datetime.timedelta(hours=1)
# Visitors this process has passed on in the current hour, so a reloading client costs one
# set lookup; past this many the memory is dropped (Redis still knows who was first).
SENT_VISITORS_MAX = 100_000
# How long a stopping worker waits for a send in flight (gunicorn's graceful timeout is 20 s).
EXIT_WAIT_SECONDS = 5
# Serialises flushes (two cron runs overlapping) without touching request traffic.
FLUSH_LOCK_ID = 0x5B4D6E

# (kind, day, tool id) -> hits; a visitor's first hit: (kind, hour, tool id, visitor).
RawCounts = Counter[tuple[str, datetime.date, int]]
Visit = tuple[str, datetime.datetime, int, str]


def clock_hour(moment: datetime.datetime) -> datetime.datetime:
    """The hour a visitor is counted once in."""
    return moment.replace(minute=0, second=0, microsecond=0)


@dataclass
class Hits:
    """Hits taken together, to be stored once."""

    raw: RawCounts = field(default_factory=Counter)
    visits: set[Visit] = field(default_factory=set)
    marker: str = field(default_factory=lambda: uuid.uuid4().hex)
    # When a send got no answer (a timeout, a broken connection): Redis may hold it, so
    # from then on it may only be sent there again, with its marker, never to PostgreSQL.
    unanswered_since: float | None = None


class _Batch:
    """This process's hits that have not yet been handed to Redis."""

    def __init__(self) -> None:
        self._reset()

    def _reset(self) -> None:
        # After a fork the child starts empty: the parent still owns (and sends) its hits.
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._taking = Hits()
        self._unanswered: list[Hits] = []
        self._sent_hour: datetime.datetime | None = None
        self._sent_visits: set[Visit] = set()
        self._sender: threading.Thread | None = None

    def add(self, kind: str, tool_id: int, visitor: str, now: datetime.datetime) -> None:
        hour = clock_hour(now)
        visit = (kind, hour, tool_id, visitor)
        with self._lock:
            self._taking.raw[kind, now.date(), tool_id] += 1
            if hour != self._sent_hour or len(self._sent_visits) >= SENT_VISITORS_MAX:
                self._sent_hour, self._sent_visits = hour, set()
            if visit not in self._sent_visits:
                self._sent_visits.add(visit)
                self._taking.visits.add(visit)
            if self._sender is None and settings.BADGES_BATCH_SECONDS:
                self._sender = threading.Thread(
                    target=self._send_every_interval, name="badge-counts", daemon=True
                )
                self._sender.start()

    def send(self) -> None:
        """Hand everything taken so far to Redis (or PostgreSQL); returns once it is there,
        or, for a batch Redis took without answering, once it is kept to send again."""
        # One send at a time, so a flush that sends first also waits for one in flight.
        with self._send_lock:
            with self._lock:
                taken, self._taking = self._taking, Hits()
            batches = [*self._unanswered, *([taken] if taken.raw else [])]
            self._unanswered = []
            try:
                held = _store(batches) if batches else []
            except Exception:
                # Nothing is known to be stored: keep every batch for the next send.
                self._unanswered = batches
                raise
            for batch in held:
                if time.monotonic() - batch.unanswered_since < HOLD_SECONDS:
                    self._unanswered.append(batch)
                else:
                    logger.error(
                        "giving up %d badge hits Redis has not confirmed for %d s; they may "
                        "not have been counted",
                        batch.raw.total(),
                        HOLD_SECONDS,
                    )

    def _send_every_interval(self) -> None:
        while True:
            time.sleep(settings.BADGES_BATCH_SECONDS or 1)
            try:
                self.send()
            except Exception:
                logger.exception("badge counts could not be sent")
            finally:
                # This thread's own database connection, opened only if Redis failed.
                connections.close_all()

    def send_at_exit(self) -> None:
        # A send stuck on a hung database must not hold the exit until the arbiter kills.
        if not self._send_lock.acquire(timeout=EXIT_WAIT_SECONDS):
            logger.error("exiting while a badge batch is still being sent; its hits are lost")
            return
        self._send_lock.release()
        self.send()
        if held := sum(batch.raw.total() for batch in self._unanswered):
            logger.error(
                "exiting with %d badge hits Redis has not confirmed; they may not have been "
                "counted",
                held,
            )

    def pending(self) -> Hits:
        """The hits taken since the last send."""
        return self._taking


_batch = _Batch()
os.register_at_fork(after_in_child=_batch._reset)
# gunicorn's workers leave through SystemExit on SIGTERM, so this runs on every graceful stop.
atexit.register(_batch.send_at_exit)


def counter_url() -> str:
    return settings.BADGES_COUNTER_REDIS_URL


def live_key(measure: str, day: datetime.date) -> str:
    return f"{LIVE_PREFIX}:{measure}:{day.isoformat()}"


@cache
def _visitor_key(secret: str) -> bytes:
    return hashlib.blake2b(secret.encode(), person=VISITOR_PERSON).digest()


def visitor(request: HttpRequest) -> str:
    """Who loaded the badge, as far as counting goes: 32 hex characters, keyed by a secret."""
    return _visitor_of(client_ip(request), settings.SECRET_KEY)


# Remembered per address: a reader's page loads several badges and reloads them, and for
# IPv6 finding the /64 cost 30 us of a badge, the hash itself 3.
@lru_cache(maxsize=4096)
def _visitor_of(address: str, secret: str) -> str:
    if ":" in address:  # IPv6: the subscriber's /64
        address = str(ipaddress.ip_network(f"{address}/64", strict=False))
    return hashlib.blake2b(address.encode(), key=_visitor_key(secret), digest_size=16).hexdigest()


def record_hit(kind: Hit, tool_id: int, visitor: str) -> None:
    """Count one impression or click for today (UTC), and the visitor if new this hour."""
    now = timezone.now()
    if counter_url():
        _batch.add(kind, tool_id, visitor, now)
        if not settings.BADGES_BATCH_SECONDS:
            _batch.send()
        return
    try:
        PendingHit.record(tool_id, now.date(), kind, clock_hour(now), visitor)
    except DatabaseError:
        # PostgreSQL is away (or the tool was deleted a moment ago): the badge still
        # answers, this one hit is not counted.
        logger.warning("database unavailable; a badge %s was not counted", kind)


def send_pending() -> None:
    """Hand this process's batched hits on now instead of within the next second."""
    _batch.send()


def _store(batches: list[Hits]) -> list[Hits]:
    """Store each batch exactly once; returns those Redis may hold without having said so.

    A batch goes to PostgreSQL only when Redis cannot have applied it: Redis was not asked
    (it did not answer a PING), or refused it with an error, and no earlier send of it went
    unanswered.
    """
    url = counter_url()
    client = redis_client(url) if url else None
    if client is not None:
        try:
            client.ping()
        except REDIS_FAILURES as error:
            logger.warning("Redis unavailable for badge counts (%s)", error)
            client = None
    held: list[Hits] = []
    for batch in batches:
        if client is not None:
            try:
                _store_in_redis(client, batch)
                continue
            except redis.ResponseError as error:
                # An error reply: the script stopped at its first write (out of memory, a
                # read-only replica), so Redis did not apply the batch.
                logger.warning("Redis refused a badge batch (%s)", error)
            except REDIS_FAILURES as error:
                logger.warning("Redis did not answer a badge batch; kept to resend (%s)", error)
                batch.unanswered_since = batch.unanswered_since or time.monotonic()
                client = None  # the batches after this one are not sent to it this time
        if batch.unanswered_since is not None:
            held.append(batch)
            continue
        try:
            with deadline(settings.DB_REQUEST_DEADLINE_SECONDS):
                _store_in_postgresql(batch)
        except DatabaseError:
            logger.exception(
                "%d badge hits were not counted: Redis and PostgreSQL both failed",
                batch.raw.total(),
            )
    return held


def _store_in_redis(client: redis.Redis, batch: Hits) -> None:
    keys, args = [APPLIED_BATCHES], [len(batch.raw)]
    for (kind, day, tool_id), hits in batch.raw.items():
        keys.append(live_key(MEASURES[kind, True], day))
        args += [tool_id, hits]
    now = timezone.now()
    for kind, hour, tool_id, who in batch.visits:
        keys += [
            live_key(MEASURES[kind, False], hour.date()),
            f"{SEEN_PREFIX}:{kind}:{hour:%Y%m%d%H}:{tool_id}:{who}",
        ]
        seconds_left = int((hour + HOUR - now).total_seconds())
        args += [tool_id, max(0, seconds_left) + SEEN_MARGIN_SECONDS]
    client.eval(BATCH_SCRIPT, len(keys), *keys, *args, batch.marker, int(now.timestamp()))


def forget_applied_batches(client: redis.Redis) -> None:
    """Markers of batches applied long enough ago that none can be sent again."""
    oldest = int(timezone.now().timestamp()) - BATCH_MARKER_SECONDS
    client.zremrangebyscore(APPLIED_BATCHES, "-inf", f"({oldest}")


def _store_in_postgresql(batch: Hits) -> None:
    """Add a batch straight to the stored days; ``SeenVisitor`` decides who is first."""
    counts: dict[tuple[int, datetime.date], dict[str, int]] = defaultdict(Counter)
    for (kind, day, tool_id), hits in batch.raw.items():
        counts[tool_id, day][FIGURES[kind, True]] += hits
    with transaction.atomic():
        for kind, hour, tool_id in SeenVisitor.objects.first_visits(batch.visits):
            counts[tool_id, hour.date()][FIGURES[kind, False]] += 1
        DailyCount.add(counts)


def _parse_batch(key: str, fields: dict[bytes, bytes]) -> dict[tuple[int, datetime.date], dict]:
    """{(tool_id, day): {figure: n}} from one flushing hash."""
    _, _, _, measure, day_text, _ = key.split(":")
    day = datetime.date.fromisoformat(day_text)
    figure = FIGURE_OF_MEASURE[measure]
    return {(int(tool_id), day): {figure: int(count)} for tool_id, count in fields.items()}


def flush() -> dict[str, int]:
    """Add every pending count to ``DailyCount``; returns what moved, for the log."""
    moved: dict[str, int] = defaultdict(int)
    # This process's own recent hits first, so that a flush sees every hit made before it.
    send_pending()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FLUSH_LOCK_ID])
        moved["tool-days updated from PostgreSQL hits"] = DailyCount.absorb_pending_hits()
    if url := counter_url():
        client = redis_client(url)
        for live in client.scan_iter(match=f"{LIVE_PREFIX}:*", count=500):
            live_name = live.decode()
            suffix = live_name.removeprefix(LIVE_PREFIX)
            try:
                client.rename(live_name, f"{FLUSHING_PREFIX}{suffix}:{uuid.uuid4().hex}")
            except redis.ResponseError:
                continue  # another flush took it between SCAN and RENAME
        for flushing in client.scan_iter(match=f"{FLUSHING_PREFIX}:*", count=500):
            key = flushing.decode()
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_xact_lock(%s)", [FLUSH_LOCK_ID])
                if not FlushedBatch.objects.filter(key=key).exists():
                    counts = _parse_batch(key, client.hgetall(key))
                    DailyCount.add(counts)
                    FlushedBatch.objects.create(key=key)
                    moved["hits from Redis"] += sum(
                        n
                        for figures in counts.values()
                        for figure, n in figures.items()
                        if figure in RAW_FIGURES
                    )
            client.delete(key)
        forget_applied_batches(client)
    SeenVisitor.objects.expired().delete()
    # Batch records only guard against a crash between commit and delete; a day is plenty.
    FlushedBatch.objects.filter(flushed_at__lt=timezone.now() - datetime.timedelta(days=1)).delete()
    return dict(moved)
