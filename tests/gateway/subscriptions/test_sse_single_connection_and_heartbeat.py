"""GraphQL over SSE beyond one stream per operation: single connection mode (PUT reservation, GET stream, POST
operations with the token, DELETE to stop one) and heartbeats that keep an idle stream alive through proxies."""

from __future__ import annotations

import asyncio
import json

import httpx
from gateway_testkit.live import live_gateway, wait_until
from gateway_testkit.subgraphs import reviews

REVIEW_ADDED = "subscription($n: Int!, $d: Float!) { reviewAdded(count: $n, delay: $d) { body } }"
TOKEN = "x-graphql-event-stream-token"


async def _messages(response: httpx.Response):
    """(event, data) of each event; comment lines as ("comment", text)."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith(":"):
            yield "comment", line[1:].strip()
        elif line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data:") and event:
            data = line[len("data:") :].strip()
            yield event, json.loads(data) if data else None
            event = None


async def test_an_idle_stream_gets_heartbeats_between_events(shop_sdl):
    async with live_gateway(shop_sdl, sse_heartbeat=0.1) as gw, httpx.AsyncClient() as http:
        body = {"query": REVIEW_ADDED, "variables": {"n": 2, "d": 0.5}}
        async with http.stream("POST", gw.url, json=body, headers={"accept": "text/event-stream"}) as response:
            seen = [kind async for kind, _ in _messages(response)]
    between = seen[seen.index("next") + 1 : seen.index("next", seen.index("next") + 1)]
    assert between and set(between) == {"comment"}  # 0.5 s between the events, a heartbeat each 0.1 s
    assert seen[-1] == "complete"


async def test_single_connection_mode_streams_many_operations_over_one_stream(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient(timeout=10) as http:
        reserved = await http.put(gw.url)
        assert reserved.status_code == 201
        token = {TOKEN: reserved.text}
        async with http.stream("GET", gw.url, headers={**token, "accept": "text/event-stream"}) as stream:
            started = [
                await http.post(
                    gw.url,
                    headers=token,
                    json={"query": REVIEW_ADDED, "variables": {"n": 2, "d": 0}, "extensions": {"operationId": "s1"}},
                ),
                await http.post(
                    gw.url,
                    headers=token,
                    json={"query": '{ product(upc: "1") { name } }', "extensions": {"operationId": "q1"}},
                ),
            ]
            assert [r.status_code for r in started] == [202, 202]
            events = []
            async for event, data in _messages(stream):
                events.append((event, data))
                if sum(e == "complete" for e, _ in events) == 2:
                    break
    by_id = {}
    for event, data in events:
        by_id.setdefault(data["id"], []).append(data.get("payload") if event == "next" else "complete")
    assert by_id["s1"] == [
        {"data": {"reviewAdded": {"body": "Sturdy"}}},
        {"data": {"reviewAdded": {"body": "Comfy"}}},
        "complete",
    ]
    assert by_id["q1"] == [{"data": {"product": {"name": "Table"}}}, "complete"]


async def test_delete_stops_one_operation_and_its_upstream_subscription(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient(timeout=10) as http:
        token = {TOKEN: (await http.put(gw.url)).text}
        async with http.stream("GET", gw.url, headers={**token, "accept": "text/event-stream"}) as stream:
            await http.post(
                gw.url,
                headers=token,
                json={
                    "query": REVIEW_ADDED,
                    "variables": {"n": 1000, "d": 0.05},
                    "extensions": {"operationId": "feed"},
                },
            )
            async for event, _ in _messages(stream):
                if event == "next":
                    break
            assert reviews.ACTIVE_FEEDS
            stopped = await http.delete(gw.url, params={"operationId": "feed"}, headers=token)
            assert stopped.status_code == 200
            await wait_until(lambda: not reviews.ACTIVE_FEEDS)


async def test_requests_that_cannot_start_are_answered_directly(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient(timeout=10) as http:
        token = {TOKEN: (await http.put(gw.url)).text}
        invalid = await http.post(
            gw.url, headers=token, json={"query": "subscription { nope }", "extensions": {"operationId": "x"}}
        )
        assert invalid.status_code == 400
        assert invalid.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        no_id = await http.post(gw.url, headers=token, json={"query": REVIEW_ADDED})
        assert no_id.json()["errors"][0]["message"].startswith("'extensions.operationId'")
        unknown = await http.post(gw.url, headers={TOKEN: "made-up"}, json={"query": "{ __typename }"})
        assert unknown.status_code == 404
        assert unknown.json()["errors"][0]["extensions"]["code"] == "STREAM_NOT_FOUND"


async def test_a_reservation_serves_one_stream_and_only_its_owner(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient(timeout=10) as http:
        owner = {"authorization": "Bearer ann"}
        token = {TOKEN: (await http.put(gw.url, headers=owner)).text}
        sse = {**token, "accept": "text/event-stream"}
        other = await http.post(
            gw.url,
            headers={**token, "authorization": "Bearer bob"},
            json={"query": "{ __typename }", "extensions": {"operationId": "x"}},
        )
        assert other.status_code == 404
        async with http.stream("GET", gw.url, headers={**sse, **owner}) as first:
            assert first.status_code == 200
            second = await http.get(gw.url, headers={**sse, **owner})
            assert second.status_code == 409
        await asyncio.sleep(0.1)
        # The stream closed: the reservation is gone with it.
        again = await http.get(gw.url, headers={**sse, **owner})
        assert again.status_code == 404
