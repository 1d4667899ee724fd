import fcntl
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections
from django.test.utils import override_settings

from badges.data import forget_all_local
from core import pagecache
from tests.factories import PersonaFactory

ROOT = Path(__file__).resolve().parent.parent


def pytest_configure(config):
    """Each xdist worker caches and counts in a Redis database of its own.

    make test starts one Redis for the run; clearing a cache flushes a whole database, so
    worker gwN takes database N + 1 (make run keeps database 0). The servers a test starts
    inherit the worker's REDIS_URL, so they share its cache and counters.
    """
    # In this process a badge hit is sent before its request returns, so a test reads what
    # it did; the servers the tests start batch hits as deployed (tests/badges covers both).
    override_settings(BADGES_BATCH_SECONDS=0).enable()
    url = os.environ.get("REDIS_URL")
    if not url:
        return
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    url = urlunsplit(urlsplit(url)._replace(path=f"/{worker + 1}"))
    os.environ["REDIS_URL"] = url
    os.environ.pop("BADGES_COUNTER_REDIS_URL", None)
    os.environ.pop("RATELIMIT_REDIS_URL", None)
    caches = {alias: {**options, "LOCATION": url} for alias, options in settings.CACHES.items()}
    override_settings(CACHES=caches, BADGES_COUNTER_REDIS_URL=url, RATELIMIT_REDIS_URL=url).enable()


@pytest.fixture(scope="session", autouse=True)
def healthz_probe_connection_closed(django_db_setup):
    """/healthz asks the database from a thread of its own that keeps its connection open;
    it is closed before the test database is dropped, which an open session would refuse."""
    yield
    from core import views

    if views._probe is not None:
        views._probe[1].submit(connections.close_all).result(timeout=10)


@pytest.fixture(autouse=True)
def empty_cache():
    """Every test starts with an empty cache, no rate-limit counts spent and no badge facts
    kept in this process, as a fresh server would: the worker's Redis outlives a test, and
    so does a gunicorn's view of it."""
    cache.clear()
    pagecache.forget_local()
    forget_all_local()


@pytest.fixture(scope="session", autouse=True)
def collected_static():
    """Pages use the manifest storage, so the manifest must exist; one worker builds it.

    The lock file remembers which xdist run collected: collecting again would delete and
    rewrite every hashed file while the other worker's WhiteNoise is reading the folder.
    """
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID", "")
    with open(ROOT / ".collectstatic.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        lock.seek(0)
        if not run or lock.read() != run:
            call_command("collectstatic", interactive=False, verbosity=0)
            lock.truncate(0)
            lock.write(run)
            lock.flush()
        fcntl.flock(lock, fcntl.LOCK_UN)


@pytest.fixture
def panel(db):
    """The four core critics plus three more: a full panel of seven."""
    names = ["Builder", "Skeptic", "Futurist", "Founder", "Security Lead", "Researcher", "Operator"]
    return [
        PersonaFactory(name=name, slug=name.lower().replace(" ", "-"), order=index)
        for index, name in enumerate(names)
    ]


@pytest.fixture
def editor(db, django_user_model):
    from django.contrib.auth.models import Group

    user = django_user_model.objects.create_user(
        username="edna", password="correct horse battery", is_staff=True
    )
    user.groups.add(Group.objects.get(name="editors"))
    return user


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    if not path:
        pytest.fail(
            "Debian's Chromium is required for browser tests: apt-get install -y chromium "
            "(make test installs it when run as root)."
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """pytest-playwright's browser is Debian's Chromium (`playwright install` downloads a
    build of its own, which this machine cannot and the project does not use)."""
    return {
        **browser_type_launch_args,
        "executable_path": chromium_path(),
        "args": [
            # Chromium's sandbox cannot start as root, which CI is.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            # No calls home: the tests only ever talk to 127.0.0.1.
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def catalogue(panel):
    """50 published tools in 5 categories, each reviewed by all 7 critics and voted on,
    plus featured comparisons: enough rows that an N+1 on any reading page would show."""
    from comparisons.models import FeaturedComparison
    from tests.factories import CategoryFactory, ToolFactory, cast_votes, review_tool

    categories = CategoryFactory.create_batch(5)
    tools = [ToolFactory(category=categories[n % 5]) for n in range(50)]
    patterns = ["sssssss", "ssssskk", "ssskkkk", "sssskkk", "kkkkkks"]
    for n, tool in enumerate(tools):
        review_tool(tool, panel, patterns[n % len(patterns)])
        cast_votes(tool, ships=5 + n % 7, skips=3 + n % 4)
    for first, second in zip(tools[:6:2], tools[1:6:2], strict=True):
        FeaturedComparison.objects.create(tool_a=first, tool_b=second, blurb="Worth a look.")
    return tools
