"""The typed Python client a Python team would generate with ariadne-codegen (`tools/codegen/ariadne-codegen.toml`).

ariadne-codegen pins graphql-core < 3.3 and the project runs 3.3, so the generator lives in a virtual environment
of its own, built with uv from the pinned `ariadne-codegen-requirements.txt` and cached under
`~/.cache/axiom-ariadne-codegen/py<X.Y>-<hash of the pins>` (AXIOM_CODEGEN_CACHE moves it). The generated package
runs in the project's environment (pydantic, httpx, websockets).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

REQUIREMENTS = Path(__file__).with_name("ariadne-codegen-requirements.txt")
CODEGEN_DIR = Path(__file__).resolve().parents[2] / "tools" / "codegen"
GENERATED = CODEGEN_DIR / "python"
_READY = ".axiom-ready"  # written last: a folder without it is a build that did not finish


def _venv() -> Path:
    pins = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:12]
    root = Path(os.environ.get("AXIOM_CODEGEN_CACHE") or Path.home() / ".cache" / "axiom-ariadne-codegen")
    folder = root / f"py{sys.version_info[0]}.{sys.version_info[1]}-{pins}"
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # concurrent callers build it once
        if not (folder / _READY).exists():
            shutil.rmtree(folder, ignore_errors=True)
            uv = shutil.which("uv")
            if uv is None:
                raise RuntimeError("uv is not on PATH")
            _run([uv, "venv", "--quiet", "--python", sys.executable, str(folder)])
            _run([uv, "pip", "install", "--quiet", "--python", str(folder / "bin" / "python"), "-r", str(REQUIREMENTS)])
            (folder / _READY).write_text("ok")
    return folder


def generate_python_client() -> Path:
    """Generate `axiom_client` into tools/codegen/python (replacing an older one); returns that folder."""
    shutil.rmtree(GENERATED / "axiom_client", ignore_errors=True)
    GENERATED.mkdir(exist_ok=True)
    _run([str(_venv() / "bin" / "ariadne-codegen"), "client", "--config", "ariadne-codegen.toml"], cwd=CODEGEN_DIR)
    return GENERATED


def _run(command: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=cwd)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
