"""Subscriptions through the gateway over `graphql-transport-ws`: events completed with
entity fetches, completion, errors, unsubscription, auth, keep-alive, load."""

from __future__ import annotations

import asyncio
import hashlib
import json
from contextlib import AsyncExitStack

import httpx
import pytest
import websockets
from gateway_testkit.live import WsClient, live_gateway, wait_until
from gateway_testkit.servers import (
    RunningServer,
    free_port_url,
    strawberry_app,
    supergraph_with_urls,
)
from gateway_testkit.subgraphs import reviews

from gateway.transport import HttpTransport

REVIEW_ADDED = (
    "subscription($n: Int!, $d: Float!) { reviewAdded(count: $n, delay: $d) { body product { name } author { name } } }"
)


@pytest.fixture
async def gw(shop_sdl):
    async with live_gateway(shop_sdl) as server:
        yield server


async def test_each_event_is_completed_with_entity_fetches_then_completes(gw):
    async with WsClient.connect(gw.ws_url) as client:
        await client.subscribe("1", REVIEW_ADDED, {"n": 2, "d": 0})
        messages = await client.collect("1")
    assert [m["type"] for m in messages] == ["next", "next", "complete"]
    assert messages[0]["payload"] == {
        "data": {"reviewAdded": {"body": "Sturdy", "product": {"name": "Table"}, "author": {"name": "Ada Lovelace"}}}
    }
    assert messages[1]["payload"]["data"]["reviewAdded"]["product"] == {"name": "Couch"}


async def test_subgraph_error_mid_stream_reaches_the_client_and_completes(gw):
    async with WsClient.connect(gw.ws_url) as client:
        await client.subscribe("e", "subscription { brokenFeed { body } }")
        messages = await client.collect("e")
    assert messages[0]["payload"] == {"data": {"brokenFeed": {"body": "Sturdy"}}}
    assert messages[1]["type"] == "next"
    assert messages[1]["payload"]["errors"][0]["message"] == "feed broke"
    assert messages[-1]["type"] == "complete"


async def test_invalid_subscription_is_an_error_message(gw):
    async with WsClient.connect(gw.ws_url) as client:
        await client.subscribe("bad", "subscription { nope }")
        (message,) = await client.collect("bad")
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_client_complete_unsubscribes_upstream(gw):
    async with WsClient.connect(gw.ws_url) as client:
        await client.subscribe("1", REVIEW_ADDED, {"n": 1000, "d": 0.05})
        assert (await client.receive())["type"] == "next"
        assert reviews.ACTIVE_FEEDS
        await client.send({"id": "1", "type": "complete"})
        await wait_until(lambda: not reviews.ACTIVE_FEEDS)


async def test_client_disconnect_unsubscribes_upstream(gw):
    async with WsClient.connect(gw.ws_url) as client:
        await client.subscribe("1", REVIEW_ADDED, {"n": 1000, "d": 0.05})
        assert (await client.receive())["type"] == "next"
    await wait_until(lambda: not reviews.ACTIVE_FEEDS)


async def test_subgraph_disconnect_ends_the_stream_with_an_error(shop_urls):
    lonely = await RunningServer(strawberry_app(reviews.schema)).start()
    sdl = supergraph_with_urls("shop.graphql", {**shop_urls, "reviews": lonely.url})
    async with live_gateway(sdl) as gw, WsClient.connect(gw.ws_url) as client:
        await client.subscribe("1", REVIEW_ADDED, {"n": 1000, "d": 0.05})
        assert (await client.receive())["type"] == "next"
        await lonely.stop()
        messages = await client.collect("1")
    assert messages[-2]["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_UPSTREAM_ERROR"
    assert messages[-1]["type"] == "complete"


async def test_connection_init_payload_is_authenticated_and_forwarded(shop_sdl):
    def authenticate(headers):
        return {"sub": "u1"} if headers.get("authorization") == "Bearer good" else None

    async with live_gateway(shop_sdl, authenticate=authenticate) as gw:
        async with WsClient.connect(gw.ws_url, {"Authorization": "Bearer good"}) as client:
            await client.subscribe("t", "subscription { connectionToken }")
            messages = await client.collect("t")
        assert messages[0]["payload"] == {"data": {"connectionToken": "Bearer good"}}
        async with WsClient.connect(gw.ws_url, {"Authorization": "Bearer bad"}, ack=False) as client:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await client.receive()
        # 4401, which graphql-ws clients do not retry (they retry 4403), with the reason.
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (4401, "Unauthorized: Authentication required.")


async def test_ping_is_answered_with_pong_and_the_server_pings_idle_clients(shop_sdl):
    async with live_gateway(shop_sdl, ws_keepalive=0.05) as gw, WsClient.connect(gw.ws_url) as client:
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}
        raw = await asyncio.wait_for(client.connection.recv(), 2)
        assert json.loads(raw) == {"type": "ping"}


async def test_subscribe_before_connection_init_closes_4401(gw):
    async with websockets.connect(gw.ws_url, subprotocols=["graphql-transport-ws"]) as ws:
        await ws.send('{"id":"1","type":"subscribe","payload":{"query":"subscription { connectionToken }"}}')
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd.code == 4401


async def test_many_concurrent_subscribers_each_get_their_events(gw):
    async def one(index: int) -> list[dict]:
        async with WsClient.connect(gw.ws_url) as client:
            # Distinct variables: 40 independent upstream subscriptions (identical ones share one upstream, and a
            # late joiner of a shared one sees only later events: tests/gateway/subscriptions/test_shared_*).
            await client.subscribe(str(index), REVIEW_ADDED, {"n": 3, "d": 0.01 + index / 100_000})
            return await client.collect(str(index))

    results = await asyncio.gather(*(one(i) for i in range(40)))
    assert all([m["type"] for m in r] == ["next"] * 3 + ["complete"] for r in results)
    assert {r[2]["payload"]["data"]["reviewAdded"]["body"] for r in results} == {"Wobbly"}


async def test_persisted_subscription_documents_are_found_by_hash(gw):
    query = "subscription { connectionToken }"
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": hashlib.sha256(query.encode()).hexdigest()}}
    async with WsClient.connect(gw.ws_url) as client:
        await client.send({"id": "1", "type": "subscribe", "payload": {"extensions": persisted}})
        (missing,) = await client.collect("1")
        assert missing["payload"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
        await client.send({"id": "2", "type": "subscribe", "payload": {"query": query, "extensions": persisted}})
        assert (await client.collect("2"))[-1]["type"] == "complete"
        await client.send({"id": "3", "type": "subscribe", "payload": {"extensions": persisted}})
        assert [m["type"] for m in await client.collect("3")] == ["next", "complete"]


async def test_unreachable_subgraph_ends_the_subscription_with_an_error(shop_urls):
    sdl = supergraph_with_urls("shop.graphql", {**shop_urls, "reviews": free_port_url()})
    async with live_gateway(sdl) as gw, WsClient.connect(gw.ws_url) as client:
        await client.subscribe("1", "subscription { connectionToken }")
        messages = await client.collect("1")
    assert messages[0]["payload"]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_UPSTREAM_ERROR"
    assert messages[-1]["type"] == "complete"


async def test_open_subscriptions_do_not_exhaust_the_query_connection_pool(shop_sdl):
    transport = HttpTransport(timeout=3.0, pool_size=2)
    async with (
        live_gateway(shop_sdl, transport=transport, multiplex_subscriptions=False) as gw,
        AsyncExitStack() as stack,
    ):
        for _ in range(3):  # more upstream subscriptions than the pool has connections
            client = await stack.enter_async_context(WsClient.connect(gw.ws_url))
            await client.subscribe("1", "subscription { reviewPublished { body } }")
        await wait_until(lambda: len(reviews.PUBLISHED_FEEDS) == 3)
        async with httpx.AsyncClient(timeout=5) as http:
            answer = await http.post(gw.url, json={"query": '{ product(upc: "1") { name reviews { body } } }'})
        assert answer.json()["data"]["product"]["name"] == "Table"


def test_a_long_close_reason_is_cut_to_what_a_close_frame_carries_without_splitting_a_character():
    from gateway.http.graphql_ws import close_reason

    reason = close_reason("Unauthorized: " + "é" * 100)
    assert len(reason.encode()) <= 123 and reason.startswith("Unauthorized: éé")
