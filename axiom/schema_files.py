"""`schema/`: each subgraph's SDL (printed from the Strawberry code), the composed supergraph, and the client
API schema that the gateway serves. `axiom schema` regenerates them; a test fails when they drift from the code.

Composition uses The Guild's federation-composition (npm) through `tools/compose/compose.mjs`.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterable
from pathlib import Path

from graphql import ObjectTypeDefinitionNode, parse, print_schema

from axiom.npm_packages import NpmInstallError, install_locked
from subgraphs.registry import SUBGRAPHS, SubgraphSpec

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schema"
COMPOSE_DIR = ROOT / "tools" / "compose"


class CompositionError(RuntimeError):
    pass


def subgraph_sdl(spec: SubgraphSpec) -> str:
    return spec.load_schema().as_str().strip() + "\n"


def ensure_composer() -> None:
    """Install the composer's npm packages (lockfile-pinned) unless they are."""
    try:
        install_locked(COMPOSE_DIR)
    except NpmInstallError as exc:
        raise CompositionError(str(exc)) from exc


def compose(subgraph_sdls: dict[SubgraphSpec, str]) -> str:
    """The supergraph of these subgraphs (each with its registry URL; the gateway's settings override them)."""
    ensure_composer()
    payload = [{"name": spec.name, "url": spec.default_url, "sdl": sdl} for spec, sdl in subgraph_sdls.items()]
    result = subprocess.run(
        ["node", str(COMPOSE_DIR / "compose.mjs")], input=json.dumps(payload), text=True, capture_output=True
    )
    if result.returncode != 0:
        raise CompositionError(f"composition failed:\n{result.stderr}")
    return describe_root_types(result.stdout.strip() + "\n", subgraph_sdls.values())


ROOT_TYPES = ("Query", "Mutation", "Subscription")


def describe_root_types(supergraph_sdl: str, subgraph_sdls: Iterable[str]) -> str:
    """The supergraph with each root type described by all its subgraphs' descriptions, one paragraph each.

    Composition keeps one subgraph's description of a type, which for a root type tells a client about only part
    of what it holds.
    """
    for root in ROOT_TYPES:
        paragraphs = [text for sdl in subgraph_sdls if (text := _type_description(sdl, root))]
        if not paragraphs:
            continue
        block = '"""\n' + "\n\n".join(paragraphs).replace('"""', '\\"""') + '\n"""\n'

        def described(match: re.Match[str], block: str = block) -> str:
            return block + match.group(1)

        supergraph_sdl, count = re.subn(
            rf'^(?:"""\n(?:(?!""").*\n)*?"""\n)?(type {root} @)',
            described,
            supergraph_sdl,
            flags=re.M,
        )
        if count != 1:
            raise CompositionError(f"the supergraph has {count} definitions of {root}")
    return supergraph_sdl


def _type_description(sdl: str, name: str) -> str | None:
    for definition in parse(sdl).definitions:
        if isinstance(definition, ObjectTypeDefinitionNode) and definition.name.value == name:
            return definition.description.value.strip() if definition.description else None
    return None


def api_sdl(supergraph_sdl: str) -> str:
    from gateway.api_schema import build_api_schema

    return print_schema(build_api_schema(supergraph_sdl)).strip() + "\n"


def expected_files(subgraphs: tuple[SubgraphSpec, ...] = SUBGRAPHS) -> dict[Path, str]:
    sdls = {spec: subgraph_sdl(spec) for spec in subgraphs}
    supergraph = compose(sdls)
    files = {SCHEMA_DIR / spec.sdl_file: sdl for spec, sdl in sdls.items()}
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
