"""`cubeRefreshes` through the gateway, over WebSocket and SSE: a dashboard watching a cube's refreshes sees the
latest run at once, then a refresh someone else starts, each event completed with Weaver's fact table."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
import websockets

from axiom.demo import DEMO_TENANT
from tests.e2e.conftest import METRICS_TOKEN

WATCH = """subscription($cube: String) { cubeRefreshes(cube: $cube) {
    id status trigger rows cube { name factTable { name columns { name } } } } }"""
REFRESH = "mutation($id: ID!) { refreshCube(id: $id) { run { id status } userErrors { code } } }"


async def _refresh_sales(gateway: httpx.AsyncClient, token: str) -> str:
    headers = {"authorization": f"Bearer {token}"}
    cube_id = (
        await gateway.post("/graphql", json={"query": '{ cube(name: "Sales") { id } }'}, headers=headers)
    ).json()["data"]["cube"]["id"]
    body = (
        await gateway.post("/graphql", json={"query": REFRESH, "variables": {"id": cube_id}}, headers=headers)
    ).json()
    assert body["data"]["refreshCube"]["userErrors"] == [], body
    return body["data"]["refreshCube"]["run"]["id"]


async def _sse_payloads(response: httpx.Response):
    """The JSON payload of each SSE event carrying data."""
    async for line in response.aiter_lines():
        if line.startswith("data:") and line[5:].strip():
            yield json.loads(line[5:])


def _ends(event: dict, run_id: str | None) -> bool:
    run = (event.get("data") or {}).get("cubeRefreshes") or {}
    return "errors" in event or (run.get("id") == run_id and run.get("status") in ("SUCCEEDED", "FAILED"))


def _check_events(events: list[dict], run_id: str) -> None:
    assert all("errors" not in e for e in events), events
    runs = [e["data"]["cubeRefreshes"] for e in events]
    latest = runs[0]
    assert latest["status"] in ("SUCCEEDED", "FAILED") and latest["id"] != run_id  # whatever ran last
    started, ended = [r for r in runs if r["id"] == run_id]  # other cubes' latest runs may come between
    assert (started["status"], started["trigger"]) == ("RUNNING", "MANUAL")
    assert (ended["id"], ended["status"]) == (run_id, "SUCCEEDED") and ended["rows"] > 0
    fact_table = ended["cube"]["factTable"]  # resolved by Weaver for each event
    assert ended["cube"]["name"] == "Sales" and fact_table["name"] == "order_lines"
    assert "amount" in {c["name"] for c in fact_table["columns"]}


async def test_a_refresh_streams_to_a_websocket_subscriber(system, gateway, make_token):
    token = make_token(DEMO_TENANT)
    url = system["gateway"].replace("http://", "ws://") + "/graphql"
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
        assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
        await ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": {"cube": "Sales"}}})
        )

        async def next_payload() -> dict:
            while True:
                message = json.loads(await asyncio.wait_for(ws.recv(), 20))
                if message["type"] == "next":
                    return message["payload"]
                assert message["type"] in ("ping", "pong"), message

        events = [await next_payload()]  # the latest run: from here on the subscription is live
        run_id = await _refresh_sales(gateway, token)
        while not _ends(events[-1], run_id):
            events.append(await next_payload())
        await ws.send(json.dumps({"id": "1", "type": "complete"}))
    _check_events(events, run_id)


@pytest.mark.parametrize("variables", [{"cube": "Sales"}, {}], ids=["one cube", "every cube of the tenant"])
async def test_a_refresh_streams_to_an_sse_subscriber(gateway, make_token, variables):
    token = make_token(DEMO_TENANT)
    headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
    body = {"query": WATCH, "variables": variables}
    events: list[dict] = []
    run_id = None
    async with gateway.stream("POST", "/graphql", json=body, headers=headers) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        async for payload in _sse_payloads(response):
            events.append(payload)
            if len(events) == 1:
                run_id = await _refresh_sales(gateway, token)
            if _ends(events[-1], run_id):
                break
    _check_events(events, run_id)


async def test_another_tenant_cannot_watch_the_cube(gateway, make_token):
    headers = {"authorization": f"Bearer {make_token('someone-else')}", "accept": "text/event-stream"}
    async with gateway.stream(
        "POST", "/graphql", json={"query": WATCH, "variables": {"cube": "Sales"}}, headers=headers
    ) as response:
        payloads = [payload async for payload in _sse_payloads(response)]
    [error] = payloads[0]["errors"]
    assert error["extensions"]["code"] == "NOT_FOUND"


async def _gauge(gateway: httpx.AsyncClient, name: str) -> float:
    text = (await gateway.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})).text
    return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))


async def _until_gauge(gateway: httpx.AsyncClient, name: str, value: float) -> None:
    for _ in range(200):
        if await _gauge(gateway, name) == value:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{name} never reached {value} (now {await _gauge(gateway, name)})")


async def _ws_watch(url: str, token: str, variables: dict):
    ws = await websockets.connect(url, subprotocols=["graphql-transport-ws"])
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
    await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": variables}}))
    return ws


async def _until_run_ends(ws, run_id: str) -> dict:
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 30))
        if message["type"] == "next" and _ends(message["payload"], run_id):
            return message["payload"]


async def test_twenty_dashboards_on_one_cube_share_one_upstream_subscription(system, gateway, make_token):
    url = system["gateway"].replace("http://", "ws://") + "/graphql"
    upstream, clients = "axiom_gateway_upstream_subscriptions", "axiom_gateway_shared_subscription_clients"
    dashboards = [
        await _ws_watch(url, make_token(DEMO_TENANT, subject=f"viewer-{i}"), {"cube": "Sales"}) for i in range(20)
    ]
    outsider = None
    try:
        await _until_gauge(gateway, clients, 20)
        assert await _gauge(gateway, upstream) == 1  # one Vision socket for the 20 viewers of one tenant
        # Another tenant's identical subscription (its own cubes) never joins theirs.
        outsider = await _ws_watch(url, make_token("someone-else"), {})
        await _until_gauge(gateway, upstream, 2)
        run_id = await _refresh_sales(gateway, make_token(DEMO_TENANT))
        ends = await asyncio.gather(*(_until_run_ends(ws, run_id) for ws in dashboards))
        for payload in ends:
            run = payload["data"]["cubeRefreshes"]
            assert (run["id"], run["status"]) == (run_id, "SUCCEEDED")
            assert run["cube"]["factTable"]["name"] == "order_lines"  # completed by Weaver, once
    finally:
        for ws in dashboards + ([outsider] if outsider else []):
            await ws.close()
    await _until_gauge(gateway, upstream, 0)
