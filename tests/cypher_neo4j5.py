"""Every Cypher statement Weaver sends during the test run, checked with Neo4j 5's own parser and semantic
analysis (npm `@neo4j-cypher/language-support`, run by `tools/cypher-lint`).

The tests run the statements on ArcadeDB; this check is what stands in for a Neo4j 5 server, which cannot be
had on these machines. It catches syntax Neo4j does not parse, functions Neo4j 5 lacks, undeclared parameters
and deprecated features. It cannot catch a difference in what a valid statement returns.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from axiom.npm_packages import install_locked
from subgraphs.weaver.store.graph_client import GraphClient, GraphTransaction

LINT_DIR = Path(__file__).resolve().parents[1] / "tools" / "cypher-lint"

# cypher text -> names of the parameters it was sent with
recorded: dict[str, set[str]] = {}


def _note(cypher: str, params: dict[str, Any]) -> None:
    recorded.setdefault(cypher, set()).update(params)


def record_cypher(monkeypatch: pytest.MonkeyPatch) -> None:
    """Note each statement at the one door to the Bolt server (GraphClient), then send it on."""
    read, read_values = GraphClient.read, GraphClient.read_values
    run_schema, run_in_tx = GraphClient.run_schema, GraphTransaction.run

    async def recording_read(self, cypher: str, **params: Any):
        _note(cypher, params)
        return await read(self, cypher, **params)

    async def recording_read_values(self, cypher: str, **params: Any):
        _note(cypher, params)
        return await read_values(self, cypher, **params)

    async def recording_run_schema(self, cypher: str):
        _note(cypher, {})
        return await run_schema(self, cypher)

    async def recording_run(self, cypher: str, **params: Any):
        _note(cypher, params)
        return await run_in_tx(self, cypher, **params)

    monkeypatch.setattr(GraphClient, "read", recording_read)
    monkeypatch.setattr(GraphClient, "read_values", recording_read_values)
    monkeypatch.setattr(GraphClient, "run_schema", recording_run_schema)
    monkeypatch.setattr(GraphTransaction, "run", recording_run)


def lint(statements: dict[str, set[str]]) -> list[dict]:
    """Problems per statement: [{cypher, problems: [{severity, message}]}], for statements that have any.

    A parameter a statement uses but was not sent is a problem too (Neo4j refuses such a statement)."""
    install_locked(LINT_DIR)
    node = shutil.which("node")
    assert node is not None  # install_locked needs it too
    request = [{"cypher": cypher, "parameters": sorted(names)} for cypher, names in sorted(statements.items())]
    answer = subprocess.run(
        [node, "lint.cjs"],
        cwd=LINT_DIR,
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    return [result for result in json.loads(answer.stdout) if result["problems"]]
