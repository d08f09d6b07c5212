"""The request tag: every subgraph call made for one client operation carries the same fresh header value."""

from __future__ import annotations

import asyncio
import itertools

from gateway_testkit.client import GatewayClient

from gateway import create_gateway_app
from gateway.transport import HttpTransport

CROSSING = "{ topProducts(first: 2) { name reviews { body } } }"  # products, then reviews' _entities


class CountingTag:
    header = "x-test-request"

    def __init__(self):
        self._numbers = itertools.count(1)

    def new(self, headers) -> str:
        return f"op-{next(self._numbers)}"


class RecordingTransport:
    """The real transport, noting which subgraph got which tag."""

    def __init__(self):
        self.inner = HttpTransport(5, dedup_ignored_headers=(CountingTag.header,))
        self.subscriber = self.inner.subscriber
        self.calls: list[tuple[str, str | None]] = []

    async def send(self, subgraph, url, body, headers, *, deduplicate):
        self.calls.append((subgraph, headers.get(CountingTag.header)))
        return await self.inner.send(subgraph, url, body, headers, deduplicate=deduplicate)

    async def close(self):
        await self.inner.close()


async def test_calls_of_one_operation_share_a_tag_and_operations_get_their_own(shop_sdl):
    transport = RecordingTransport()
    client = GatewayClient(create_gateway_app(shop_sdl, transport=transport, request_tag=CountingTag(), batching=True))
    try:
        status, body = await client.post(CROSSING)
        assert status == 200 and "errors" not in body and body["data"]["topProducts"][0]["reviews"]
        first = list(transport.calls)
        transport.calls.clear()
        response = await client.http.post("/graphql", json=[{"query": CROSSING}, {"query": CROSSING}])
        assert response.status_code == 200 and all("errors" not in b for b in response.json())
    finally:
        await client.close()
    assert {subgraph for subgraph, _ in first} == {"products", "reviews"}
    assert {tag for _, tag in first} == {"op-1"}
    assert sorted({tag for _, tag in transport.calls}) == ["op-2", "op-3"]  # one per operation of the batch


async def test_operations_with_different_tags_still_share_one_in_flight_call(shop_sdl):
    transport = RecordingTransport()
    sent: list[dict] = []
    original = transport.inner._post

    async def counting_post(subgraph, url, payload, headers, query):
        sent.append(dict(headers))
        return await original(subgraph, url, payload, headers, query)

    transport.inner._post = counting_post
    client = GatewayClient(create_gateway_app(shop_sdl, transport=transport, request_tag=CountingTag()))
    try:
        results = await asyncio.gather(*(client.post('{ product(upc: "1") { name } }') for _ in range(5)))
    finally:
        await client.close()
    assert all(status == 200 and body["data"]["product"]["name"] for status, body in results)
    assert len({tag for _, tag in transport.calls}) == 5
    assert len(sent) < 5  # identical concurrent queries were shared despite their different tags
