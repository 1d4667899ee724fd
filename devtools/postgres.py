"""PostgreSQL for development and tests, from the machine's own binaries.

``LocalCluster`` is the checkout's cluster that `make run`, `make test` and the benchmark
use when DATABASE_URL is not set: data in .pg/ (or /tmp/shiporskip-pg-<hash> when the
postgres OS user cannot enter the checkout), 127.0.0.1 only, trust authentication for this
machine, port SHIPORSKIP_PG_PORT (default: the port last used, else 54329).
``throwaway_cluster()`` is a cluster of its own for a test that stops the database.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools import PortTaken, ServiceError
from devtools.system import (
    POSTGRES_OS_USER,
    check_running_port,
    checkout_hash,
    current_user,
    free_port,
    is_root,
    locked,
    log_tail,
    os_user_exists,
    port_from_env,
    port_in_use,
    port_owner,
    refuse_planted,
    say,
    state_dir,
    usable_port,
)

DB_NAME = "shiporskip"
DEFAULT_PORT = 54329

PG_HBA = """\
# ShipOrSkip dev/test cluster: trust, but only for this machine.
# TYPE  DATABASE  USER  ADDRESS        METHOD
local   all       all                  trust
host    all       all   127.0.0.1/32   trust
"""

POSTGRESQL_CONF = """
# ---- ShipOrSkip dev/test cluster (devtools/postgres.py) ----
# port and unix_socket_directories are given on the pg_ctl command line.
listen_addresses = '127.0.0.1'
# Throwaway data: trade crash safety for speed (re-create with: make db-stop; rm -rf .pg).
fsync = off
synchronous_commit = off
full_page_writes = off
log_min_duration_statement = -1
log_line_prefix = '%m [%p] %q%u@%d '
"""


def log(message: str) -> None:
    say("pg", message)


def has_server(folder: Path) -> bool:
    return (folder / "initdb").is_file() and (folder / "pg_ctl").is_file()


def bindir() -> Path:
    """The folder with initdb and pg_ctl: SHIPORSKIP_PG_BIN, pg_config, then the newest."""
    configured = os.environ.get("SHIPORSKIP_PG_BIN")
    if configured:
        if has_server(Path(configured)):
            return Path(configured)
        raise ServiceError(f"SHIPORSKIP_PG_BIN={configured} has no initdb/pg_ctl")
    candidates = []
    if shutil.which("pg_config"):
        with contextlib.suppress(subprocess.CalledProcessError, OSError):
            output = subprocess.check_output(["pg_config", "--bindir"], text=True)
            candidates.append(Path(output.strip()))
    versions = [*Path("/usr/lib/postgresql").glob("*/bin"), *Path("/usr").glob("pgsql-*/bin")]
    candidates += sorted(versions, key=lambda p: int(re.sub(r"\D", "", p.parent.name) or 0))[::-1]
    if shutil.which("pg_ctl"):
        candidates.append(Path(shutil.which("pg_ctl")).parent)
    for candidate in candidates:
        if has_server(candidate):
            return candidate
    raise ServiceError(
        "PostgreSQL server binaries (initdb, pg_ctl) not found. Install the Debian package "
        "postgresql (apt-get install -y postgresql), or set SHIPORSKIP_PG_BIN=/path/to/"
        "postgresql/bin, or set DATABASE_URL to use an existing server."
    )


def client(tool: str, folder: Path | None) -> str | None:
    """A client program (psql, pg_isready, createdb): beside the server, else on PATH."""
    if folder and (folder / tool).is_file():
        return str(folder / tool)
    return shutil.which(tool)


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; when we are root, run it as the postgres user."""
    if is_root():
        return ["runuser", "-u", POSTGRES_OS_USER, "--", *command]
    return command


def accepting(folder: Path | None, port: int) -> bool:
    isready = client("pg_isready", folder)
    if not isready:
        return port_in_use(port)
    command = [isready, "-q", "-h", "127.0.0.1", "-p", str(port), "-t", "1"]
    return subprocess.run(command, capture_output=True, check=False).returncode == 0


def wait_accepting(folder: Path | None, port: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not accepting(folder, port):
        if time.monotonic() > deadline:
            return False
        time.sleep(0.25)
    return True


def mask(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def check_external(url: str) -> None:
    """DATABASE_URL is set: make sure it accepts connections, with a helpful message if not."""
    if not re.match(r"(postgres|postgresql|pgsql)://", url):
        log(f"DATABASE_URL ({mask(url)}) is not a PostgreSQL URL; using it as is, unchecked")
        return
    libpq_url = "postgresql://" + url.split("://", 1)[1]
    folder = None
    with contextlib.suppress(ServiceError):
        folder = bindir()
    psql = client("psql", folder)
    if not psql:
        log(f"psql not found (apt-get install postgresql-client); not checking {mask(url)}")
        return
    result = subprocess.run(
        [psql, "-X", "-w", "-Atq", "-d", libpq_url, "-c", "select 1"],
        capture_output=True,
        text=True,
        env={**os.environ, "PGCONNECT_TIMEOUT": "5"},
        check=False,
    )
    if result.returncode:
        raise ServiceError(
            f"cannot use DATABASE_URL={mask(url)}:\n    {result.stderr.strip()}\n"
            "Start that server or fix the URL, or unset DATABASE_URL to run a "
            "project-local PostgreSQL."
        )
    log(f"DATABASE_URL={mask(url)} accepts connections")


class LocalCluster:
    """The checkout's own cluster; every method is safe to call in any state."""

    def __init__(self) -> None:
        self.dir, self.fallback_reason = state_dir()
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        socket_dir = self.dir / "run"
        # Unix socket paths are limited to about 107 bytes.
        if len(str(socket_dir)) > 85:
            socket_dir = Path(f"/tmp/shiporskip-pgsock-{checkout_hash()}")
        self.socket_dir = socket_dir
        self.port_file = self.dir / "port"
        self.port, self.port_explicit = port_from_env(
            "SHIPORSKIP_PG_PORT", DEFAULT_PORT, self.port_file
        )
        self._bindir: Path | None = None

    @property
    def bindir(self) -> Path:
        if self._bindir is None:
            self._bindir = bindir()
        return self._bindir

    def url(self, port: int | None = None) -> str:
        return f"postgres://postgres@127.0.0.1:{port or self.port}/{DB_NAME}"

    # ------------------------------------------------------------------ processes
    def _as_owner(self, command: list[str], **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run(as_postgres(command), cwd=self.dir, check=False, **kwargs)

    def _pid_file_lines(self) -> list[str]:
        try:
            return (self.data / "postmaster.pid").read_text().splitlines()
        except OSError:
            return []

    def _data_real(self) -> str | None:
        try:
            return os.path.realpath(self.data, strict=True)
        except OSError:
            return None

    def _cwd(self, pid: int | str) -> str | None:
        try:
            return os.readlink(f"/proc/{pid}/cwd")
        except OSError:
            return None

    def running_pid(self) -> int | None:
        """The postmaster's PID when it is alive and really this cluster's."""
        lines = self._pid_file_lines()
        if not lines or not lines[0].isdigit():
            return None
        pid = int(lines[0])
        real = self._data_real()
        if real is None or not Path(f"/proc/{pid}").exists():
            return None
        if self._cwd(pid) == real:
            return pid
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return None
        return pid if str(self.data) in cmdline else None

    def running_port(self) -> int | None:
        lines = self._pid_file_lines()
        return int(lines[3]) if len(lines) > 3 and lines[3].strip().isdigit() else None

    def _cluster_pids(self) -> list[int]:
        """Every process (postmaster or orphaned backend) working in our data folder."""
        real = self._data_real()
        if real is None:
            return []
        return [int(p.name) for p in Path("/proc").glob("[0-9]*") if self._cwd(p.name) == real]

    def _clean_stale(self) -> None:
        """Recover from a killed postmaster (kill -9, OOM): its leftover backends keep the
        old shared memory attached, and its postmaster.pid may name a live, unrelated PID."""
        lines = self._pid_file_lines()
        if not lines or not lines[0].isdigit():
            return
        if self._cluster_pids():
            log("a previous PostgreSQL of this cluster died; waiting for its leftovers to exit")
            for _ in range(40):
                if not self._cluster_pids():
                    break
                time.sleep(0.25)
            leftovers = self._cluster_pids()
            if leftovers:
                log(f"killing leftover processes: {' '.join(map(str, leftovers))}")
                for pid in leftovers:
                    with contextlib.suppress(OSError):
                        os.kill(pid, 9)
                time.sleep(0.5)
        if Path(f"/proc/{lines[0]}").exists() and not self._cluster_pids():
            log(f"removing stale postmaster.pid (PID {lines[0]} is not this cluster's)")
            (self.data / "postmaster.pid").unlink(missing_ok=True)
            for lock in self.socket_dir.glob(".s.PGSQL.*"):
                lock.unlink(missing_ok=True)

    # ------------------------------------------------------------------ set-up
    def _check_ownership(self) -> None:
        if is_root() and not os_user_exists(POSTGRES_OS_USER):
            raise ServiceError(
                "running as root, but PostgreSQL refuses to run as root and there is no "
                f"'{POSTGRES_OS_USER}' OS user to run it as. Install the server (apt-get "
                "install -y postgresql creates that user), or run as a normal user, or set "
                "DATABASE_URL."
            )
        me = current_user()
        owners = {me, "root", POSTGRES_OS_USER} if is_root() else {me}
        for folder in (self.dir, self.socket_dir):
            refuse_planted(folder, allowed_owners=owners)

    def _chown_to_postgres(self, folder: Path) -> None:
        if is_root():
            shutil.chown(folder, POSTGRES_OS_USER)
        folder.chmod(0o700)

    def _init(self) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        self._chown_to_postgres(self.dir)
        staging = self.dir / "data.initdb"
        shutil.rmtree(staging, ignore_errors=True)  # from an initdb that was killed
        locales = subprocess.run(["locale", "-a"], capture_output=True, text=True, check=False)
        has_c_utf8 = re.search(r"^c\.utf-?8$", locales.stdout, re.IGNORECASE | re.MULTILINE)
        locale = ["--locale=C.UTF-8"] if has_c_utf8 else ["--no-locale"]
        log(f"creating a new cluster in {self.data}")
        initdb = [str(self.bindir / "initdb"), "-D", str(staging), "--auth=trust", "-U"]
        result = self._as_owner(
            [*initdb, "postgres", "--encoding=UTF8", *locale], capture_output=True, text=True
        )
        (self.dir / "initdb.log").write_text(result.stdout + result.stderr)
        if result.returncode:
            raise ServiceError(
                f"initdb failed:\n{result.stderr[-2000:]}\n(full output in {self.dir}/initdb.log)"
            )
        (staging / "pg_hba.conf").write_text(PG_HBA)
        with open(staging / "postgresql.conf", "a") as conf:
            conf.write(POSTGRESQL_CONF)
        # Rename only when complete, so a killed initdb never leaves a half-made data folder.
        staging.rename(self.data)

    def _ensure_database(self, port: int) -> None:
        psql = client("psql", self.bindir)
        if not psql:
            log(f"psql not found; not checking database {DB_NAME}")
            return
        env = {**os.environ, "PGCONNECT_TIMEOUT": "10"}
        query = f"select 1 from pg_database where datname = '{DB_NAME}'"
        connect = ["-h", "127.0.0.1", "-p", str(port), "-U", "postgres", "-d", "postgres"]
        result = subprocess.run(
            [psql, "-X", "-w", "-Atq", *connect, "-c", query],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if result.returncode:
            raise ServiceError(f"cannot query the cluster on 127.0.0.1:{port} (see {self.log})")
        if result.stdout.strip() == "1":
            return
        createdb = client("createdb", self.bindir) or "createdb"
        created = subprocess.run(
            [createdb, "-w", "-h", "127.0.0.1", "-p", str(port), "-U", "postgres", DB_NAME],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        if created.returncode and "already exists" not in created.stderr:
            raise ServiceError(f"createdb {DB_NAME} failed: {created.stderr.strip()}")
        log(f"created database {DB_NAME}")

    def _port_taken(self, port: int) -> PortTaken:
        owner = port_owner(port)
        other = 54331 if port == 54330 else 54330
        return PortTaken(
            f"port {port} on 127.0.0.1 is already in use by another program"
            f"{f' ({owner})' if owner else ''}, not by this project's PostgreSQL "
            f"({self.data}).\nPick a free port with SHIPORSKIP_PG_PORT, e.g.:  "
            f"SHIPORSKIP_PG_PORT={other} make db-start\n(set the same SHIPORSKIP_PG_PORT for "
            "make test / make run), or stop that program, or set DATABASE_URL to use an "
            "existing server."
        )

    def _log_tail(self) -> str:
        return log_tail(self.log, 25)

    # ------------------------------------------------------------------ commands
    def start(self) -> str:
        """Start (creating the cluster and database if needed); return the database URL."""
        self._check_ownership()
        with locked("pg", timeout_message="another start or stop of this cluster is busy"):
            if self.fallback_reason:
                log(f"note: {self.fallback_reason}")
            pid = self.running_pid()
            if pid:
                port = self.running_port() or self.port
                check_running_port(
                    "PostgreSQL",
                    port,
                    self.port,
                    explicit=self.port_explicit,
                    variable="SHIPORSKIP_PG_PORT",
                )
                if not wait_accepting(self.bindir, port, 60):
                    raise ServiceError(
                        f"PostgreSQL (PID {pid}) is running but not accepting connections on "
                        f"127.0.0.1:{port}{self._log_tail()}"
                    )
                self.port_file.write_text(f"{port}\n")
                self._ensure_database(port)
                log(f"already running on 127.0.0.1:{port} (PID {pid})")
                return self.url(port)
            return self._start_stopped()

    def _start_stopped(self) -> str:
        self._clean_stale()
        if self.data.exists() and not (self.data / "PG_VERSION").is_file():
            raise ServiceError(
                f"{self.data} exists but is not a PostgreSQL data folder; remove it "
                f"(rm -rf {self.dir}) and retry"
            )
        if self.data.exists() and not is_root() and self.data.stat().st_uid != os.geteuid():
            raise ServiceError(
                f"{self.data} belongs to another user (an earlier run as root?); remove it "
                f"(rm -rf {self.dir}) or run as that user"
            )
        if not (self.data / "PG_VERSION").is_file():
            self._init()
        have = (self.data / "PG_VERSION").read_text().strip()
        version = subprocess.check_output([str(self.bindir / "pg_ctl"), "--version"], text=True)
        # "pg_ctl (PostgreSQL) 15.19 (Debian ...)": the major version, as in PG_VERSION.
        binaries = version.split()[2].split(".")[0]
        if have != binaries:
            raise ServiceError(
                f"the cluster in {self.data} was made by PostgreSQL {have} but "
                f"{self.bindir} is PostgreSQL {binaries}. Remove it (rm -rf {self.dir}; dev data "
                f"is lost) or set SHIPORSKIP_PG_BIN to PostgreSQL {have}'s bin folder."
            )
        port = usable_port(self.port, explicit=self.port_explicit, refuse=self._port_taken, log=log)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self._chown_to_postgres(self.socket_dir)
        if self.log.is_file() and self.log.stat().st_size > 10 * 1024 * 1024:
            self.log.replace(self.log.with_suffix(".log.old"))
        log_size = self.log.stat().st_size if self.log.is_file() else 0

        log(
            f"starting PostgreSQL {binaries} on 127.0.0.1:{port} (data {self.data}, log {self.log})"
        )
        options = f"-p {port} -k '{self.socket_dir}' -c listen_addresses=127.0.0.1"
        pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.log)]
        started = self._as_owner(
            [*pg_ctl, "-w", "-t", "60", "-o", options, "start"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        if started.returncode:
            with open(self.log, errors="replace") as server_log:
                server_log.seek(log_size)
                news = server_log.read()
            if re.search(r"could not (bind|create listen socket)|Address already in use", news):
                raise self._port_taken(port)
            raise ServiceError(f"PostgreSQL did not start (log: {self.log}){self._log_tail()}")
        self.port_file.write_text(f"{port}\n")
        self._ensure_database(port)
        log(f"ready: {self.url(port)}")
        return self.url(port)

    def stop(self) -> None:
        with locked("pg", timeout_message="another start or stop of this cluster is busy"):
            pid = self.running_pid()
            if not pid:
                self._clean_stale()
                log(f"not running (data {self.data})")
                return
            log(f"stopping PostgreSQL (PID {pid}, data {self.data})")
            pg_ctl = [str(self.bindir / "pg_ctl"), "-D", str(self.data), "-w"]
            quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            if self._as_owner([*pg_ctl, "-m", "fast", "-t", "60", "stop"], **quiet).returncode:
                log("fast shutdown did not finish; forcing an immediate shutdown")
                self._as_owner([*pg_ctl, "-m", "immediate", "-t", "30", "stop"], **quiet)
            if self.running_pid():
                raise ServiceError(f"PostgreSQL (PID {pid}) is still running")
            log("stopped")

    def status(self) -> tuple[bool, str]:
        pid = self.running_pid()
        if pid:
            port = self.running_port() or self.port
            if wait_accepting(self.bindir, port, 1):
                return True, (
                    f"running: PID {pid}, 127.0.0.1:{port}, data {self.data}, log {self.log}\n"
                    f"url: {self.url(port)}"
                )
            return False, f"started but not accepting connections: PID {pid}, port {port}"
        if (self.data / "PG_VERSION").is_file():
            return False, f"not running (data {self.data}; start it with make db-start)"
        return False, f"not running; no cluster yet (make db-start creates one in {self.dir})"


# ---------------------------------------------------------------------- throwaway clusters
@dataclass
class Throwaway:
    datadir: Path
    port: int
    bindir: Path

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/postgres"

    def pg_ctl(self, *args: str) -> None:
        subprocess.run(
            as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.datadir), *args]),
            check=True,
            capture_output=True,
            timeout=60,
        )

    def start(self) -> None:
        options = f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.pg_ctl("-w", "-l", str(self.datadir / "server.log"), "-o", options, "start")

    def stop(self) -> None:
        """Fast shutdown: open sessions are cut off, as in a crash or a failover."""
        self.pg_ctl("-w", "-m", "fast", "stop")

    def wait_until_accepting(self, timeout: float = 20) -> None:
        if not wait_accepting(self.bindir, self.port, timeout):
            raise RuntimeError("throwaway PostgreSQL did not come up")


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Throwaway]:
    """initdb into a temporary folder, start it on a free port, remove it afterwards."""
    folder = bindir()
    datadir = Path(tempfile.mkdtemp(prefix="sos-pg-"))
    if is_root():
        shutil.chown(datadir, POSTGRES_OS_USER, POSTGRES_OS_USER)
    cluster = Throwaway(datadir=datadir, port=free_port(), bindir=folder)
    try:
        subprocess.run(
            as_postgres(
                [str(folder / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        cluster.start()
        yield cluster
    finally:
        with contextlib.suppress(subprocess.CalledProcessError, subprocess.TimeoutExpired):
            cluster.pg_ctl("-m", "immediate", "stop")
        shutil.rmtree(datadir, ignore_errors=True)
