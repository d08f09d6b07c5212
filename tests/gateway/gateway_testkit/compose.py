"""Regenerates the composed supergraph fixtures from the test subgraphs.

Run `uv run python tests/gateway/gateway_testkit/compose.py` after changing a test
subgraph (needs Node and `npm install` in tools/compose). Tests only read the output,
so they need neither Node nor npm.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway_testkit.subgraphs import (
    accounts,
    directory,
    inventory,
    ledger,
    products,
    reviews,
)

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = Path(__file__).parent / "fixtures"
SUBGRAPHS = {"products": products, "reviews": reviews, "accounts": accounts, "inventory": inventory}
# Federation features beyond the shop: @interfaceObject, @requires with arguments,
# progressive @override, sibling fields typed differently per subgraph.
DIRECTORY = {"directory": directory, "ledger": ledger}


def placeholder_url(name: str) -> str:
    """URL written in the fixture; tests substitute the real port."""
    return f"http://{name}.subgraph.invalid/graphql"


def subgraph_sdl(module) -> str:
    result = module.schema.execute_sync("{ _service { sdl } }")
    assert result.errors is None, result.errors
    return result.data["_service"]["sdl"]


def compose(subgraphs: dict) -> str:
    payload = [
        {"name": name, "url": placeholder_url(name), "sdl": subgraph_sdl(module)} for name, module in subgraphs.items()
    ]
    return compose_payload(payload)


def compose_payload(payload: list[dict]) -> str:
    """Compose [{name, url, sdl}] with tools/compose."""
    done = subprocess.run(
        ["node", str(ROOT / "tools/compose/compose.mjs")],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise SystemExit(f"composition failed:\n{done.stderr}")
    return done.stdout


if __name__ == "__main__":
    (FIXTURES / "shop.graphql").write_text(compose(SUBGRAPHS))
    (FIXTURES / "directory.graphql").write_text(compose(DIRECTORY))
    planner = json.loads((FIXTURES / "planner_subgraphs.json").read_text())
    (FIXTURES / "planner.graphql").write_text(compose_payload(planner))
