"""The gateway's rate limit: per tenant and client operation (weighted by cost), on every entry point.

In-flight deduplication lets identical concurrent operations share one subgraph call; before this limit,
3,000 such operations passed a subgraph's 600/min limit in 17 s.
"""

from __future__ import annotations

import asyncio
import json

import httpx
from gateway_testkit.live import WsClient
from gateway_testkit.servers import RunningServer

from axiom.auth import issue_token
from axiom.settings import Settings
from gateway.main import create_app

SECRET = "gateway-test-secret-of-at-least-32-bytes"
QUERY = {"query": '{ product(upc: "1") { name } }'}


def _settings(shop_urls: dict, **changes) -> Settings:
    settings = Settings(jwt_secret=SECRET, **changes)
    return settings.with_subgraph_urls(weaver=shop_urls["products"], vision=shop_urls["reviews"])


def _headers(settings: Settings, tenant: str) -> dict:
    return {"authorization": f"Bearer {issue_token(settings, tenant_id=tenant, subject='ann')}"}


async def test_identical_concurrent_operations_each_count(shop_sdl, shop_urls):
    settings = _settings(shop_urls, rate_limit_per_minute=5)
    app = create_app(settings, shop_sdl)
    headers = _headers(settings, "acme")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app), base_url="http://gw") as http:
        responses = await asyncio.gather(*(http.post("/graphql", json=QUERY, headers=headers) for _ in range(20)))
        other = await http.post("/graphql", json=QUERY, headers=_headers(settings, "globex"))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] * 5 + [429] * 15
    refused = next(r for r in responses if r.status_code == 429)
    error = refused.json()["errors"][0]
    assert error["extensions"]["code"] == "RATE_LIMITED"
    assert int(refused.headers["retry-after"]) == error["extensions"]["retryAfter"] >= 1
    assert other.status_code == 200  # per tenant


async def test_costly_operations_weigh_more(shop_sdl, shop_urls):
    settings = _settings(shop_urls, rate_limit_per_minute=5, rate_limit_cost_unit=10)
    app = create_app(settings, shop_sdl)
    costly = {"query": "{ topProducts(first: 30) { name } }"}  # cost 30: counts 1 + 30 // 10 = 4
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app), base_url="http://gw", headers=_headers(settings, "acme")
    ) as http:
        first = await http.post("/graphql", json=costly)
        second = await http.post("/graphql", json=costly)
        cheap = await http.post("/graphql", json=QUERY)
    assert first.status_code == 200 and second.status_code == 429
    assert cheap.status_code == 200  # 4 + 1 = 5


async def test_subscriptions_over_sse_and_websocket_count(shop_sdl, shop_urls):
    settings = _settings(shop_urls, rate_limit_per_minute=1)
    server = await RunningServer(create_app(settings, shop_sdl)).start()
    headers = _headers(settings, "acme")
    subscription = "subscription { reviewAdded(count: 1, delay: 0) { body } }"
    try:
        async with httpx.AsyncClient() as http:
            assert (await http.post(server.url, json=QUERY, headers=headers)).status_code == 200
            sse = await http.post(
                server.url, json={"query": subscription}, headers={**headers, "accept": "text/event-stream"}
            )
        async with WsClient.connect(server.url.replace("http://", "ws://"), headers) as client:
            await client.subscribe("1", subscription)
            (message,) = await client.collect("1")
    finally:
        await server.stop()
    assert sse.status_code == 429 and "retry-after" in sse.headers
    assert json.loads(sse.text)["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert message["type"] == "error" and message["payload"][0]["extensions"]["code"] == "RATE_LIMITED"
