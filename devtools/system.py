"""Small pieces the services and commands share: root, apt, ports, the state folder, locks."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from devtools import ROOT, ServiceError

POSTGRES_OS_USER = "postgres"


def say(component: str, message: str) -> None:
    print(f"{component}: {message}", file=sys.stderr, flush=True)


def is_root() -> bool:
    return os.geteuid() == 0


def checkout_hash() -> str:
    return hashlib.sha256(str(ROOT).encode()).hexdigest()[:12]


def current_user() -> str:
    return pwd.getpwuid(os.geteuid()).pw_name


def os_user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def state_dir() -> tuple[Path, str]:
    """Where the local services keep their data, and why, when it is not .pg/ in the checkout.

    As root PostgreSQL runs as the postgres OS user, which must be able to enter the
    checkout; when a parent folder is private (a checkout under /root), a folder in /tmp
    named after the checkout's path is used instead. Redis keeps its files beside.
    """
    local = ROOT / ".pg"
    if (
        is_root()
        and not (local / "data" / "PG_VERSION").is_file()
        and subprocess.run(
            ["runuser", "-u", POSTGRES_OS_USER, "--", "test", "-x", str(ROOT)],
            capture_output=True,
            check=False,
        ).returncode
    ):
        fallback = Path(f"/tmp/shiporskip-pg-{checkout_hash()}")
        return fallback, (
            f"the '{POSTGRES_OS_USER}' OS user cannot reach {ROOT} (a parent folder is "
            f"private), so the data lives in {fallback} instead of {local}"
        )
    return local, ""


def refuse_planted(path: Path, *, allowed_owners: set[str]) -> None:
    """Folders under /tmp have predictable names: refuse one that someone else made."""
    if not str(path).startswith("/tmp/"):
        return
    if path.is_symlink():
        raise ServiceError(f"{path} is a symlink; refusing to use it (remove it and retry)")
    if path.exists():
        owner = path.owner()
        if owner not in allowed_owners:
            raise ServiceError(f"{path} belongs to '{owner}'; refusing to use it (remove it)")


@contextlib.contextmanager
def locked(name: str, *, timeout_message: str) -> Iterator[None]:
    """One process at a time per checkout for `name` (start/stop of a service)."""
    path = Path(f"/tmp/shiporskip-{name}-{checkout_hash()}.lock")
    with open(path, "a") as lock:
        for _ in range(1800):
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                time.sleep(0.1)
        else:
            raise ServiceError(timeout_message + f" (lock {path})")
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def port_from_env(variable: str, default: int, remembered: Path | None = None) -> tuple[int, bool]:
    """The port in `variable` (explicit), else the one last used, else the default."""
    raw = os.environ.get(variable, "")
    explicit = bool(raw)
    if not raw and remembered is not None and remembered.is_file():
        raw = re.sub(r"\D", "", remembered.read_text())
    raw = raw or str(default)
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ServiceError(f"{variable} must be a TCP port number (1-65535), got '{raw}'")
    return int(raw), explicit


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(3)
        return sock.connect_ex((host, port)) == 0


def port_owner(port: int) -> str:
    """'name, pid N' of the process listening on the port, when ss can tell."""
    if not shutil.which("ss"):
        return ""
    listing = subprocess.run(
        ["ss", "-Hltnp", f"sport = :{port}"], capture_output=True, text=True, check=False
    ).stdout
    match = re.search(r'users:\(\("([^"]*)",pid=(\d+)', listing)
    return f"{match.group(1)}, pid {match.group(2)}" if match else ""


def apt_install(*packages: str) -> None:
    """Install Debian packages as root, refreshing the package lists only when needed."""
    if not is_root():
        raise ServiceError(f"internal: installing {' '.join(packages)} needs root")
    if not shutil.which("apt-get"):
        raise ServiceError(f"apt-get not found; install these packages yourself: {packages}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    options = ["-y", "-q", "-o", "Dpkg::Use-Pty=0", "-o", "DPkg::Lock::Timeout=300"]
    install = ["apt-get", "install", *options, "--no-install-recommends", *packages]
    print(f"\n==> apt-get install {' '.join(packages)}", file=sys.stderr, flush=True)
    if subprocess.run(install, env=env, stdin=subprocess.DEVNULL, check=False).returncode:
        print("\n==> apt-get update, then retrying", file=sys.stderr, flush=True)
        update = ["apt-get", "update", "-q", "-o", "DPkg::Lock::Timeout=300"]
        subprocess.run(update, env=env, stdin=subprocess.DEVNULL, check=True)
        subprocess.run(install, env=env, stdin=subprocess.DEVNULL, check=True)


def ensure_command(command: str, *, package: str, why: str) -> str:
    """The path of `command`, installing its Debian package first when root and missing."""
    found = shutil.which(command)
    if found:
        return found
    if not is_root():
        raise ServiceError(
            f"{why} needs {command}, which is not installed.\n"
            f"    Install it:  sudo apt-get install -y {package}"
        )
    apt_install(*package.split())
    found = shutil.which(command)
    if not found:
        raise ServiceError(f"{command} still not found after installing {package}")
    return found


def log_tail(log: Path, lines: int) -> str:
    """The last lines of a service's log, indented, for an error message ("" if unreadable)."""
    try:
        tail = log.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return ""
    return f"\nlast lines of {log}:\n" + "\n".join("    " + line for line in tail)


def usable_port(
    port: int, *, explicit: bool, refuse: Callable[[int], Exception], log: Callable[[str], None]
) -> int:
    """``port`` when it is free. Taken: ``refuse(port)`` is raised, except in CI (unless the
    port was asked for explicitly), where the next free port of the twenty above is used, so
    CI on a shared machine moves on rather than fails."""
    if not port_in_use(port):
        return port
    if not os.environ.get("CI") or explicit:
        raise refuse(port)
    chosen = next((p for p in range(port + 1, port + 21) if not port_in_use(p)), 0)
    if not chosen:
        raise refuse(port)
    log(f"port {port} is taken ({port_owner(port)}); CI is set, using {chosen}")
    return chosen


def wait_until_answering(
    process: subprocess.Popen,
    url: str,
    *,
    name: str,
    output: IO[bytes],
    ready_within: float,
    any_status: bool = False,
) -> None:
    """Wait until ``url`` answers 2xx (any HTTP status with ``any_status``); raise with the
    tail of the server's ``output`` if it exits first, or after ``ready_within`` seconds."""
    deadline = time.monotonic() + ready_within
    while True:
        if process.poll() is not None:
            output.seek(0)
            raise ServiceError(f"{name} exited: {output.read().decode()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except urllib.error.HTTPError:
            if any_status:
                return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            raise ServiceError(f"{name} did not answer in {ready_within:.0f} s")
        time.sleep(0.1)


def check_running_port(service: str, running: int, wanted: int, *, explicit: bool, variable: str):
    """A running service found on another port than the one explicitly asked for is an
    error the developer must settle: stop it, or ask for the port it runs on."""
    if explicit and running != wanted:
        raise ServiceError(
            f"this project's {service} is already running on port {running}, but "
            f"{variable}={wanted}. Run make db-stop first (or use {variable}={running})."
        )
