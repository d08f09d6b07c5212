"""A throwaway MariaDB server for the MySQL adapter tests, from the Debian package `mariadb-server`
(`apt-get install -y mariadb-server`): initialised in a temporary folder, on a free port, stopped after."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str:
    found = shutil.which(name) or (f"/usr/sbin/{name}" if Path(f"/usr/sbin/{name}").exists() else None)
    if not found:
        raise RuntimeError(f"{name} not found: install the Debian package mariadb-server "
                           "(apt-get install -y mariadb-server)")
    return found


class MariaDBServer:
    def __init__(self, folder: Path):
        self.folder = folder
        self.datadir = folder / "data"
        self.socket = folder / "mariadb.sock"
        self.port = _free_port()
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60.0) -> None:
        user = ["--user=root"] if os.geteuid() == 0 else []
        subprocess.run([_binary("mariadb-install-db"), "--no-defaults", f"--datadir={self.datadir}",
                        "--auth-root-authentication-method=normal", "--skip-test-db", *user],
                       check=True, capture_output=True, timeout=120)
        log = open(self.folder / "mariadb.log", "wb")
        self.process = subprocess.Popen(
            [_binary("mariadbd"), "--no-defaults", f"--datadir={self.datadir}", f"--socket={self.socket}",
             f"--port={self.port}", "--bind-address=127.0.0.1", "--skip-log-bin", "--innodb-buffer-pool-size=32M",
             f"--pid-file={self.folder / 'mariadb.pid'}", *user], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mariadbd exited: {(self.folder / 'mariadb.log').read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("mariadbd did not open its port")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
