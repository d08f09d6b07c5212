"""A real MindsDB (PyPI `mindsdb`) for the MindsDB-mode tests: installed into a cached virtual environment of its
own (tests/isolated_venv.py; pins in mindsdb-requirements.txt), started with only its HTTP API on a free port,
its storage in a temporary folder and HTTP login required (user and password), tied to the test process and
stopped after.

The environment is cached under `~/.cache/axiom-tests/mindsdb-venv/` (AXIOM_MINDSDB_CACHE overrides the folder):
the first build downloads about 750 MB of wheels, later runs reuse it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import time
from pathlib import Path

from axiom.embedded.process import ManagedProcess, free_port
from tests.isolated_venv import cached_venv

MINDSDB_VERSION = "26.1.0"
REQUIREMENTS = Path(__file__).with_name("mindsdb-requirements.txt")


def cache_root() -> Path:
    return Path(os.environ.get("AXIOM_MINDSDB_CACHE") or Path.home() / ".cache" / "axiom-tests" / "mindsdb-venv")


def mindsdb_venv() -> tuple[Path, dict]:
    """The cached MindsDB environment (built now if missing) and how it was got (see `cached_venv`)."""
    return cached_venv(cache_root(), MINDSDB_VERSION, REQUIREMENTS)


class MindsDBServer:
    """One MindsDB process: HTTP API only (Weaver uses nothing else), login required, storage under `folder`."""

    def __init__(self, venv: Path, folder: Path, user: str, password: str):
        self.venv = venv
        self.folder = folder
        self.user, self.password = user, password
        self.port = free_port()
        self.process = ManagedProcess("mindsdb", folder, stop_signal=signal.SIGTERM)
        self.start_seconds: float | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _config(self) -> Path:
        config = self.folder / "config.json"
        storage = self.folder / "storage"
        storage.mkdir(parents=True, exist_ok=True)
        settings = {
            "api": {"http": {"host": "127.0.0.1", "port": str(self.port)}},
            "paths": {"root": str(storage)},
            # Weaver uses neither scheduled jobs nor background tasks: two processes fewer to start.
            "jobs": {"disable": True},
            "tasks": {"disable": True},
        }
        config.write_text(json.dumps(settings))
        return config

    def start(self, timeout: float = 600.0) -> None:
        """Start it and wait until its HTTP API answers (about 90 s on a loaded 2-core machine)."""
        started = time.perf_counter()
        config = self._config()
        env = {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.folder),  # nothing of the developer's (~/mindsdb, ~/.config) is read or written
            "MINDSDB_STORAGE_DIR": str(self.folder / "storage"),
            "MINDSDB_USERNAME": self.user,
            "MINDSDB_PASSWORD": self.password,
            "MINDSDB_GUI_AUTOUPDATE": "false",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        argv = [str(self.venv / "bin" / "python"), "-m", "mindsdb", "--api=http", f"--config={config}", "--no_studio"]
        self.process.start(argv, env=env, cwd=self.folder)
        self.process.wait_http_ok(f"{self.url}/api/status", timeout)
        self.start_seconds = time.perf_counter() - started

    def stop(self) -> None:
        """Stop MindsDB and the processes it spawned (they share its process group; it may leave some behind)."""
        group = self.process.pid
        self.process.stop(timeout=30)
        if group is not None:
            _end_group(group)


def _end_group(group: int, grace: float = 10.0) -> None:
    try:
        os.killpg(group, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(group, signal.SIGKILL)
