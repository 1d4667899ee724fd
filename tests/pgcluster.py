"""A throwaway PostgreSQL cluster for tests that stop and start the database under load."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tests.server import free_port


def pg_bindir() -> Path:
    return Path(subprocess.check_output(["pg_config", "--bindir"], text=True).strip())


def as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root; when we are root, run it as the postgres user."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *command]
    return command


@dataclass
class Cluster:
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
        deadline = time.monotonic() + timeout
        while subprocess.run(
            [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
        ).returncode:
            if time.monotonic() > deadline:
                raise RuntimeError("throwaway PostgreSQL did not come up")
            time.sleep(0.1)


@contextlib.contextmanager
def throwaway_cluster() -> Iterator[Cluster]:
    """initdb into a temporary directory, start it on a free port, remove it afterwards."""
    bindir = pg_bindir()
    datadir = Path(tempfile.mkdtemp(prefix="sos-pg-"))
    if os.geteuid() == 0:
        shutil.chown(datadir, "postgres", "postgres")
    cluster = Cluster(datadir=datadir, port=free_port(), bindir=bindir)
    try:
        subprocess.run(
            as_postgres(
                [str(bindir / "initdb"), "-D", str(datadir), "-U", "postgres", "-A", "trust"]
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
