"""The one way we start gunicorn outside production: `make run`, the tests and the benchmark.

Always the production configuration (shiporskip/gunicorn.conf.py) from the checkout, with
the environment the caller gives; `serve()` waits until /healthz answers and stops the
server afterwards.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Mapping

from devtools import ROOT
from devtools.system import free_port, wait_until_answering

__all__ = ["command", "free_port", "serve", "start", "stop"]

CONFIG = ROOT / "shiporskip" / "gunicorn.conf.py"


def command() -> list[str]:
    return [sys.executable, "-m", "gunicorn", "-c", str(CONFIG), "shiporskip.wsgi"]


def start(env: Mapping[str, str], **popen) -> subprocess.Popen:
    """gunicorn from the checkout with exactly `env` (GUNICORN_BIND says where)."""
    return subprocess.Popen(command(), cwd=ROOT, env=dict(env), **popen)


def stop(process: subprocess.Popen, timeout: float = 20) -> None:
    """Graceful shutdown (SIGTERM lets in-flight requests finish), then a kill."""
    if process.poll() is None:
        process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def run_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """What `make run` adds to the caller's environment for the site (DATABASE_URL and
    REDIS_URL come from the services it starts). The tests start gunicorn with this too,
    to show that the limits the README documents hold on this very set-up."""
    return {
        "SHIPORSKIP_ENV": "development",
        "DEBUG": environ.get("DEBUG", "0"),
        "ALLOWED_HOSTS": environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost"),
    }


@contextlib.contextmanager
def serve(
    env: Mapping[str, str], *, port: int | None = None, workers: int = 2, ready_within: float = 30
) -> Iterator[str]:
    """Run gunicorn on 127.0.0.1 (a free port unless given) and yield its base URL."""
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    server_env = {
        **env,
        "GUNICORN_ACCESSLOG": "",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": str(workers),
    }
    # A file, not a pipe: nobody reads a pipe while the server runs, and once its buffer
    # fills (a noisy outage test logs thousands of lines) every worker blocks on write.
    with tempfile.TemporaryFile() as errors:
        process = start(server_env, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            wait_until_answering(
                process,
                f"{base_url}/healthz",
                name="gunicorn",
                output=errors,
                ready_within=ready_within,
            )
            yield base_url
        finally:
            stop(process, timeout=15)
            _report_tracebacks(errors)


def _report_tracebacks(errors) -> None:
    """Repeat the server's log on stderr if it holds a traceback: a test that then fails on
    a 500 shows why (pytest prints a failed test's captured stderr), instead of a bare code."""
    errors.seek(0)
    log = errors.read().decode(errors="replace")
    if "Traceback" in log:
        sys.stderr.write(f"--- gunicorn's log held a traceback ---\n{log[-20000:]}\n")
