"""A project-local Redis for `make run` and `make test`, started the way PostgreSQL is.

Debian's redis-server on 127.0.0.1, port SHIPORSKIP_REDIS_PORT (default: the port last
used, else 63790), its files in redis/ beside the PostgreSQL data (.pg/redis, or the /tmp
folder PostgreSQL falls back to). Nothing is kept on disk and memory is bounded: it holds
caches, rate-limit windows and badge hits waiting for their flush, never anything that
exists nowhere else for long. REDIS_URL, when set, wins and nothing is started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from devtools import PortTaken, ServiceError
from devtools.system import (
    current_user,
    ensure_command,
    locked,
    port_from_env,
    port_in_use,
    port_owner,
    refuse_planted,
    say,
    state_dir,
)

DEFAULT_PORT = 63790

# volatile-lru evicts only keys that carry an expiry, least recently used first. Django's
# cache gives every page, card and badge entry one, so they make room for each other; the
# badge counters (hashes without an expiry, moved into PostgreSQL every minute) are never
# evicted, and a rate limit that is being hit stays recently used. allkeys-lru could drop
# pending badge hits. Rate-limit windows that must never be evicted can later be stored
# without an expiry, or in a Redis of their own, and this policy already spares them.
CONFIG = """\
# ShipOrSkip dev/test Redis (devtools/redis.py); the port is given on the command line.
bind 127.0.0.1
protected-mode yes
daemonize yes
dir {dir}
pidfile {dir}/redis.pid
logfile {dir}/redis.log
# A cache: nothing is written to disk.
save ""
appendonly no
maxmemory 256mb
maxmemory-policy volatile-lru
# make run uses database 0; each pytest-xdist worker takes database 1, 2, ...
databases 16
"""


def log(message: str) -> None:
    say("redis", message)


def ping(port: int) -> bool:
    """Does a Redis answer PING on 127.0.0.1:port?"""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith(b"+PONG")
    except OSError:
        return False


class LocalRedis:
    """The checkout's own Redis; every method is safe to call in any state."""

    def __init__(self) -> None:
        base, self.fallback_reason = state_dir()
        self.dir = base / "redis"
        self.pid_file = self.dir / "redis.pid"
        self.log = self.dir / "redis.log"
        self.port_file = self.dir / "port"
        self.port, self.port_explicit = port_from_env(
            "SHIPORSKIP_REDIS_PORT", DEFAULT_PORT, self.port_file
        )

    def url(self, port: int | None = None, database: int = 0) -> str:
        return f"redis://127.0.0.1:{port or self.port}/{database}"

    def running_pid(self) -> int | None:
        """The server's PID when it is alive and really ours (it works in our folder)."""
        try:
            pid = int(self.pid_file.read_text().strip())
            if os.readlink(f"/proc/{pid}/cwd") == os.path.realpath(self.dir):
                return pid
        except (OSError, ValueError):
            pass
        return None

    def running_port(self) -> int | None:
        try:
            return int(self.port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _port_taken(self, port: int) -> PortTaken:
        owner = port_owner(port)
        free = next((p for p in range(port + 1, port + 100) if not port_in_use(p)), port + 1)
        return PortTaken(
            f"port {port} on 127.0.0.1 is already in use by another program"
            f"{f' ({owner})' if owner else ''}, not by this project's Redis ({self.dir}).\n"
            f"Pick a free port with SHIPORSKIP_REDIS_PORT, e.g.:  SHIPORSKIP_REDIS_PORT="
            f"{free} make db-start\n(set the same SHIPORSKIP_REDIS_PORT for make test / "
            "make run), or stop that program, or set REDIS_URL to use an existing Redis."
        )

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return f"\nlast lines of {self.log}:\n" + "\n".join("    " + line for line in lines)

    def start(self) -> str:
        """Start it if needed; return the URL of database 0."""
        server = ensure_command("redis-server", package="redis-server", why="the local Redis")
        refuse_planted(self.dir.parent, allowed_owners={current_user(), "postgres", "root"})
        refuse_planted(self.dir, allowed_owners={current_user()})
        with locked("redis", timeout_message="another start or stop of this Redis is busy"):
            pid = self.running_pid()
            if pid:
                port = self.running_port() or self.port
                if self.port_explicit and port != self.port:
                    raise ServiceError(
                        f"this project's Redis is already running on port {port}, but "
                        f"SHIPORSKIP_REDIS_PORT={self.port}. Run make db-stop first (or use "
                        f"SHIPORSKIP_REDIS_PORT={port})."
                    )
                log(f"already running on 127.0.0.1:{port} (PID {pid})")
                return self.url(port)
            # Left by a server that was killed; the PID in it may be someone else's now.
            self.pid_file.unlink(missing_ok=True)
            port = self.port
            if port_in_use(port):
                if not os.environ.get("CI") or self.port_explicit:
                    raise self._port_taken(port)
                port = next((p for p in range(port + 1, port + 21) if not port_in_use(p)), 0)
                if not port:
                    raise self._port_taken(self.port)
                log(f"port {self.port} is taken ({port_owner(self.port)}); CI is set, using {port}")
            self.dir.mkdir(parents=True, exist_ok=True)
            self.dir.chmod(0o700)
            config = self.dir / "redis.conf"
            config.write_text(CONFIG.format(dir=self.dir))
            if self.log.is_file() and self.log.stat().st_size > 10 * 1024 * 1024:
                self.log.replace(self.log.with_suffix(".log.old"))
            log(f"starting Redis on 127.0.0.1:{port} (files in {self.dir})")
            subprocess.run(
                [server, str(config), "--port", str(port)],
                cwd=self.dir,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
            deadline = time.monotonic() + 15
            while not (ping(port) and self.running_pid()):
                if time.monotonic() > deadline:
                    if "Address already in use" in self._log_tail():
                        raise self._port_taken(port)
                    raise ServiceError(f"Redis did not start{self._log_tail()}")
                time.sleep(0.1)
            self.port_file.write_text(f"{port}\n")
            log(f"ready: {self.url(port)}")
            return self.url(port)

    def stop(self) -> None:
        with locked("redis", timeout_message="another start or stop of this Redis is busy"):
            pid = self.running_pid()
            if not pid:
                self.pid_file.unlink(missing_ok=True)
                log(f"not running (files in {self.dir})")
                return
            log(f"stopping Redis (PID {pid})")
            os.kill(pid, signal.SIGTERM)
            for _ in range(100):
                if not Path(f"/proc/{pid}").exists():
                    break
                time.sleep(0.1)
            else:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            self.pid_file.unlink(missing_ok=True)
            log("stopped")

    def status(self) -> tuple[bool, str]:
        pid = self.running_pid()
        port = self.running_port() or self.port
        if pid and ping(port):
            return True, f"running: PID {pid}, {self.url(port)}, files in {self.dir}"
        if pid:
            return False, f"started but not answering: PID {pid}, port {port} (see {self.log})"
        return False, f"not running (make db-start starts it; files in {self.dir})"


def check_external(url: str) -> None:
    """REDIS_URL is set: say so; its clients report an unreachable server themselves."""
    log(f"REDIS_URL is set ({url.split('@')[-1]}); not starting the local Redis")
