"""Open subscriptions hold a connection each; they must not be limited by (or starve) the request pool."""

from __future__ import annotations

import asyncio

from gateway_testkit.servers import RunningServer, strawberry_app
from gateway_testkit.subgraphs import reviews

from gateway.transport import HttpTransport

FEED = {"query": "subscription { reviewAdded(count: 2, delay: 0.5) { body } }", "variables": {}}


async def test_more_subscriptions_than_the_request_pool_all_open_and_queries_still_run():
    server = await RunningServer(strawberry_app(reviews.schema)).start()
    transport = HttpTransport(timeout=2, pool_size=2)

    async def events() -> int:
        return len([event async for event in transport.subscriber.subscribe(server.url, FEED, {})])

    try:
        feeds = [asyncio.create_task(events()) for _ in range(5)]
        await asyncio.sleep(0.2)  # all five open and holding their connections
        answer = await transport.send(
            "reviews", server.url, {"query": "{ __typename }", "variables": {}}, {}, deduplicate=False
        )
        assert answer == {"data": {"__typename": "Query"}}
        assert await asyncio.gather(*feeds) == [2] * 5
    finally:
        await transport.close()
        await server.stop()
