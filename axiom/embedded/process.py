"""Child processes that cannot outlive us: started with PR_SET_PDEATHSIG, recorded in a pid file, stopped by PID."""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

_PR_SET_PDEATHSIG = 1


class EmbeddedServerError(RuntimeError):
    """An embedded server failed to start; the message includes the tail of its log."""


class PortTaken(EmbeddedServerError):
    """Another process holds the port our child was to listen on (it lost the race to bind it)."""


def die_with_parent(sig: int) -> Callable[[], None]:
    def preexec() -> None:
        # Linux only: the kernel signals the child when the thread that forked it dies, so even a SIGKILL of
        # the supervisor leaves no orphan server behind.
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)
        os.setpgrp()  # Ctrl-C in the terminal reaches the supervisor only; it stops children in order.

    return preexec


def port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def free_port(preferred: int | None = None, host: str = "127.0.0.1") -> int:
    """`preferred` when it is free, else a port the OS picks."""
    if preferred and port_is_free(preferred, host):
        return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def wait_for_port(port: int, timeout: float, host: str = "127.0.0.1") -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def _listening_inodes(port: int) -> set[str]:
    """Socket inodes listening on TCP `port` (IPv4 or IPv6), from /proc/net: no connection is made."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            fields = line.split()
            # local_address is HEXIP:HEXPORT; state 0A is LISTEN; field 9 is the socket's inode.
            if fields[3] == "0A" and int(fields[1].rsplit(":", 1)[1], 16) == port:
                inodes.add(fields[9])
    return inodes


def _socket_inodes_of(pid: int) -> set[str]:
    inodes: set[str] = set()
    try:
        fds = list(Path(f"/proc/{pid}/fd").iterdir())
    except OSError:
        return inodes
    for fd in fds:
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    return inodes


def port_listener(port: int, pid: int) -> str:
    """Who listens on `port`: "none", "ours" (the process `pid`) or "other" (any other process).

    This is how `up` knows that the server answering on a port is the child it started and not a server
    another `up` started a moment earlier on the same port.
    """
    listening = _listening_inodes(port)
    if not listening:
        return "none"
    return "ours" if listening & _socket_inodes_of(pid) else "other"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _pid_runs(pid: int, executable_fragment: str) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return executable_fragment in cmdline


class ManagedProcess:
    """One server process with its pid file and log file."""

    def __init__(self, name: str, folder: Path, stop_signal: int = signal.SIGTERM) -> None:
        self.name = name
        self.folder = folder
        self.stop_signal = stop_signal
        self.pid_file = folder / f"{name}.pid"
        self.log_file = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self._log_offset = 0  # where this start's output begins in the (appended) log file

    def kill_stale(self, executable_fragment: str) -> None:
        """Stop a server left running by a supervisor that was killed before it could clean up."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (OSError, ValueError):
            return
        if _pid_alive(pid) and _pid_runs(pid, executable_fragment):
            os.kill(pid, self.stop_signal)
            deadline = time.monotonic() + 15
            while _pid_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)

    def start(
        self,
        argv: Sequence[str],
        *,
        env: dict[str, Any] | None = None,
        user: str | None = None,
        inherit_output: bool = False,
        cwd: Path | None = None,
        pass_fds: Sequence[int] = (),
    ) -> None:
        """Fork the process; its output goes to the log file, or to our terminal with `inherit_output`.
        `pass_fds`: descriptors the child inherits (a listening socket, a pipe); every other one is closed."""
        self.folder.mkdir(parents=True, exist_ok=True)
        # Not a `with`: the file stays open only until the child holds its copy (closed in `finally`).
        log = None if inherit_output else open(self.log_file, "ab")  # noqa: SIM115
        self._log_offset = log.tell() if log else 0
        try:
            self.process = subprocess.Popen(
                list(argv),
                stdout=log,
                stderr=subprocess.STDOUT if log else None,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=cwd,
                # With only `user`, the child keeps root's group and so gets the *group* bits of root-owned
                # folders (often ---); drop to the user's own group and no supplementary groups too.
                user=user,
                group=user,
                extra_groups=[] if user else None,
                preexec_fn=die_with_parent(self.stop_signal),
                close_fds=True,
                pass_fds=tuple(pass_fds),
            )
        finally:
            if log:
                log.close()
        self.pid_file.write_text(str(self.process.pid))

    def adopt(self, other: ManagedProcess) -> None:
        """Take over `other`'s running process under this name (a warm standby promoted to serve): our pid
        file names it from now on, and `other` is left empty."""
        self.stop()
        self.process, other.process = other.process, None
        other.pid_file.unlink(missing_ok=True)
        if self.process is not None:
            self.pid_file.write_text(str(self.process.pid))

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def exited(self) -> bool:
        return self.process is not None and self.process.poll() is not None

    @property
    def returncode(self) -> int | None:
        return self.process.poll() if self.process else None

    def output_of_this_start(self) -> str:
        """What the current (or last) start wrote to the log file, without earlier runs' lines."""
        try:
            with open(self.log_file, "rb") as log:
                log.seek(self._log_offset)
                return log.read().decode(errors="replace")
        except OSError:
            return ""

    def lost_port_race(self) -> bool:
        """True when the process exited because its port was taken ("Address already in use")."""
        return self.exited() and "Address already in use" in self.output_of_this_start()

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def wait_http_ok(self, url: str, timeout: float) -> None:
        """Poll `url` until it answers 200; fail early if the process exits."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                raise self.fail("exited during start-up")
            try:
                with urllib.request.urlopen(url, timeout=1) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        raise self.fail(f"did not answer {url} within {timeout:.0f}s")

    def fail(self, reason: str) -> EmbeddedServerError:
        self.stop()
        return EmbeddedServerError(f"{self.name}: {reason}\n--- last lines of {self.log_file} ---\n{self.log_tail()}")

    def stop(self, timeout: float = 20.0) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(self.stop_signal)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.process = None
        self.pid_file.unlink(missing_ok=True)


class RunsManagedProcess:
    """For a supervised thing that runs one `ManagedProcess` (an embedded server, an Axiom process): the
    supervisor reads its pid, exit code and liveness through these."""

    process: ManagedProcess

    @property
    def pid(self) -> int | None:
        return self.process.pid

    @property
    def returncode(self) -> int | None:
        return self.process.returncode

    def exited(self) -> bool:
        return self.process.exited()
