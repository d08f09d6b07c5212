"""Real Apache Airflow for the DAG tests, in a virtual environment of its own.

Airflow pins its own SQLAlchemy, FastAPI, Starlette… and Airflow workers do not have our package, so it is never
installed into the project's environment: `airflow_venv()` builds one with uv from the pinned
`airflow-requirements.txt` (Airflow's constraints file is not reachable here) and caches it under
`~/.cache/axiom-airflow-venv/<version>-py<X.Y>-<hash of the pins>` (AXIOM_AIRFLOW_CACHE overrides the folder), so
later runs reuse it. `AirflowHome` is one AIRFLOW_HOME (SQLite metadata DB, the DAG folder) in a temp folder.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

AIRFLOW_VERSION = "3.3.2"
REQUIREMENTS = Path(__file__).with_name("airflow-requirements.txt")
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "airflow_dags"
_READY = ".axiom-ready"  # written last: a folder without it is a build that did not finish


class AirflowInstallError(Exception):
    """The Airflow environment could not be built; the message carries uv's output."""


def cache_root() -> Path:
    return Path(os.environ.get("AXIOM_AIRFLOW_CACHE") or Path.home() / ".cache" / "axiom-airflow-venv")


def venv_folder() -> Path:
    pins = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    return cache_root() / f"{AIRFLOW_VERSION}-py{sys.version_info[0]}.{sys.version_info[1]}-{pins}"


def airflow_venv() -> tuple[Path, dict]:
    """The cached environment (built now if missing) and how it was got: {"cached": bool, "seconds": float}.

    A file lock makes concurrent callers (CI's preparation step and pytest) build it once.
    """
    folder = venv_folder()
    folder.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (folder / _READY).exists():
            return folder, {"cached": True, "seconds": time.perf_counter() - started}
        shutil.rmtree(folder, ignore_errors=True)
        uv = shutil.which("uv")
        if uv is None:
            raise AirflowInstallError("uv is not on PATH")
        _run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)])
        _run([uv, "pip", "install", "--quiet", "--python", str(folder / "bin" / "python"), "-r", str(REQUIREMENTS)])
        seconds = time.perf_counter() - started
        (folder / _READY).write_text(json.dumps({"version": AIRFLOW_VERSION, "install_seconds": round(seconds, 1)}))
        return folder, {"cached": False, "seconds": seconds}


def _run(command: list[str]) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900)
    if result.returncode != 0:
        raise AirflowInstallError(f"{' '.join(command[:3])} failed ({result.returncode}):\n{result.stderr[-4000:]}")


@dataclass
class AirflowHome:
    """One AIRFLOW_HOME with the shipped DAG copied into its dags folder, as the deployment guide deploys it."""

    venv: Path
    home: Path

    def prepare(self) -> None:
        dags = self.home / "dags"
        dags.mkdir(parents=True, exist_ok=True)
        for dag_file in DAGS_FOLDER.glob("*.py"):
            shutil.copy(dag_file, dags / dag_file.name)
        result = self.airflow("db", "migrate")
        if result.returncode != 0:
            raise AssertionError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        """A clean environment: nothing of ours (DATABASE_URL, the project's venv) leaks into Airflow."""
        return {
            "PATH": f"{self.venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
            "HOME": str(self.home),
            "AIRFLOW_HOME": str(self.home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(self.home / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "PYTHONDONTWRITEBYTECODE": "1",
            **(extra or {}),
        }

    def airflow(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 240
    ) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.venv / "bin" / "airflow"), *args],
            capture_output=True,
            text=True,
            env=self.env(env),
            cwd=self.home,
            timeout=timeout,
        )

    def python(self, code: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.venv / "bin" / "python"), "-c", code],
            capture_output=True,
            text=True,
            env=self.env(),
            cwd=self.home,
            timeout=timeout,
        )

    def popen_python(self, code: str) -> subprocess.Popen:
        """Python of the Airflow environment as a process the test talks to over stdin and stdout."""
        return subprocess.Popen(
            [str(self.venv / "bin" / "python"), "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self.env(),
            cwd=self.home,
        )
