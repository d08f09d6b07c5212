"""Third-party servers the tests run for real (Apache Airflow, MindsDB) in virtual environments of their own.

They pin their own SQLAlchemy, Flask, Starlette…, so they never go into the project's environment: `cached_venv`
builds one with uv from a pinned requirements file and caches it under `<cache root>/<version>-py<X.Y>-<hash of
the pins>`, so later runs (and CI machines keeping `~/.cache`) reuse it; changing a pin makes a new folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

_READY = ".axiom-ready"  # written last: a folder without it is a build that did not finish


class VenvInstallError(Exception):
    """The environment could not be built; the message carries uv's output."""


def venv_folder(cache_root: Path, version: str, requirements: Path) -> Path:
    pins = hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]
    return cache_root / f"{version}-py{sys.version_info[0]}.{sys.version_info[1]}-{pins}"


def cached_venv(cache_root: Path, version: str, requirements: Path) -> tuple[Path, dict]:
    """The cached environment (built now if missing) and how it was got: {"cached": bool, "seconds": float}.

    A file lock makes concurrent callers (CI's preparation step and pytest, or two test runs) build it once.
    """
    folder = venv_folder(cache_root, version, requirements)
    folder.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(folder.parent / f"{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / _READY).exists():
            return folder, {"cached": True, "seconds": time.perf_counter() - started}
        shutil.rmtree(folder, ignore_errors=True)
        uv = shutil.which("uv")
        if uv is None:
            raise VenvInstallError("uv is not on PATH")
        _run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)])
        _run([uv, "pip", "install", "--quiet", "--python", str(folder / "bin" / "python"), "-r", str(requirements)])
        seconds = time.perf_counter() - started
        (folder / _READY).write_text(json.dumps({"version": version, "install_seconds": round(seconds, 1)}))
        return folder, {"cached": False, "seconds": seconds}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise VenvInstallError(f"{' '.join(command[:3])} failed ({result.returncode}):\n{result.stderr[-4000:]}")
