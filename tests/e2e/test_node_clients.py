"""Real JavaScript clients against the live gateway (Node, npm packages pinned in `tests/e2e/node_clients`):
graphql-sse in single connection mode, Apollo Client's BatchHttpLink, and graphql-ws and graphql-sse with their
default retry settings meeting a refused token."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from axiom.auth import issue_token
from axiom.demo import DEMO_TENANT
from axiom.npm_packages import install_locked

CLIENTS_DIR = Path(__file__).with_name("node_clients")


@pytest.fixture(scope="module")
def node() -> str:
    """Node, with the clients' packages installed from the lockfile on first use."""
    install_locked(CLIENTS_DIR)
    node = shutil.which("node")
    assert node is not None  # install_locked needs it too
    return node


def _run(node: str, script: str, system, make_token, token: str | None = None) -> dict:
    token = token or make_token(DEMO_TENANT)
    done = subprocess.run(
        [node, str(CLIENTS_DIR / script), system["gateway"] + "/graphql", f"Bearer {token}"],
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
    assert runs[-1]["id"] == out["runId"] and runs[-1]["status"] == "SUCCEEDED" and runs[-1]["rows"] > 0


def test_apollo_batch_http_link_sends_one_batch_and_reads_every_result(node, system, make_token):
    out = _run(node, "apollo_batch.mjs", system, make_token)
    assert out["batches"] == [3]
    assert "Sales" in {cube["name"] for cube in out["cubes"]["cubes"]}
    assert out["dataSources"]["dataSources"]["totalCount"] >= 1
    assert out["missing"]["data"]["cube"] is None


def test_default_clients_learn_of_an_expired_token_at_once_with_its_reason(node, system, make_token, services_settings):
    expired = issue_token(services_settings, tenant_id=DEMO_TENANT, subject="ann", ttl_seconds=-60)
    out = _run(node, "refused_token.mjs", system, make_token, token=expired)
    ws_seconds, sse_seconds = out["ws"]["seconds"], out["sse"]["seconds"]
    print(f"refused token: graphql-ws gave up after {ws_seconds:.2f} s, graphql-sse after {sse_seconds:.2f} s")
    # One attempt each, no retries (with 4403 or a 401 both clients retry for ~30-40 s), and the reason readable.
    assert (out["ws"]["attempts"], out["ws"]["code"]) == (1, 4401)
    assert out["ws"]["reason"] == "Unauthorized: token expired"
    assert out["sse"]["requests"] == 1
    assert out["sse"]["results"] == [
        {"errors": [{"message": "token expired", "extensions": {"code": "UNAUTHENTICATED"}}]}
    ]
