"""Real Apache Airflow for the DAG tests, in a virtual environment of its own.

Airflow pins its own SQLAlchemy, FastAPI, Starlette… and Airflow workers do not have our package, so it is never
installed into the project's environment: `airflow_venv()` builds one with uv from the pinned
`airflow-requirements.txt` (Airflow's constraints file is not reachable here) and caches it under
`~/.cache/axiom-airflow-venv/` (AXIOM_AIRFLOW_CACHE overrides the folder; see tests/isolated_venv.py), so later
runs reuse it. `AirflowHome` is one AIRFLOW_HOME (SQLite metadata DB, the DAG folder) in a temp folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.isolated_venv import VenvInstallError, cached_venv

AIRFLOW_VERSION = "3.3.2"
REQUIREMENTS = Path(__file__).with_name("airflow-requirements.txt")
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "airflow_dags"
AirflowInstallError = VenvInstallError


def cache_root() -> Path:
    return Path(os.environ.get("AXIOM_AIRFLOW_CACHE") or Path.home() / ".cache" / "axiom-airflow-venv")


def airflow_venv() -> tuple[Path, dict]:
    """The cached Airflow environment (built now if missing) and how it was got (see `cached_venv`)."""
    return cached_venv(cache_root(), AIRFLOW_VERSION, REQUIREMENTS)


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
