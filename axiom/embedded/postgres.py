"""PostgreSQL from the binaries bundled in the `pgserver` wheel, listening on 127.0.0.1.

As root, PostgreSQL refuses to run; like pgserver itself we run it as a system user `pgserver`, which needs
to traverse the folders leading to the data dir and the binaries.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from pathlib import Path

from axiom.embedded.server import EmbeddedServer

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
        subprocess.run(
            ["useradd", "--system", "--shell", "/usr/sbin/nologin", SYSTEM_USER], check=True, capture_output=True
        )
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


class EmbeddedPostgres(EmbeddedServer):
    """A PostgreSQL server whose data lives in `folder/data`; `url` is a libpq-style URL."""

    name = "postgres"
    package = "pgserver"
    variable = "DATABASE_URL"
    start_timeout = 30.0

    def __init__(self, folder: Path, preferred_port: int | None = 5432, durable: bool = True) -> None:
        super().__init__(folder, preferred_port, stop_signal=signal.SIGINT)  # SIGINT = fast shutdown
        self.data_dir = self.folder / "data"
        self.socket_dir = self.folder / "run"
        self.durable = durable  # tests turn fsync off: their data is thrown away anyway
        self._prepared = False

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, argv: list[str]) -> None:
        user = SYSTEM_USER if _as_root() else None
        result = subprocess.run(
            argv, user=user, group=user, extra_groups=[] if user else None, capture_output=True, text=True, timeout=120
        )
        if result.returncode != 0:
            raise self.process.fail(f"{Path(argv[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")

    def _prepare(self) -> None:
        """Once per object: the system user, folder ownership and initdb."""
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        if _as_root():
            _prepare_user([self.folder])
            shutil.chown(self.folder, SYSTEM_USER)
            shutil.chown(self.socket_dir, SYSTEM_USER)
            if self.data_dir.exists():
                shutil.chown(self.data_dir, SYSTEM_USER)
        if not (self.data_dir / "PG_VERSION").exists():
            self._run(
                [
                    str(_bin_dir() / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C",
                ]
            )
        self._prepared = True

    def _spawn(self) -> None:
        self.process.kill_stale("postgres")
        if not self._prepared:
            self._prepare()
        if not self._postmaster_alive():
            # A crash leaves postmaster.pid behind; PostgreSQL would refuse to start over it.
            (self.data_dir / "postmaster.pid").unlink(missing_ok=True)
        self.process.start(
            [
                str(_bin_dir() / "postgres"),
                "-D",
                str(self.data_dir),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-c",
                f"unix_socket_directories={self.socket_dir}",
                "-c",
                "max_connections=200",
                "-c",
                f"fsync={'on' if self.durable else 'off'}",
                # After a crash PostgreSQL first fsyncs every file of the data folder, one by one (seconds on a
                # busy disk); one syncfs() of its file system gives the same guarantee before the WAL replay.
                "-c",
                "recovery_init_sync_method=syncfs",
                # Crash recovery ends with a checkpoint that writes out everything changed since the last one (with
                # the default 5 min, seconds after a busy spell); checkpoints every 30 s keep that small.
                "-c",
                "checkpoint_timeout=30s",
            ],
            user=SYSTEM_USER if _as_root() else None,
        )

    def _answers(self) -> bool:
        probe = subprocess.run(
            [str(_bin_dir() / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-t", "1"],
            capture_output=True,
        )
        return probe.returncode == 0

    def _after_ready(self) -> None:
        self._ensure_database()

    def _postmaster_alive(self) -> bool:
        pid_file = self.data_dir / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
            os.kill(pid, 0)
            return True
        except (OSError, ValueError, IndexError):
            return False

    def _ensure_database(self) -> None:
        psql = str(_bin_dir() / "psql")
        base = [psql, "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-tAc"]
        exists = subprocess.run(
            [*base, f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE}'"], capture_output=True, text=True
        )
        if exists.stdout.strip() != "1":
            self._run([*base, f'CREATE DATABASE "{DATABASE}"'])

    def environment(self) -> dict[str, str]:
        return {"DATABASE_URL": self.url}
