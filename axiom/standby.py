"""Fast restarts for `axiom up`'s HTTP processes: a listening socket that outlives each process, and a warm
standby that takes over when the process serving dies.

A cold restart of a subgraph costs seconds of CPU before it can answer (importing the app is most of it; on a
busy 2-core machine 8–10 s). So `up` binds each HTTP port once and hands the socket to every process it starts
for that port (the child inherits the descriptor, `LISTEN_FD` names it): connections made while no process
serves wait in the socket's backlog instead of being refused, and the port can never be taken by another
program between two processes. Beside the process serving, a standby copy is started ahead of need, at a low
CPU priority: it imports everything and builds its app, then blocks reading a pipe (`STANDBY_FD`). Promoting it
is one write to that pipe (and its priority back to normal): it starts serving on the shared socket in a
fraction of a second, and a fresh standby warms up behind it once it is ready. Without a standby (it died) a
restart is a cold start, as before; a standby promoted while still warming up finishes at full priority.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Mapping, Sequence
from pathlib import Path

from axiom.embedded.process import ManagedProcess

LISTEN_FD = "AXIOM_LISTEN_FD"  # a listening socket inherited from `up`: serve on it instead of binding
STANDBY_FD = "AXIOM_STANDBY_FD"  # the read end of a pipe: get ready, then serve once `up` writes to it
BACKLOG = 2048  # as uvicorn's: connections wait here while a process is replaced
STANDBY_NICENESS = 10  # a standby warms up on CPU the processes serving do not want


class PortInUse(OSError):
    """Another program holds the port a process is to serve on."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A listening TCP socket on (host, port) that children may inherit."""
    try:
        listener = socket.create_server((host, port), backlog=BACKLOG)
    except OSError as exc:
        raise PortInUse(f"port {port} on {host} is in use ({exc.strerror})") from None
    listener.set_inheritable(True)
    return listener


def inherited_listener(environ: Mapping[str, str] = os.environ) -> socket.socket | None:
    """The listening socket `up` passed to this process, if any."""
    fd = environ.get(LISTEN_FD)
    return socket.socket(fileno=int(fd)) if fd else None


def standing_by(environ: Mapping[str, str] = os.environ) -> bool:
    """True in a standby (until it is promoted)."""
    return bool(environ.get(STANDBY_FD))


def wait_for_promotion(environ: Mapping[str, str] = os.environ) -> bool:
    """In a standby: block until `up` promotes us (True), or until `up` is gone (False: the pipe closed).
    Returns True at once in a process started to serve."""
    fd = environ.get(STANDBY_FD)
    if not fd:
        return True
    with os.fdopen(int(fd), "rb", buffering=0) as pipe:
        return pipe.read(1) != b""


class WarmStarts:
    """How `up` starts one HTTP process: on its own listening socket, by promoting a warm standby when one is
    ready, else cold. `make_standby()` warms up the next standby; `close()` ends the standby and the socket."""

    def __init__(
        self, name: str, folder: Path, argv: Sequence[str], env: dict[str, str], address: tuple[str, int] | None
    ):
        self.argv, self.env, self.address = list(argv), env, address
        self.listener: socket.socket | None = None
        self.standby = ManagedProcess(f"{name}-standby", folder)
        self._promote_fd: int | None = None

    def start(self, process: ManagedProcess) -> None:
        """Start `process`: its warm standby takes over when there is one, else a cold start."""
        if self.address is not None and self.listener is None:
            self.listener = bind_listener(*self.address)
        if not self._promote(process):
            self._end_standby()
            process.start(self.argv, env=self._env(), pass_fds=self._fds(), inherit_output=True)

    def _promote(self, process: ManagedProcess) -> bool:
        if self._promote_fd is None or self.standby.pid is None or self.standby.exited():
            return False
        try:
            # Its normal priority first: a standby promoted while still warming up must not stay starved.
            with contextlib.suppress(PermissionError):  # lowering a nice value needs CAP_SYS_NICE
                os.setpriority(os.PRIO_PROCESS, self.standby.pid, os.getpriority(os.PRIO_PROCESS, 0))
            os.write(self._promote_fd, b"1")
        except (ProcessLookupError, BrokenPipeError):  # it died just now
            return False
        self._close_pipe()
        process.adopt(self.standby)
        return True

    def make_standby(self) -> None:
        """Start warming up a standby, unless one is already there."""
        if self.standby.pid is not None and not self.standby.exited():
            return
        self._end_standby()
        read_end, self._promote_fd = os.pipe()
        try:
            env = {**self._env(), STANDBY_FD: str(read_end)}
            self.standby.start(self.argv, env=env, pass_fds=(*self._fds(), read_end), inherit_output=True)
        finally:
            os.close(read_end)
        # It warms up on CPU the processes serving do not want (set here, not by the child: no race with `start`).
        with contextlib.suppress(ProcessLookupError):
            assert self.standby.pid is not None  # just started
            niceness = os.getpriority(os.PRIO_PROCESS, 0) + STANDBY_NICENESS
            os.setpriority(os.PRIO_PROCESS, self.standby.pid, niceness)

    @property
    def standby_pid(self) -> int | None:
        return self.standby.pid

    def close(self) -> None:
        self._end_standby()
        if self.listener is not None:
            self.listener.close()
            self.listener = None

    def _env(self) -> dict[str, str]:
        return {**self.env, LISTEN_FD: str(self.listener.fileno())} if self.listener is not None else self.env

    def _fds(self) -> tuple[int, ...]:
        return (self.listener.fileno(),) if self.listener is not None else ()

    def _end_standby(self) -> None:
        self._close_pipe()  # a standby still warming up sees the pipe close and exits
        self.standby.stop()

    def _close_pipe(self) -> None:
        if self._promote_fd is not None:
            os.close(self._promote_fd)
            self._promote_fd = None
