"""Identical concurrent subgraph queries share one upstream request."""

from __future__ import annotations

import asyncio

from gateway_testkit.servers import RunningServer

from gateway.transport import HttpTransport, InflightDeduplicator


async def test_concurrent_calls_with_the_same_key_run_once():
    dedup = InflightDeduplicator()
    runs = 0

    async def call():
        nonlocal runs
        runs += 1
        await asyncio.sleep(0.05)
        return "result"

    results = await asyncio.gather(*(dedup.run("k", call) for _ in range(5)))
    assert results == ["result"] * 5 and runs == 1
    await dedup.run("k", call)
    assert runs == 2  # only in-flight calls are shared


def _counting_app(hits: list):
    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        hits.append(1)
        await asyncio.sleep(0.05)
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": b'{"data":{"a":1}}'})

    return app


async def test_queries_are_deduplicated_but_mutations_are_not():
    hits: list = []
    server = await RunningServer(_counting_app(hits)).start()
    transport = HttpTransport(timeout=2)
    body = {"query": "{a}", "variables": {}}
    try:
        same = await asyncio.gather(*(transport.send("s", server.url, body, {}, deduplicate=True) for _ in range(4)))
        assert len(hits) == 1 and same[0] == {"data": {"a": 1}}
        same[0]["data"]["a"] = 2  # each caller owns its copy
        assert same[1] == {"data": {"a": 1}}
        await asyncio.gather(*(transport.send("s", server.url, body, {}, deduplicate=False) for _ in range(3)))
        assert len(hits) == 4
    finally:
        await transport.close()
        await server.stop()


async def test_a_shared_call_serves_the_callers_left_when_one_is_cancelled_and_stops_with_the_last():
    dedup = InflightDeduplicator()
    runs, cancelled = [], asyncio.Event()

    async def call():
        runs.append(1)
        try:
            await asyncio.sleep(0.2)
            return "result"
        except asyncio.CancelledError:
            cancelled.set()
            raise

    # The second caller is cancelled: the first still gets the one call's result.
    first = asyncio.ensure_future(dedup.run("k", call))
    second = asyncio.ensure_future(dedup.run("k", call))
    await asyncio.sleep(0.05)
    second.cancel()
    assert await first == "result" and len(runs) == 1 and not cancelled.is_set()

    # The first caller (running the call) is cancelled: the call stops, and the second runs it again.
    runs.clear()
    first = asyncio.ensure_future(dedup.run("k", call))
    second = asyncio.ensure_future(dedup.run("k", call))
    await asyncio.sleep(0.05)
    first.cancel()
    assert await second == "result" and len(runs) == 2 and cancelled.is_set()

    # A lone caller cancelled: nobody waits, the call stops.
    cancelled.clear()
    lone = asyncio.ensure_future(dedup.run("k2", call))
    await asyncio.sleep(0.05)
    lone.cancel()
    await asyncio.wait_for(cancelled.wait(), 1)


async def test_a_failed_shared_call_fails_every_caller_once():
    dedup = InflightDeduplicator()
    runs = []

    async def call():
        runs.append(1)
        await asyncio.sleep(0.05)
        raise ConnectionError("down")

    results = await asyncio.gather(*(dedup.run("k", call) for _ in range(3)), return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results) and len(runs) == 1
