"""A throwaway MariaDB server for the MySQL adapter tests, from the Debian package `mariadb-server`:
initialised in a temporary folder, on a free port, tied to the test process, stopped after.

The package is installed on first use when missing (as root, with apt), like every other server the tests
need, so a fresh machine runs the whole suite with the README's one command.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from axiom.embedded.process import ManagedProcess, free_port, wait_for_port

PACKAGE = "mariadb-server"


def _find(name: str) -> str | None:
    return shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)


def _install_package() -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise RuntimeError(f"mariadbd not found: install the Debian package {PACKAGE} (apt-get install -y {PACKAGE})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True, env=env, timeout=600)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", "--no-install-recommends", PACKAGE],
        check=True,
        capture_output=True,
        env=env,
        timeout=900,
    )


def _binary(name: str) -> str:
    found = _find(name)
    if not found:
        _install_package()
        found = _find(name)
    if not found:
        raise RuntimeError(f"{name} still missing after installing {PACKAGE}")
    return found


class MariaDBServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.datadir = folder / "data"
        self.socket = folder / "mariadb.sock"
        self.port = free_port()
        self.process = ManagedProcess("mariadb", folder, stop_signal=signal.SIGTERM)

    def start(self, timeout: float = 60.0) -> None:
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run(
            [
                _binary("mariadb-install-db"),
                "--no-defaults",
                f"--datadir={self.datadir}",
                "--auth-root-authentication-method=normal",
                "--skip-test-db",
                *user,
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.process.start(
            [
                _binary("mariadbd"),
                "--no-defaults",
                f"--datadir={self.datadir}",
                f"--socket={self.socket}",
                f"--port={self.port}",
                "--bind-address=127.0.0.1",
                "--skip-log-bin",
                "--innodb-buffer-pool-size=32M",
                f"--pid-file={self.folder / 'mariadb.pid'}",
                *user,
            ]
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.exited():
                raise self.process.fail("exited during start-up")
            if wait_for_port(self.port, 0.5):
                return
        raise self.process.fail(f"did not open its port within {timeout:.0f}s")

    def stop(self) -> None:
        self.process.stop()
