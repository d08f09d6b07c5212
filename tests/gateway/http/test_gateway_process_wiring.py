"""`gateway.main.create_app`: the gateway as Axiom runs it (JWT, metrics, WebSocket auth)."""

from __future__ import annotations

import json

import httpx
from gateway_testkit.live import WsClient
from gateway_testkit.servers import RunningServer

from axiom.auth import issue_token
from axiom.settings import Settings
from gateway.main import create_app

SETTINGS = Settings(jwt_secret="gateway-test-secret-of-at-least-32-bytes")


def _app(shop_sdl: str, shop_urls: dict):
    settings = Settings(jwt_secret=SETTINGS.jwt_secret).with_subgraph_urls(
        weaver=shop_urls["products"], vision=shop_urls["reviews"]
    )
    return create_app(settings, shop_sdl)


async def test_plan_cache_metrics_are_exported(shop_sdl, shop_urls):
    app = _app(shop_sdl, shop_urls)
    token = issue_token(SETTINGS, tenant_id="acme", subject="ann")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http:
        for _ in range(2):
            response = await http.post(
                "/graphql",
                json={"query": '{ product(upc: "1") { name } }'},
                headers={"authorization": f"Bearer {token}"},
            )
            assert response.status_code == 200, response.text
        metrics = (await http.get("/metrics")).text
    assert "axiom_gateway_plan_cache_hits_total 1.0" in metrics
    assert "axiom_gateway_plan_cache_misses_total 1.0" in metrics


def _served(metrics: str, status: int) -> float:
    prefix = f'axiom_http_requests_total{{path="/graphql",service="gateway",status="{status}"}} '
    return next((float(line[len(prefix) :]) for line in metrics.splitlines() if line.startswith(prefix)), 0.0)


async def test_requests_are_counted_per_status_in_the_metrics(shop_sdl, shop_urls):
    app = _app(shop_sdl, shop_urls)
    headers = {"authorization": f"Bearer {issue_token(SETTINGS, tenant_id='acme', subject='ann')}"}
    query = {"query": '{ product(upc: "1") { name } }'}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http:
        before = (await http.get("/metrics")).text
        for _ in range(3):
            assert (await http.post("/graphql", json=query, headers=headers)).status_code == 200
        assert (await http.post("/graphql", json=query)).status_code == 401
        after = (await http.get("/metrics")).text
    assert _served(after, 200) - _served(before, 200) == 3
    assert _served(after, 401) - _served(before, 401) == 1


async def test_websocket_connection_init_is_checked_with_the_jwt(shop_sdl, shop_urls):
    server = await RunningServer(_app(shop_sdl, shop_urls)).start()
    url = server.url.replace("http://", "ws://")
    token = issue_token(SETTINGS, tenant_id="acme", subject="ann")
    try:
        async with WsClient.connect(url, {"Authorization": f"Bearer {token}"}) as client:
            await client.subscribe("1", "subscription { connectionToken }")
            messages = await client.collect("1")
        assert messages[0]["payload"]["data"]["connectionToken"] == f"Bearer {token}"
    finally:
        await server.stop()


async def test_an_sse_subscription_carries_the_token_to_the_subgraph_connection_init(shop_sdl, shop_urls):
    server = await RunningServer(_app(shop_sdl, shop_urls)).start()
    token = issue_token(SETTINGS, tenant_id="acme", subject="ann")
    headers = {"authorization": f"Bearer {token}", "accept": "text/event-stream"}
    try:
        async with (
            httpx.AsyncClient() as http,
            http.stream(
                "POST", server.url, json={"query": "subscription { connectionToken }"}, headers=headers
            ) as response,
        ):
            data = [line[5:] async for line in response.aiter_lines() if line.startswith("data:") and line[5:].strip()]
    finally:
        await server.stop()
    assert json.loads(data[0]) == {"data": {"connectionToken": f"Bearer {token}"}}
