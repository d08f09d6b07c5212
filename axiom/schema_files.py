"""`schema/`: each subgraph's SDL (printed from the Strawberry code), the composed supergraph, and the client
API schema that the gateway serves. `axiom schema` regenerates them; a test fails when they drift from the code.

Composition uses The Guild's federation-composition (npm) through `tools/compose/compose.mjs`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from graphql import print_schema

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
COMPOSE_DIR = ROOT / "tools" / "compose"
SUBGRAPHS = {
    # name → (module with `schema`, URL written into the supergraph; the gateway's settings override it)
    "weaver": ("subgraphs.weaver.schema", "http://127.0.0.1:8001/graphql"),
    "vision": ("subgraphs.vision.schema", "http://127.0.0.1:8400/graphql"),
}


class CompositionError(RuntimeError):
    pass


def subgraph_sdl(name: str) -> str:
    import importlib

    module = importlib.import_module(SUBGRAPHS[name][0])
    sdl: str = module.schema.as_str()
    return sdl.strip() + "\n"


def ensure_composer() -> None:
    """Install the composer's npm packages on first use (lockfile-pinned)."""
    if (COMPOSE_DIR / "node_modules" / "@theguild" / "federation-composition").exists():
        return
    npm = shutil.which("npm")
    if not npm:
        raise CompositionError("npm is required to compose the supergraph (Node 20+)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=COMPOSE_DIR, check=True)


def compose(subgraph_sdls: dict[str, str]) -> str:
    ensure_composer()
    payload = [{"name": name, "url": SUBGRAPHS[name][1], "sdl": sdl} for name, sdl in subgraph_sdls.items()]
    result = subprocess.run(
        ["node", str(COMPOSE_DIR / "compose.mjs")], input=json.dumps(payload), text=True, capture_output=True
    )
    if result.returncode != 0:
        raise CompositionError(f"composition failed:\n{result.stderr}")
    return result.stdout.strip() + "\n"


def api_sdl(supergraph_sdl: str) -> str:
    from gateway.api_schema import build_api_schema

    return print_schema(build_api_schema(supergraph_sdl)).strip() + "\n"


def expected_files() -> dict[Path, str]:
    sdls = {name: subgraph_sdl(name) for name in SUBGRAPHS}
    supergraph = compose(sdls)
    files = {SCHEMA_DIR / f"{name}.graphql": sdl for name, sdl in sdls.items()}
    files[SCHEMA_DIR / "supergraph.graphql"] = supergraph
    files[SCHEMA_DIR / "api.graphql"] = api_sdl(supergraph)
    return files


def write_schema_files() -> list[Path]:
    SCHEMA_DIR.mkdir(exist_ok=True)
    files = expected_files()
    for path, text in files.items():
        path.write_text(text)
    return list(files)


def check_schema_files() -> list[str]:
    """Lines describing each file under schema/ that differs from what the code produces."""
    drift = []
    for path, text in expected_files().items():
        current = path.read_text() if path.exists() else None
        if current != text:
            drift.append(f"{path.relative_to(ROOT)} is out of date: run `uv run axiom schema`")
    return drift
