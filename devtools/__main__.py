"""ShipOrSkip's developer and CI commands; `make` runs them through scripts/dev.sh.

    python -m devtools setup          test tools, services, Chromium, Java, node tools, Varnish, wrk
    python -m devtools run            the site on http://127.0.0.1:8000 (gunicorn, DEBUG off)
    python -m devtools test [ARGS]    ruff, migrations check, pytest -n 2 [ARGS]
    python -m devtools bench [ARGS]   python bench/run.py [ARGS]
    python -m devtools lint | fmt     ruff check + format (--check for lint)
    python -m devtools db start|stop|status|url       the project-local PostgreSQL
    python -m devtools redis start|stop|status|url    the project-local Redis

Environment:
    DATABASE_URL           use this database instead of the project-local cluster
    SHIPORSKIP_PG_PORT     port of the project-local cluster (default 54329)
    REDIS_URL              use this Redis instead of the project-local one
    SHIPORSKIP_REDIS_PORT  port of the project-local Redis (default 63790)
    PYTEST_ARGS            extra pytest arguments (e.g. PYTEST_ARGS="-k vote -x")
    PYTEST_WORKERS         pytest-xdist workers (default 2)
    CHROMIUM_PATH          browser for the browser tests (default: Debian's chromium)
    SHIPORSKIP_HOST, SHIPORSKIP_WEB_PORT   where `run` listens (127.0.0.1, 8000)
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

from devtools import ROOT, ServiceError, gunicorn, postgres, redis, varnish
from devtools.system import ensure_command, port_in_use


def step(message: str) -> None:
    print(f"\n==> {message}", file=sys.stderr, flush=True)


def python(*args: str) -> None:
    """Run the venv's Python (this one) from the checkout; fail the command if it fails."""
    subprocess.run([sys.executable, *args], cwd=ROOT, check=True)


def manage(*args: str) -> None:
    step(f"manage.py {' '.join(args)}")
    python("manage.py", *args)


# ---------------------------------------------------------------------- environment
def use_venv() -> None:
    """Programs the commands start (ruff, gunicorn, pytest) come from this venv."""
    venv = Path(sys.prefix)
    os.environ["VIRTUAL_ENV"] = str(venv)
    os.environ["PATH"] = f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}"


def development_settings() -> None:
    """The development SECRET_KEY and plain-http cookies; DEBUG stays off unless set."""
    os.environ.setdefault("SHIPORSKIP_ENV", "development")


@contextlib.contextmanager
def database(*, stop_in_ci: bool = False) -> Iterator[str]:
    """DATABASE_URL if set and reachable, else the project-local cluster, started.

    In CI (a fresh clone) a cluster this command started is stopped when it ends, so no
    PostgreSQL is left holding a port; developers keep theirs running (make db-stop).
    """
    url = os.environ.get("DATABASE_URL", "")
    if url:
        postgres.check_external(url)
        yield url
        return
    cluster = postgres.LocalCluster()
    was_running = cluster.running_pid() is not None
    os.environ["DATABASE_URL"] = url = cluster.start()
    try:
        yield url
    finally:
        if stop_in_ci and os.environ.get("CI") and not was_running:
            with contextlib.suppress(ServiceError):
                cluster.stop()


@contextlib.contextmanager
def local_redis(*, stop_in_ci: bool = False) -> Iterator[str]:
    """REDIS_URL if set, else the project-local Redis, started; exported as REDIS_URL so
    the cache, rate limits and badge counters use it. Stopped after CI like PostgreSQL."""
    url = os.environ.get("REDIS_URL", "")
    if url:
        redis.check_external(url)
        yield url
        return
    server = redis.LocalRedis()
    was_running = server.running_pid() is not None
    os.environ["REDIS_URL"] = url = server.start()
    try:
        yield url
    finally:
        if stop_in_ci and os.environ.get("CI") and not was_running:
            with contextlib.suppress(ServiceError):
                server.stop()


@contextlib.contextmanager
def every_minute(*command: str) -> Iterator[None]:
    """`manage.py command` every 60 s in the background while the block runs: the job
    production runs from cron, without a cron here."""
    done = threading.Event()

    def loop() -> None:
        while not done.wait(60):
            subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, check=False)

    thread = threading.Thread(target=loop, name=command[0], daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()


def chromium() -> str:
    path = os.environ.get("CHROMIUM_PATH", "")
    if path:
        if not os.access(path, os.X_OK):
            raise ServiceError(f"CHROMIUM_PATH={path} is not an executable file")
        return path
    # Debian's Chromium; `playwright install` downloads a browser build and is not used.
    path = ensure_command("chromium", package="chromium fonts-liberation", why="the browser tests")
    os.environ["CHROMIUM_PATH"] = path
    return path


def node_tools() -> None:
    """vnu-jar (the HTML checker, on Java) and axe-core, from package-lock.json."""
    ensure_command("java", package="default-jre-headless", why="the HTML validation tests")
    npm = ensure_command("npm", package="nodejs npm", why="installing package.json's test tools")
    vnu = ROOT / "node_modules/vnu-jar/build/dist/vnu.jar"
    axe = ROOT / "node_modules/axe-core/axe.min.js"
    lock = (ROOT / "package.json").read_bytes() + (ROOT / "package-lock.json").read_bytes()
    stamp = ROOT / f"node_modules/.shiporskip-stamp-{hashlib.sha256(lock).hexdigest()[:16]}"
    if not (stamp.exists() and vnu.is_file() and axe.is_file()):
        step("npm ci (vnu-jar, axe-core)")
        subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund"], cwd=ROOT, stdin=subprocess.DEVNULL, check=True
        )
        for needed in (vnu, axe):
            if not needed.is_file():
                raise ServiceError(f"npm did not install {needed.relative_to(ROOT)}")
        stamp.touch()
    os.environ["VNU_JAR"] = str(vnu)
    os.environ["AXE_CORE_JS"] = str(axe)


def wrk() -> None:
    ensure_command("wrk", package="wrk", why="the benchmark")


@contextlib.contextmanager
def test_environment() -> Iterator[None]:
    use_venv()
    with database(stop_in_ci=True), local_redis(stop_in_ci=True):
        chromium()
        node_tools()
        varnish.varnishd()
        development_settings()
        # Playwright's sync API runs an event loop in the test thread; the ORM calls in
        # browser tests are still made one at a time.
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
        yield


# ---------------------------------------------------------------------- commands
def cmd_setup(args: argparse.Namespace) -> None:
    with test_environment():
        wrk()
        step("ready")
        for name in ("DATABASE_URL", "REDIS_URL", "CHROMIUM_PATH", "VNU_JAR", "AXE_CORE_JS"):
            print(f"  {name}: {os.environ[name]}", file=sys.stderr)


def lint() -> None:
    step("ruff check .")
    python("-m", "ruff", "check", ".")
    step("ruff format --check .")
    python("-m", "ruff", "format", "--check", ".")
    step("lint-imports (the layers of docs/architecture.md)")
    subprocess.run([Path(sys.executable).with_name("lint-imports")], cwd=ROOT, check=True)


def cmd_lint(args: argparse.Namespace) -> None:
    lint()


def cmd_fmt(args: argparse.Namespace) -> None:
    step("ruff check --fix .")
    # What is left is reported by `make lint`.
    subprocess.run([sys.executable, "-m", "ruff", "check", "--fix", "."], cwd=ROOT, check=False)
    step("ruff format .")
    python("-m", "ruff", "format", ".")


def cmd_test(args: argparse.Namespace) -> None:
    with test_environment():
        lint()
        manage("makemigrations", "--check", "--dry-run")
        workers = os.environ.get("PYTEST_WORKERS", "2")
        extra = [*shlex.split(os.environ.get("PYTEST_ARGS", "")), *args.rest]
        step(f"pytest -n {workers} {' '.join(extra)}")
        python("-m", "pytest", "-n", workers, *extra)


def cmd_bench(args: argparse.Namespace) -> None:
    use_venv()
    with database(), local_redis():
        wrk()
        varnish.varnishd()
        development_settings()
        # The benchmark serves the demo data and the collected static files.
        manage("migrate", "--noinput")
        manage("seed_demo")
        manage("collectstatic", "--noinput")
        step(f"python bench/run.py {' '.join(args.rest)}")
        python("bench/run.py", *args.rest)


def cmd_run(args: argparse.Namespace) -> None:
    host = os.environ.get("SHIPORSKIP_HOST", "127.0.0.1")
    port = int(os.environ.get("SHIPORSKIP_WEB_PORT", "8000"))
    if port_in_use(port, host):
        raise ServiceError(
            f"port {port} on {host} is already in use; stop that program or pick another "
            f"port: SHIPORSKIP_WEB_PORT={port + 1} make run"
        )
    use_venv()
    with database() as url, local_redis() as redis_url:
        os.environ.update(gunicorn.run_environment(os.environ))
        manage("migrate", "--noinput")
        manage("seed_demo")
        manage("update_certifications")
        manage("ensure_dev_superuser")
        manage("collectstatic", "--noinput")
        step(f"ShipOrSkip is starting on http://{host}:{port}/")
        print(
            f"  Site:   http://{host}:{port}/\n"
            f"  Admin:  http://{host}:{port}/admin/\n"
            "          user 'admin'; password as printed by ensure_dev_superuser above on the\n"
            "          first run (DEV_ADMIN_PASSWORD if it was set then, else generated);\n"
            f"          forgot it? SHIPORSKIP_ENV=development DATABASE_URL={url} \\\n"
            "                       .venv/bin/python manage.py changepassword admin\n"
            f"  Database: {postgres.mask(url)}, Redis: {redis_url}  (stop both: make db-stop)\n"
            "  Badge hits move from Redis into PostgreSQL every minute (flush_badge_counts);\n"
            "  Certified Ship and verdict timelines follow the votes (update_certifications).\n"
            "  Press Ctrl-C to stop the server.",
            file=sys.stderr,
            flush=True,
        )
        server = gunicorn.start({**os.environ, "GUNICORN_BIND": f"{host}:{port}"})
        try:
            with every_minute("flush_badge_counts"), every_minute("update_certifications"):
                server.wait()
        finally:
            # Ctrl-C reached gunicorn too; stop() waits for its graceful shutdown.
            gunicorn.stop(server)


def cmd_db(args: argparse.Namespace) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        if args.action == "url":
            print(url)
        elif args.action == "stop":
            postgres.log(f"DATABASE_URL is set ({postgres.mask(url)}): not ours to stop")
        else:
            postgres.check_external(url)
            if args.action == "start":
                print(url)
        return
    cluster = postgres.LocalCluster()
    if args.action == "url":
        print(cluster.url())
    elif args.action == "start":
        print(cluster.start())
    elif args.action == "stop":
        cluster.stop()
    else:
        running, message = cluster.status()
        print(message)
        sys.exit(0 if running else 3)


def cmd_redis(args: argparse.Namespace) -> None:
    url = os.environ.get("REDIS_URL", "")
    if url:
        if args.action == "stop":
            redis.log("REDIS_URL is set: not ours to stop")
        elif args.action != "status":
            print(url)
        return
    server = redis.LocalRedis()
    if args.action == "url":
        print(server.url())
    elif args.action == "start":
        print(server.start())
    elif args.action == "stop":
        server.stop()
    else:
        running, message = server.status()
        print(message)
        sys.exit(0 if running else 3)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m devtools",
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    commands = parser.add_subparsers(dest="command", required=True)
    for name, handler in [("setup", cmd_setup), ("run", cmd_run), ("lint", cmd_lint)]:
        commands.add_parser(name).set_defaults(handler=handler)
    commands.add_parser("fmt").set_defaults(handler=cmd_fmt)
    # test and bench pass what they do not know on to pytest and bench/run.py.
    for name, handler in [("test", cmd_test), ("bench", cmd_bench)]:
        commands.add_parser(name, add_help=False).set_defaults(handler=handler, passes_on=True)
    db = commands.add_parser("db", help="the project-local PostgreSQL")
    db.add_argument("action", choices=["start", "stop", "status", "url"])
    db.set_defaults(handler=cmd_db)
    local = commands.add_parser("redis", help="the project-local Redis")
    local.add_argument("action", choices=["start", "stop", "status", "url"])
    local.set_defaults(handler=cmd_redis)

    args, rest = parser.parse_known_args(argv)
    args.rest = rest
    if args.rest and not getattr(args, "passes_on", False):
        parser.error(f"unrecognized arguments: {' '.join(args.rest)}")
    try:
        args.handler(args)
    except ServiceError as error:
        print(f"dev: {error}", file=sys.stderr)
        sys.exit(error.exit_code)
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode or 1)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
