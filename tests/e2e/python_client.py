"""The typed Python client a Python team would generate with ariadne-codegen (`tools/codegen/ariadne-codegen.toml`).

ariadne-codegen pins graphql-core < 3.3 and the project runs 3.3, so the generator lives in a virtual environment
of its own, built by `tests.isolated_venv.cached_venv` from the pinned `ariadne-codegen-requirements.txt` under
`~/.cache/axiom-ariadne-codegen/` (AXIOM_CODEGEN_CACHE moves it). The generated package runs in the project's
environment (pydantic, httpx, websockets).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.isolated_venv import cached_venv

REQUIREMENTS = Path(__file__).with_name("ariadne-codegen-requirements.txt")
CODEGEN_DIR = Path(__file__).resolve().parents[2] / "tools" / "codegen"
GENERATED = CODEGEN_DIR / "python"
ARIADNE_CODEGEN_VERSION = "0.19.0"


def codegen_venv() -> Path:
    """The cached ariadne-codegen environment (built now if missing)."""
    root = Path(os.environ.get("AXIOM_CODEGEN_CACHE") or Path.home() / ".cache" / "axiom-ariadne-codegen")
    folder, _ = cached_venv(root, ARIADNE_CODEGEN_VERSION, REQUIREMENTS)
    return folder


def generate_python_client() -> Path:
    """Generate `axiom_client` into tools/codegen/python (replacing an older one); returns that folder."""
    shutil.rmtree(GENERATED / "axiom_client", ignore_errors=True)
    GENERATED.mkdir(exist_ok=True)
    _run(
        [str(codegen_venv() / "bin" / "ariadne-codegen"), "client", "--config", "ariadne-codegen.toml"], cwd=CODEGEN_DIR
    )
    return GENERATED


def _run(command: list[str], cwd: Path | None = None) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=900, cwd=cwd)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:3])} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
