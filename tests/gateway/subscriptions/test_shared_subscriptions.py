"""Identical subscriptions (document, variables, authorization scope) share one upstream
subscription, whatever the client transport; events fan out in the gateway; the
upstream closes with the last client; different tenants never share."""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

import httpx
import pytest
from gateway_testkit.live import WsClient, live_gateway, wait_until
from gateway_testkit.subgraphs import reviews

PUBLISHED = "subscription { reviewPublished { body product { name } } }"
SSE = {"accept": "text/event-stream"}
STREAM_TOKEN = "x-graphql-event-stream-token"


def _tenant_scope(headers):
    """Tokens here are `Bearer <tenant>:<user>`; like Axiom's, answers depend on the tenant."""
    token = headers.get("authorization", "")
    return token.removeprefix("Bearer ").split(":")[0] or None


@pytest.fixture(autouse=True)
def _no_feeds_left():
    yield
    assert not reviews.PUBLISHED_FEEDS


async def _ws_subscriber(stack: AsyncExitStack, gw, token: str | None = None) -> WsClient:
    payload = {"Authorization": token} if token else None
    client = await stack.enter_async_context(WsClient.connect(gw.ws_url, payload))
    await client.subscribe("1", PUBLISHED)
    return client


async def _next_body(client: WsClient) -> str:
    message = await client.receive()
    assert message["type"] == "next", message
    return message["payload"]["data"]["reviewPublished"]["body"]


async def _sse_events(response: httpx.Response):
    """The data of each `next` event (single connection mode: the payload)."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data:") and event == "next":
            data = json.loads(line[len("data:") :])
            yield data.get("payload", data)


def _hub(gw):
    return gw.app.state.gateway.shared_subscriptions


@pytest.fixture
async def gw(shop_sdl):
    async with live_gateway(shop_sdl) as server:
        yield server


async def test_identical_subscriptions_share_one_upstream_and_every_client_gets_each_event(gw):
    async with AsyncExitStack() as stack:
        clients = [await _ws_subscriber(stack, gw, "Bearer t1:ada") for _ in range(5)]
        await wait_until(lambda: _hub(gw).subscribers == 5 and len(reviews.PUBLISHED_FEEDS) == 1)
        reviews.publish("r1")
        reviews.publish("r2")
        for client in clients:
            assert [await _next_body(client), await _next_body(client)] == ["Sturdy", "Comfy"]
        assert len(reviews.PUBLISHED_FEEDS) == 1
        assert gw.app.state.gateway.transport.subscriber.open == 1


async def test_the_upstream_closes_when_the_last_client_leaves(gw):
    async with WsClient.connect(gw.ws_url) as first, WsClient.connect(gw.ws_url) as second:
        await first.subscribe("1", PUBLISHED)
        await second.subscribe("1", PUBLISHED)
        await wait_until(lambda: _hub(gw).subscribers == 2 and reviews.PUBLISHED_FEEDS)
        await first.send({"id": "1", "type": "complete"})
        await wait_until(lambda: _hub(gw).subscribers == 1)
        reviews.publish("r3")
        assert await _next_body(second) == "Wobbly"  # the shared upstream still serves the other
        assert len(reviews.PUBLISHED_FEEDS) == 1
    await wait_until(lambda: not reviews.PUBLISHED_FEEDS)
    assert _hub(gw).streams == 0 and gw.app.state.gateway.transport.subscriber.open == 0


async def test_two_tenants_never_share_an_upstream_subscription(shop_sdl):
    async with live_gateway(shop_sdl, subscription_scope=_tenant_scope) as gw, AsyncExitStack() as stack:
        tenant_a = [await _ws_subscriber(stack, gw, f"Bearer a:{user}") for user in ("ada", "alan")]
        tenant_b = await _ws_subscriber(stack, gw, "Bearer b:grace")
        await wait_until(lambda: _hub(gw).subscribers == 3 and len(reviews.PUBLISHED_FEEDS) == 2)
        # One upstream per tenant, each opened with that tenant's own token.
        tokens = sorted(reviews.published_feed_tokens())
        assert tokens[0] in ("Bearer a:ada", "Bearer a:alan") and tokens[1] == "Bearer b:grace"
        reviews.publish("r1")
        for client in [*tenant_a, tenant_b]:
            assert await _next_body(client) == "Sturdy"


async def test_different_tokens_do_not_share_without_a_scope_that_says_they_may(gw):
    async with AsyncExitStack() as stack:
        await _ws_subscriber(stack, gw, "Bearer a:ada")
        await _ws_subscriber(stack, gw, "Bearer a:alan")
        await wait_until(lambda: len(reviews.PUBLISHED_FEEDS) == 2)


async def test_websocket_and_both_sse_modes_share_one_upstream(gw):
    auth = {"authorization": "Bearer t1:ada"}
    async with AsyncExitStack() as stack:
        ws = await _ws_subscriber(stack, gw, auth["authorization"])
        http = await stack.enter_async_context(httpx.AsyncClient(timeout=10))
        distinct = await stack.enter_async_context(
            http.stream("POST", gw.url, json={"query": PUBLISHED}, headers={**auth, **SSE})
        )
        reservation = (await http.put(gw.url, headers=auth)).text
        single = await stack.enter_async_context(
            http.stream("GET", gw.url, headers={**auth, **SSE, STREAM_TOKEN: reservation})
        )
        started = await http.post(
            gw.url,
            headers={**auth, STREAM_TOKEN: reservation},
            json={"query": PUBLISHED, "extensions": {"operationId": "op"}},
        )
        assert started.status_code == 202
        await wait_until(lambda: _hub(gw).subscribers == 3)
        assert len(reviews.PUBLISHED_FEEDS) == 1
        reviews.publish("r2")
        assert await _next_body(ws) == "Comfy"
        for stream in (distinct, single):
            event = await asyncio.wait_for(anext(_sse_events(stream)), 5)
            assert event["data"]["reviewPublished"]["body"] == "Comfy"


async def test_a_late_joiner_gets_the_events_published_after_it_joined(gw):
    async with AsyncExitStack() as stack:
        early = await _ws_subscriber(stack, gw)
        await wait_until(lambda: reviews.PUBLISHED_FEEDS)
        reviews.publish("r1")
        assert await _next_body(early) == "Sturdy"
        late = await _ws_subscriber(stack, gw)
        await wait_until(lambda: _hub(gw).subscribers == 2)
        reviews.publish("r2")
        assert await _next_body(early) == "Comfy"
        assert await _next_body(late) == "Comfy"  # not "Sturdy": that was before it joined
        assert len(reviews.PUBLISHED_FEEDS) == 1


async def test_with_multiplexing_off_each_subscription_has_its_own_upstream(shop_sdl):
    async with live_gateway(shop_sdl, multiplex_subscriptions=False) as gw, AsyncExitStack() as stack:
        clients = [await _ws_subscriber(stack, gw) for _ in range(3)]
        await wait_until(lambda: len(reviews.PUBLISHED_FEEDS) == 3)
        reviews.publish("r1")
        for client in clients:
            assert await _next_body(client) == "Sturdy"
