"""Real JavaScript clients against the live gateway (Node, npm packages pinned in `tests/e2e/node_clients`):
graphql-sse in single connection mode, and Apollo Client's BatchHttpLink."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from axiom.demo import DEMO_TENANT

CLIENTS_DIR = Path(__file__).with_name("node_clients")


@pytest.fixture(scope="module")
def node() -> str:
    """Node, with the clients' packages installed from the lockfile on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        raise RuntimeError("Node 20+ with npm is needed to run the JavaScript clients")
    if not (CLIENTS_DIR / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=CLIENTS_DIR, check=True)
    return node


def _run(node: str, script: str, system, make_token) -> dict:
    done = subprocess.run(
        [node, str(CLIENTS_DIR / script), system["gateway"] + "/graphql", f"Bearer {make_token(DEMO_TENANT)}"],
        capture_output=True,
        text=True,
        timeout=90,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_graphql_sse_single_connection_runs_query_mutation_and_subscription(node, system, make_token):
    out = _run(node, "sse_single_connection.mjs", system, make_token)
    assert out["cube"]["data"]["cube"]["name"] == "Sales"
    # One reservation, one stream; every operation a POST on it (and a DELETE when the client stops one).
    assert out["methods"].count("PUT") == 1 and out["methods"].count("GET") == 1
    assert set(out["methods"]) <= {"PUT", "GET", "POST", "DELETE"} and out["methods"].count("POST") >= 3
    runs = [event["data"]["cubeRefreshes"] for event in out["events"]]
    assert len(runs) >= 2 and runs[0]["id"] != out["runId"]
    assert runs[-1]["id"] == out["runId"] and runs[-1]["status"] == "succeeded" and runs[-1]["rows"] > 0


def test_apollo_batch_http_link_sends_one_batch_and_reads_every_result(node, system, make_token):
    out = _run(node, "apollo_batch.mjs", system, make_token)
    assert out["batches"] == [3]
    assert "Sales" in {cube["name"] for cube in out["cubes"]["cubes"]}
    assert out["dataSources"]["dataSources"]["totalCount"] >= 1
    assert out["missing"]["data"]["cube"] is None
