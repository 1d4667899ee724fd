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
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from devtools import PortTaken, ServiceError
from devtools.system import (
    check_running_port,
    current_user,
    ensure_command,
    free_port,
    locked,
    log_tail,
    port_from_env,
    port_in_use,
    port_owner,
    refuse_planted,
    say,
    state_dir,
    usable_port,
)

DEFAULT_PORT = 63790

# volatile-lru evicts only keys that carry an expiry, least recently used first. Django's
# cache gives every page, card and badge entry one, so they make room for each other. Rate
# limit counts (core/ratelimit.py) and badge hits waiting for their flush are kept without
# an expiry, so no amount of cached pages or share cards can evict them; each cleans up
# after itself instead. allkeys-lru could drop both. compose.yaml runs the same policy.
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
        return log_tail(self.log, 15)

    def start(self) -> str:
        """Start it if needed; return the URL of database 0."""
        server = ensure_command("redis-server", package="redis-server", why="the local Redis")
        refuse_planted(self.dir.parent, allowed_owners={current_user(), "postgres", "root"})
        refuse_planted(self.dir, allowed_owners={current_user()})
        with locked("redis", timeout_message="another start or stop of this Redis is busy"):
            pid = self.running_pid()
            if pid:
                port = self.running_port() or self.port
                check_running_port(
                    "Redis",
                    port,
                    self.port,
                    explicit=self.port_explicit,
                    variable="SHIPORSKIP_REDIS_PORT",
                )
                log(f"already running on 127.0.0.1:{port} (PID {pid})")
                return self.url(port)
            # Left by a server that was killed; the PID in it may be someone else's now.
            self.pid_file.unlink(missing_ok=True)
            port = usable_port(
                self.port, explicit=self.port_explicit, refuse=self._port_taken, log=log
            )
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


# ---------------------------------------------------------------------- throwaway servers
class Throwaway:
    """A Redis of a test's own, to stop, freeze and bound without disturbing anyone else."""

    def __init__(self, folder: Path, port: int, options: list[str]) -> None:
        self.folder, self.port, self.options = folder, port, options
        self.process = _spawn(folder, port, options)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def freeze(self) -> None:
        """SIGSTOP: connections stay open and nothing answers, as in a hung server."""
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def stop(self) -> None:
        self.thaw()
        self.process.terminate()
        self.process.wait(timeout=10)

    def start(self) -> None:
        self.process = _spawn(self.folder, self.port, self.options)
        _wait_ready(self.port)


def _spawn(folder: Path, port: int, options: list[str]) -> subprocess.Popen:
    server = ensure_command("redis-server", package="redis-server", why="a throwaway Redis")
    command = [server, "--port", str(port), "--bind", "127.0.0.1", "--save", ""]
    command += ["--appendonly", "no", "--dir", str(folder), *options]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + 15
    while not ping(port):
        if time.monotonic() > deadline:
            raise ServiceError("the throwaway Redis did not start")
        time.sleep(0.05)


@contextlib.contextmanager
def throwaway_redis(
    *, maxmemory: str = "64mb", policy: str = "volatile-lru"
) -> Iterator[Throwaway]:
    """redis-server on a free port with nothing on disk, stopped and removed afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="sos-redis-"))
    options = ["--maxmemory", maxmemory, "--maxmemory-policy", policy]
    server = Throwaway(folder, free_port(), options)
    try:
        _wait_ready(server.port)
        yield server
    finally:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            server.thaw()
            server.process.kill()
            server.process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)
