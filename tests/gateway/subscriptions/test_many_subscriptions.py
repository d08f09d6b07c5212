"""Many clients subscribed at once through the gateway: each gets its own upstream subscription and every event."""

from __future__ import annotations

import asyncio

import pytest
from gateway_testkit.live import WsClient, live_gateway


def feed(index: int) -> str:
    # Distinct arguments: 150 independent upstream subscriptions (identical ones would share one upstream, and a
    # late joiner of a shared one sees only later events: tests/gateway/subscriptions/test_shared_subscriptions.py).
    return f"subscription {{ reviewAdded(count: 2, delay: {1.0 + index / 100_000}) {{ body }} }}"


@pytest.fixture
async def gw(shop_sdl):
    async with live_gateway(shop_sdl) as server:
        yield server


async def test_more_subscriptions_than_the_request_pool_all_get_their_events(gw):
    async def one(index: int) -> list[str]:
        async with WsClient.connect(gw.ws_url) as client:
            await client.subscribe("1", feed(index))
            return [m["type"] for m in await client.collect("1")]

    results = await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(150))), 60)
    assert results == [["next", "next", "complete"]] * 150
