"""Causal links through the Vision API: discovery runs as a job on the cube's monthly series, users assert or
reject links, scenarios use only the usable ones, and a refresh rediscovers them."""

from __future__ import annotations

import pytest

from tests.vision.conftest import wait_until
from tests.vision.scenario_inputs import CREATE, RUN, RUN_RESULT

LINKS = """query($cube: String!) { causalLinks(cube: $cube, includeUnused: true) {
    driver outcome cubeVersion lag coefficient pValue confidence discoveredConfidence verdict usedByScenarios
    discoveredAt } }"""
DISCOVER = "mutation($cube: String!) { discoverCausalLinks(cube: $cube) { queued userErrors { code message } } }"
DECIDE = """mutation($input: CausalVerdictInput!) { decideCausalLink(input: $input) {
    link { driver outcome coefficient confidence verdict usedByScenarios } userErrors { field code message } } }"""


def _causal_scenario(name: str) -> dict:
    return {
        "cube": "Sales",
        "case": "Causal",
        "name": name,
        "levers": [{"name": "Quantity", "base": 1000, "min": 800, "max": 1500}],
        "objective": {"sense": "MAXIMIZE", "expression": "Amount - 50 * Quantity"},
        "constraints": ["Quantity <= 1200"],
        "outcomeModel": {"source": "CAUSAL_LINKS"},
    }


async def _discovered(graphql, tenant):
    async def check():
        links = (await graphql(LINKS, {"cube": "Sales"}, tenant=tenant))["data"]["causalLinks"]
        return links if links and all(link["discoveredAt"] for link in links) else None

    return await wait_until(check, timeout=60)


async def test_discovery_runs_as_a_job_and_marks_the_links_scenarios_may_use(graphql, demo_cubes, tenant_id, worker):
    queued = (await graphql(DISCOVER, {"cube": "Sales"}, tenant=tenant_id))["data"]["discoverCausalLinks"]
    assert queued == {"queued": True, "userErrors": []}
    links = await _discovered(graphql, tenant_id)
    measures = {"Amount", "Quantity", "Order Count", "Avg Amount", "Avg Order Value"}
    assert {(link["driver"], link["outcome"]) for link in links} <= {
        (a, b) for a in measures for b in measures if a != b
    }
    for link in links:
        assert 0 <= link["confidence"] <= 1 and link["lag"] >= 1 and link["cubeVersion"] == 1
        assert link["usedByScenarios"] == (link["confidence"] >= 0.70)
    other = await graphql(LINKS, {"cube": "Sales"}, tenant=tenant_id + "-other")
    assert other["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_an_asserted_link_drives_a_scenario_and_a_rejected_one_does_not(graphql, demo_cubes, tenant_id, worker):
    asserted = (
        await graphql(
            DECIDE,
            {
                "input": {
                    "cube": "Sales",
                    "driver": "Quantity",
                    "outcome": "Amount",
                    "verdict": "ASSERTED",
                    "confidence": 0.9,
                    "coefficient": 0.8,
                    "outcomeBase": 100000,
                }
            },
            tenant=tenant_id,
        )
    )["data"]["decideCausalLink"]
    assert asserted["link"] == {
        "driver": "Quantity",
        "outcome": "Amount",
        "coefficient": 0.8,
        "confidence": 0.9,
        "verdict": "ASSERTED",
        "usedByScenarios": True,
    }
    created = (await graphql(CREATE, {"input": _causal_scenario("from links")}, tenant=tenant_id))["data"][
        "createScenario"
    ]
    assert created["userErrors"] == [] and created["scenario"]["outcomes"] == [{"name": "Amount", "form": "ELASTICITY"}]
    assert created["scenario"]["levers"] == [{"name": "Quantity", "isMeasure": True}]
    run_id = (await graphql(RUN, {"id": created["scenario"]["id"]}, tenant=tenant_id))["data"]["runScenario"]["run"][
        "id"
    ]

    async def finished():
        run = (await graphql(RUN_RESULT, {"id": run_id}, tenant=tenant_id))["data"]["scenarioRun"]
        return run if run["status"] not in ("PENDING", "RUNNING") else None

    run = await wait_until(finished)
    assert run["status"] == "COMPLETED" and run["isFeasible"]
    # Amount = 100000 (q / 1000)^0.8; the marginal 80 (q/1000)^-0.2 meets the cost 50 at q ≈ 10.5k: the bound holds.
    assert run["levers"] == [{"name": "Quantity", "value": pytest.approx(1200.0)}]

    rejected = (
        await graphql(
            DECIDE,
            {"input": {"cube": "Sales", "driver": "Quantity", "outcome": "Amount", "verdict": "REJECTED"}},
            tenant=tenant_id,
        )
    )["data"]["decideCausalLink"]
    assert rejected["link"]["usedByScenarios"] is False and rejected["link"]["confidence"] == 0
    refused = await graphql(CREATE, {"input": _causal_scenario("after rejection")}, tenant=tenant_id)
    [error] = refused["data"]["createScenario"]["userErrors"]
    assert error["field"] == "outcomeModel" and "no usable causal link" in error["message"]


async def test_a_verdict_on_an_unknown_measure_is_a_user_error(graphql, demo_cubes, tenant_id):
    body = await graphql(
        DECIDE,
        {"input": {"cube": "Sales", "driver": "Nope", "outcome": "Amount", "verdict": "ASSERTED", "confidence": 2}},
        tenant=tenant_id,
    )
    errors = body["data"]["decideCausalLink"]["userErrors"]
    assert {(e["field"], e["code"]) for e in errors} == {("driver", "BAD_USER_INPUT"), ("confidence", "BAD_USER_INPUT")}


async def test_a_refresh_rediscovers_the_links(graphql, demo_cubes, tenant_id, worker):
    [cube] = demo_cubes
    await graphql(DISCOVER, {"cube": "Sales"}, tenant=tenant_id)
    first = {link["discoveredAt"] for link in await _discovered(graphql, tenant_id)}
    await graphql("mutation($id: ID!) { refreshCube(id: $id) { run { id } } }", {"id": cube.id}, tenant=tenant_id)

    async def rediscovered():
        links = (await graphql(LINKS, {"cube": "Sales"}, tenant=tenant_id))["data"]["causalLinks"]
        return {link["discoveredAt"] for link in links}.isdisjoint(first) and links

    assert await wait_until(rediscovered, timeout=60)
