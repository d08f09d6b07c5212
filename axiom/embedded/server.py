"""What the embedded servers share: a port remembered per data folder, a random password per data folder, and a
start that only succeeds when the server answering on the port is the child we started.

Picking a free port and then letting the child bind it is a race (another `up` may bind it in between), so
the check comes after the bind: the child either exits with "Address already in use" or the port turns out to
be held by another process; either way the start is retried on a fresh port. A server that answers but is not
our child is never adopted.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import time
from pathlib import Path

from axiom.embedded.process import (
    EmbeddedServerError,
    ManagedProcess,
    PortTaken,
    RunsManagedProcess,
    free_port,
    port_listener,
)

log = logging.getLogger(__name__)

BIND_ATTEMPTS = 5


def secret_file(path: Path, default: str | None = None) -> str:
    """The secret stored in `path` (mode 0600), created on first use (`default` or a random one)."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = default or secrets.token_urlsafe(24)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(value)
    return value


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by its owner only (config files that carry a password)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w") as out:
        out.write(text)


class EmbeddedServer(RunsManagedProcess):
    """Base of the embedded servers. Subclasses fork in `_spawn` and answer one quick query in `_answers`."""

    name = "server"
    package = ""  # the Python distribution that ships the server (dependency group `embedded`)
    variable = ""  # the setting that points at a real server instead
    start_timeout = 30.0

    def __init__(self, folder: Path, preferred_port: int | None, stop_signal: int = signal.SIGTERM) -> None:
        self.folder = folder.resolve()
        self.preferred_port = preferred_port
        self.port: int | None = None
        self.process = ManagedProcess(self.name, self.folder, stop_signal=stop_signal)

    # -- hooks ----------------------------------------------------------------------------------------------
    def _spawn(self) -> None:
        """Fork the server listening on `self.port` (without waiting for it)."""
        raise NotImplementedError

    def _answers(self) -> bool:
        """One quick query (with our credentials); called only once the port is known to be our child's."""
        raise NotImplementedError

    def _after_ready(self) -> None:
        """Work once the server answers (e.g. create the database)."""

    def environment(self) -> dict[str, str]:
        raise NotImplementedError

    # -- ports ----------------------------------------------------------------------------------------------
    @property
    def _port_file(self) -> Path:
        return self.folder / "port"

    def remembered_port(self) -> int | None:
        """The port this data folder's server used last time (clients and the demo datasource know it)."""
        try:
            return int(self._port_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def _first_port(self) -> int:
        return free_port(self.remembered_port() or self.preferred_port)

    # -- life cycle -----------------------------------------------------------------------------------------
    def launch(self, port: int | None = None) -> None:
        """Fork the server on `port`, else on the port it had (a restart), else on the remembered one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = port or self.port or self._first_port()
        self._spawn()

    def check(self) -> bool:
        """One quick look: True once our child answers. Raises PortTaken when another process holds the port,
        EmbeddedServerError when the child exited."""
        if self.process.exited():
            if self.process.lost_port_race():
                self.process.stop()
                raise PortTaken(f"{self.name}: port {self.port} is already in use")
            raise self.process.fail(f"exited during start-up (code {self.process.returncode})")
        assert self.port is not None and self.process.pid is not None  # launched, and not exited
        owner = port_listener(self.port, self.process.pid)
        if owner == "other":
            self.process.stop()
            raise PortTaken(f"{self.name}: port {self.port} is held by another process")
        if owner == "none" or not self._answers():
            return False
        self._after_ready()
        if self.remembered_port() != self.port:
            self._port_file.write_text(str(self.port))
        return True

    def wait_ready(self, timeout: float | None = None) -> None:
        timeout = timeout or self.start_timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.check():
                return
            time.sleep(0.2)
        raise self.process.fail(f"not ready after {timeout:.0f}s")

    def start(self, timeout: float | None = None) -> None:
        """Launch and wait until ready; a port lost to another process is retried on a fresh one."""
        self.launch()
        self.finish_start(timeout)

    def finish_start(self, timeout: float | None = None) -> None:
        """Wait for a launched server, moving to a fresh port each time another process holds ours."""
        for attempt in range(1, BIND_ATTEMPTS + 1):
            try:
                self.wait_ready(timeout)
                return
            except PortTaken as exc:
                if attempt == BIND_ATTEMPTS:
                    raise EmbeddedServerError(f"{exc} ({attempt} ports tried, each taken by another process)") from exc
                taken = self.port
                self.launch(port=free_port(None))
                log.warning("%s; %s moves from port %s to %s", exc, self.name, taken, self.port)

    def stop(self) -> None:
        self.process.stop()
