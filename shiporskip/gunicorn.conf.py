"""gunicorn settings for ShipOrSkip; every value can be overridden from the environment.

Workers default to 2 x cores + 1 (sync-style work that waits on PostgreSQL), each with a
few threads so a slow client does not hold a whole process. Timeouts are short enough that
a stuck request is recycled, and graceful_timeout lets in-flight votes finish on shutdown.
docs/operations.md explains each value and how to size it.
"""

import multiprocessing
import os
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 5
# Recycling guards against slow memory growth, and each restart costs a Django boot (about
# a second of CPU). Cached pages and badges answer thousands of requests a second, so a
# limit of a few thousand restarted every worker every few seconds, together.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8190
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn 27's control socket defaults to one path per user, so two servers on a host
# would fight over it and it is one more way in; turn it on only where it is used.
control_socket = os.environ.get("GUNICORN_CONTROL_SOCKET", "")
control_socket_disable = not control_socket
# The workers' heartbeat file lives in memory where possible: on a container's overlay
# disk a slow write can make the arbiter think a healthy worker hung.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108


def served_origin(address: str) -> str:
    """The origin a browser reaches a bound address at; wildcards are reached locally."""
    host, _, port = address.rpartition(":")
    if host in ("", "0.0.0.0", "[::]"):  # noqa: S104 -- read, not bound here
        host = "127.0.0.1"
    return f"http://{host}:{port}"


def on_starting(server) -> None:
    """In development, absolute URLs follow the address actually served.

    Runs in the arbiter before any worker loads the settings, so every worker inherits it,
    whatever script started gunicorn and however it chose the port. An explicit SITE_URL
    (production, the tests) always wins.
    """
    if os.environ.get("SHIPORSKIP_ENV") != "development" or os.environ.get("SITE_URL"):
        return
    tcp = [address for address in server.cfg.bind if not address.startswith("unix:")]
    if tcp:
        os.environ["SITE_URL"] = served_origin(tcp[0])
