"""Editors' changes purge the shared HTTP cache by tag, once per transaction, and a cache
that is down never fails the save. A small HTTP server here stands in for Varnish and
records what it is sent; tests/test_varnish.py runs the real one."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from comparisons.models import FeaturedComparison
from devtools.system import free_port
from tests.factories import ToolFactory, VoteFactory, review_tool
from tools.verdicts import Verdict
from votes.models import Vote
from votes.services import cast_vote, discard_votes, restore_votes

pytestmark = pytest.mark.django_db


class Recorder(BaseHTTPRequestHandler):
    def do_PURGE(self) -> None:
        self.server.received.append((self.command, self.headers["xkey-purge"]))
        self.send_response(200, "Purged 1")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class Cache:
    """Where purges go during ``edits()``: one block of edits, then its commit."""

    def __init__(self, url: str, settings, capture) -> None:
        self.url, self.settings, self.capture = url, settings, capture
        self.purges: list[tuple[str, str]] = []

    @contextlib.contextmanager
    def edits(self) -> Iterator[None]:
        self.settings.VARNISH_PURGE_URLS = [self.url]
        with self.capture(execute=True):
            yield
        self.settings.VARNISH_PURGE_URLS = []


@pytest.fixture
def cache(settings, django_capture_on_commit_callbacks) -> Iterator[Cache]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    front = Cache(
        f"http://127.0.0.1:{server.server_address[1]}/",
        settings,
        django_capture_on_commit_callbacks,
    )
    server.received = front.purges
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield front
    finally:
        server.shutdown()
        server.server_close()


def test_a_tool_saved_with_its_reviews_is_one_purge_of_its_pages_and_the_lists(cache, panel):
    tool = ToolFactory()
    reviews = review_tool(tool, panel, "sskss")
    with cache.edits():
        tool.tagline = "Now with a changed tagline."
        tool.save()
        for review in reviews:
            review.score = 90
            review.save()
    assert cache.purges == [("PURGE", f"listing tool-{tool.pk}")]


def test_unpublishing_and_deleting_a_review_purge_the_tool(cache, panel):
    tool = ToolFactory()
    (review,) = review_tool(tool, panel, "s")
    with cache.edits():
        review.delete()
    with cache.edits():
        tool.unpublish()
        tool.save()
    assert cache.purges == [("PURGE", f"listing tool-{tool.pk}")] * 2


def test_a_critic_or_a_category_change_purges_every_page(cache, panel):
    tool = ToolFactory()
    with cache.edits():
        panel[0].name = "Renamed critic"
        panel[0].save()
    with cache.edits():
        tool.category.name = "Renamed category"
        tool.category.save()
    assert cache.purges == [("PURGE", "site")] * 2


def test_editors_discarding_and_restoring_votes_purge_those_tools(cache):
    first, second, untouched = ToolFactory.create_batch(3)
    for tool in (first, second, untouched):
        VoteFactory.create_batch(2, tool=tool)
    chosen = Vote.objects.filter(tool__in=[first, second])
    with cache.edits():
        assert discard_votes(votes=chosen, reason="stuffing") == 4
    with cache.edits():
        assert restore_votes(votes=chosen.filter(tool=first)) == 2
    assert cache.purges == [
        ("PURGE", f"listing tool-{first.pk} tool-{second.pk}"),
        ("PURGE", f"listing tool-{first.pk}"),
    ]


def test_a_plain_vote_purges_nothing(cache):
    tool = ToolFactory()
    with cache.edits():
        cast_vote(tool=tool, voter="a-reader", fingerprint="fp", network="net", choice=Verdict.SHIP)
    assert cache.purges == []


def test_a_featured_pair_change_purges_the_lists(cache):
    first, second = ToolFactory.create_batch(2)
    with cache.edits():
        featured = FeaturedComparison.objects.create(tool_a=first, tool_b=second)
    with cache.edits():
        featured.delete()
    assert cache.purges == [("PURGE", "listing")] * 2


def test_a_cache_that_is_down_never_fails_the_save(
    settings, caplog, django_capture_on_commit_callbacks
):
    settings.VARNISH_PURGE_URLS = [f"http://127.0.0.1:{free_port()}/"]
    with django_capture_on_commit_callbacks(execute=True):
        tool = ToolFactory(tagline="Saved while the cache was down.")
    assert type(tool).objects.get(pk=tool.pk).tagline == "Saved while the cache was down."
    assert [(record.levelno, record.name) for record in caplog.records] == [
        (logging.WARNING, "core.purge")
    ]
    assert "failed" in caplog.records[0].getMessage()
