"""PostgreSQL from the binaries bundled in the `pgserver` wheel, listening on 127.0.0.1.

As root, PostgreSQL refuses to run; like pgserver itself we run it as a system user `pgserver`, which needs
to traverse the folders leading to the data dir and the binaries.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from axiom.embedded.process import ManagedProcess, free_port, wait_for_port

SYSTEM_USER = "pgserver"
DATABASE = "axiom"


def _bin_dir() -> Path:
    # Located without importing pgserver: its import has side effects (runtime-dir probing) we do not need.
    import importlib.util

    spec = importlib.util.find_spec("pgserver")
    assert spec and spec.origin
    return Path(spec.origin).parent / "pginstall" / "bin"


def _as_root() -> bool:
    return os.geteuid() == 0


def _prepare_user(paths: list[Path]) -> None:
    """Create the system user and let it traverse to the data folder and read/execute the binaries."""
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--shell", "/usr/sbin/nologin", SYSTEM_USER], check=True,
                       capture_output=True)
    install_dir = _bin_dir().parent
    for path in [*paths, install_dir]:
        for parent in path.parents:
            mode = parent.stat().st_mode
            if mode & 0o005 != 0o005:
                parent.chmod(mode | 0o005)
    for folder, dirs, files in os.walk(install_dir):
        for name in dirs + files:
            target = Path(folder) / name
            mode = target.stat().st_mode
            if mode & 0o005 != 0o005 and not target.is_symlink():
                target.chmod(mode | 0o005)


class EmbeddedPostgres:
    """A PostgreSQL server whose data lives in `folder/data`; `url` is a SQLAlchemy-style asyncpg URL."""

    def __init__(self, folder: Path, preferred_port: int | None = 5432, durable: bool = True):
        self.folder = folder.resolve()
        self.data_dir = self.folder / "data"
        self.socket_dir = self.folder / "run"
        self.preferred_port = preferred_port
        self.durable = durable  # tests turn fsync off: their data is thrown away anyway
        self.port: int | None = None
        self.process = ManagedProcess("postgres", self.folder, stop_signal=signal.SIGINT)  # SIGINT = fast shutdown

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, argv: list[str]) -> None:
        user = SYSTEM_USER if _as_root() else None
        result = subprocess.run(argv, user=user, group=user, extra_groups=[] if user else None, capture_output=True,
                                text=True, timeout=120)
        if result.returncode != 0:
            raise self.process.fail(f"{Path(argv[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")

    def start(self, timeout: float = 30.0) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.process.kill_stale("postgres")
        if _as_root():
            _prepare_user([self.folder])
            shutil.chown(self.folder, SYSTEM_USER)
            shutil.chown(self.socket_dir, SYSTEM_USER)
            if self.data_dir.exists():
                shutil.chown(self.data_dir, SYSTEM_USER)
        bin_dir = _bin_dir()
        if not (self.data_dir / "PG_VERSION").exists():
            self._run([str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", "postgres", "--auth=trust",
                       "--encoding=UTF8", "--locale=C"])
        if not self._postmaster_alive():
            # A crash leaves postmaster.pid behind; PostgreSQL would refuse to start over it.
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        self.port = free_port(self.preferred_port)
        self.process.start(
            [str(bin_dir / "postgres"), "-D", str(self.data_dir), "-h", "127.0.0.1", "-p", str(self.port),
             "-c", f"unix_socket_directories={self.socket_dir}", "-c", "max_connections=200",
             "-c", f"fsync={'on' if self.durable else 'off'}"],
            user=SYSTEM_USER if _as_root() else None,
        )
        self._wait_ready(timeout)
        self._ensure_database()

    def _postmaster_alive(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
            return True
        except (OSError, ValueError, IndexError):
            return False

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        isready = str(_bin_dir() / "pg_isready")
        while time.monotonic() < deadline:
            if self.process.exited():
                raise self.process.fail("exited during start-up")
            if wait_for_port(self.port, 0.5):
                probe = subprocess.run([isready, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                                       capture_output=True)
                if probe.returncode == 0:
                    return
            time.sleep(0.1)
        raise self.process.fail(f"not ready after {timeout:.0f}s")

    def _ensure_database(self) -> None:
        psql = str(_bin_dir() / "psql")
        base = [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-tAc"]
        exists = subprocess.run(base + [f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"],
                                capture_output=True, text=True)
        if exists.stdout.strip() != "1":
            self._run(base + [f'CREATE DATABASE "{DATABASE}"'])

    def environment(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url}

    def stop(self) -> None:
        self.process.stop()
