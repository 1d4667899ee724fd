"""Varnish in front of a gunicorn, for the tests and the benchmark.

Debian's `varnishd` (installed with `varnish-modules`, which holds the xkey module the VCL
purges by, when missing and running as root) runs in the foreground from a temporary
folder of its own, with the repository's VCL (deploy/varnish/default.vcl) and a
backend.vcl written here that points at the gunicorn to front. `serve()` waits until it
answers and stops it, folder and all, afterwards.
"""

from __future__ import annotations

import contextlib
import glob
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from devtools import ROOT, ServiceError
from devtools.system import apt_install, ensure_command, free_port, is_root, wait_until_answering

VCL_DIR = ROOT / "deploy" / "varnish"
VCL = VCL_DIR / "default.vcl"
PACKAGES = "varnish varnish-modules"
XKEY_MODULE = "/usr/lib/*/varnish/vmods/libvmod_xkey.so"


def varnishd() -> str:
    """The path of Debian's varnishd, with the xkey module beside it."""
    why = "the Varnish tests and benchmark"
    path = ensure_command("varnishd", package=PACKAGES, why=why)
    if not glob.glob(XKEY_MODULE):
        if not is_root():
            raise ServiceError(
                f"{why} need Varnish's xkey module, which is not installed.\n"
                "    Install it:  sudo apt-get install -y varnish-modules"
            )
        apt_install("varnish-modules")
    return path


@dataclass(frozen=True)
class Front:
    """A running varnishd: where it listens, and its state folder (varnishd's -n)."""

    url: str
    name: Path


@contextlib.contextmanager
def serve(
    backend_port: int, *, port: int | None = None, memory: str = "32m", ready_within: float = 30
) -> Iterator[Front]:
    """Run varnishd on 127.0.0.1 (a free port unless given) in front of the gunicorn on
    127.0.0.1:``backend_port``; yield it."""
    binary = varnishd()
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    folder = Path(tempfile.mkdtemp(prefix="shiporskip-varnish-"))
    # As root varnishd compiles and runs the VCL as its own users, who must read the folder.
    folder.chmod(0o755)
    (folder / "backend.vcl").write_text(
        f'backend default {{ .host = "127.0.0.1"; .port = "{backend_port}"; }}\n'
    )
    command = [
        binary,
        "-F",
        "-n",
        str(folder / "state"),
        "-a",
        f"127.0.0.1:{port}",
        "-T",
        "none",
        "-p",
        f"vcl_path={folder}:{VCL_DIR}",
        "-f",
        str(VCL),
        "-s",
        f"malloc,{memory}",
    ]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            # Varnish answers whatever the backend says; that is the caller's business.
            wait_until_answering(
                process,
                f"{base_url}/healthz",
                name="varnishd",
                output=output,
                ready_within=ready_within,
                any_status=True,
            )
            yield Front(base_url, folder / "state")
        finally:
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            shutil.rmtree(folder, ignore_errors=True)
