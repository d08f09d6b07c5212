"""Scenario progress through the gateway, over SSE and WebSocket: create → run → live progress → result, each
event completed with the cube's fact table from Weaver; other tenants get NOT_FOUND."""

from __future__ import annotations

import asyncio
import json
import uuid

import httpx
import websockets

from axiom.demo import DEMO_TENANT
from tests.e2e.test_refresh_subscription import _sse_payloads
from tests.vision.scenario_inputs import CANCEL, CREATE, RUN, RUN_RESULT, pricing_input, slow_input

PROGRESS = """subscription($id: ID!) { scenarioProgress(scenarioId: $id) {
    runId status iteration objective maxConstraintViolation elapsed
    run { status isFeasible feasibilityScore levers { name value } }
    scenario { name cube { name factTable { name } } } } }"""
CASE_PROGRESS = (
    """subscription($id: ID!) { caseProgress(caseId: $id) { runId scenarioId status iteration objective } }"""
)


async def _call(gateway: httpx.AsyncClient, token: str, query: str, variables: dict) -> dict:
    response = await gateway.post(
        "/graphql", json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
    )
    return response.json()["data"]


async def _run_until(gateway, token, run_id: str, done, timeout: float = 60) -> dict:
    async with asyncio.timeout(timeout):
        while not done(run := (await _call(gateway, token, RUN_RESULT, {"id": run_id}))["scenarioRun"]):
            await asyncio.sleep(0.05)
    return run


async def _create_and_run(gateway, token, input) -> tuple[dict, str]:
    scenario = (await _call(gateway, token, CREATE, {"input": input}))["createScenario"]["scenario"]
    run = (await _call(gateway, token, RUN, {"id": scenario["id"]}))["runScenario"]["run"]
    return scenario, run["id"]


async def test_a_solve_streams_to_an_sse_subscriber_until_its_result(gateway, make_token):
    token = make_token(DEMO_TENANT)
    scenario, run_id = await _create_and_run(gateway, token, pricing_input(case=f"sse-{uuid.uuid4().hex[:8]}"))
    headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
    body = {"query": PROGRESS, "variables": {"id": scenario["id"]}}
    async with gateway.stream("POST", "/graphql", json=body, headers=headers) as response:
        events = [payload async for payload in _sse_payloads(response)]  # the stream completes with the run
    assert all("errors" not in e for e in events), events
    progress = [e["data"]["scenarioProgress"] for e in events]
    assert {p["runId"] for p in progress} == {run_id}
    assert progress[0]["status"] in ("PENDING", "RUNNING", "COMPLETED") and progress[-1]["status"] == "COMPLETED"
    final = progress[-1]
    assert final["run"]["isFeasible"] is True and final["run"]["feasibilityScore"] == 1.0
    assert final["objective"] == max(p["objective"] or 0 for p in progress)
    assert final["scenario"]["cube"] == {"name": "Sales", "factTable": {"name": "order_lines"}}  # from Weaver


async def test_a_case_streams_every_iteration_to_a_websocket_subscriber(system, gateway, make_token):
    token = make_token(DEMO_TENANT)
    scenario, run_id = await _create_and_run(gateway, token, slow_input(levers=30, case=f"ws-{uuid.uuid4().hex[:8]}"))
    url = system["gateway"].replace("http://", "ws://") + "/graphql"
    events = []
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {"query": CASE_PROGRESS, "variables": {"id": scenario["caseId"]}},
                }
            )
        )
        while True:
            message = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if message["type"] == "complete":
                break
            if message["type"] in ("ping", "pong"):
                continue
            assert message["type"] == "next", message
            events.append(message["payload"]["data"]["caseProgress"])
    assert {e["runId"] for e in events} == {run_id} and events[-1]["status"] == "COMPLETED"
    iterations = [e["iteration"] for e in events if e["status"] == "RUNNING"]
    assert len(iterations) > 5 and iterations == sorted(iterations)


async def test_another_tenant_cannot_watch_a_scenario_or_a_case(gateway, make_token):
    token = make_token(DEMO_TENANT)
    scenario, _ = await _create_and_run(gateway, token, pricing_input(case=f"iso-{uuid.uuid4().hex[:8]}"))
    headers = {"authorization": f"Bearer {make_token('someone-else')}", "accept": "text/event-stream"}
    for query, variables in [(PROGRESS, {"id": scenario["id"]}), (CASE_PROGRESS, {"id": scenario["caseId"]})]:
        async with gateway.stream(
            "POST", "/graphql", json={"query": query, "variables": variables}, headers=headers
        ) as response:
            payloads = [payload async for payload in _sse_payloads(response)]
        assert payloads[0]["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_constraints_that_cannot_hold_end_infeasible_through_the_gateway(gateway, make_token):
    token = make_token(DEMO_TENANT)
    input = pricing_input(case=f"inf-{uuid.uuid4().hex[:8]}", constraints=("Price >= 15", "Units >= 900"))
    _, run_id = await _create_and_run(gateway, token, input)
    run = await _run_until(gateway, token, run_id, lambda r: r["status"] not in ("PENDING", "RUNNING"))
    assert run["status"] == "INFEASIBLE" and run["isFeasible"] is False
    assert 0 < run["feasibilityScore"] < 1 and run["maxConstraintViolation"] > 0


async def test_a_running_solve_is_cancelled_through_the_gateway(gateway, make_token):
    token = make_token(DEMO_TENANT)
    _, run_id = await _create_and_run(gateway, token, slow_input(levers=100, case=f"cancel-{uuid.uuid4().hex[:8]}"))
    await _run_until(gateway, token, run_id, lambda r: r["status"] == "RUNNING")
    cancelled = (await _call(gateway, token, CANCEL, {"id": run_id}))["cancelScenario"]
    assert cancelled["userErrors"] == []
    run = await _run_until(gateway, token, run_id, lambda r: r["status"] not in ("PENDING", "RUNNING"), timeout=5)
    assert run["status"] == "CANCELLED" and len(run["levers"]) == 100


async def test_bad_expressions_are_user_errors_at_the_token_through_the_gateway(gateway, make_token):
    bad = pricing_input(case=f"bad-{uuid.uuid4().hex[:8]}", constraints=("Ads <= 300", "Units >= * 2"))
    bad["objective"]["expression"] = "Price * Unitz - Ads"
    created = (await _call(gateway, make_token(DEMO_TENANT), CREATE, {"input": bad}))["createScenario"]
    assert created["scenario"] is None
    assert {(e["field"], e["position"], e["code"]) for e in created["userErrors"]} == {
        ("objective.expression", 8, "BAD_USER_INPUT"),
        ("constraints[1]", 9, "BAD_USER_INPUT"),
    }
