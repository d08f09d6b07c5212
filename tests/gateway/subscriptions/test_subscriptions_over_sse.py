"""Subscriptions through the gateway over GraphQL over SSE (distinct connections)."""

from __future__ import annotations

import json

import httpx
from gateway_testkit.live import live_gateway, wait_until
from gateway_testkit.subgraphs import reviews

REVIEW_ADDED = "subscription($n: Int!, $d: Float!) { reviewAdded(count: $n, delay: $d) { body product { name } } }"
SSE = {"accept": "text/event-stream"}


async def _events(response: httpx.Response):
    """Parsed (event, data) pairs of a streaming response."""
    event = None
    async for line in response.aiter_lines():
        if line.startswith("event: "):
            event = line[len("event: ") :]
        elif line.startswith("data:"):
            data = line[len("data:") :].strip()
            yield event, json.loads(data) if data else None


async def test_events_stream_as_next_then_complete(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        body = {"query": REVIEW_ADDED, "variables": {"n": 2, "d": 0}}
        async with http.stream("POST", gw.url, json=body, headers=SSE) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            events = [e async for e in _events(response)]
    assert events == [
        ("next", {"data": {"reviewAdded": {"body": "Sturdy", "product": {"name": "Table"}}}}),
        ("next", {"data": {"reviewAdded": {"body": "Comfy", "product": {"name": "Couch"}}}}),
        ("complete", None),
    ]


async def test_get_with_event_stream_works_too(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        params = {"query": REVIEW_ADDED, "variables": json.dumps({"n": 1, "d": 0})}
        async with http.stream("GET", gw.url, params=params, headers=SSE) as response:
            events = [e async for e in _events(response)]
    assert [name for name, _ in events] == ["next", "complete"]


async def test_a_refused_token_ends_the_stream_at_once_with_the_reason_as_a_graphql_error(shop_sdl):
    from gateway.http.app import AuthenticationRejected

    def authenticate(headers):
        if headers.get("authorization") != "Bearer good":
            raise AuthenticationRejected("token expired")
        return {"sub": "u1"}

    async with live_gateway(shop_sdl, authenticate=authenticate) as gw, httpx.AsyncClient() as http:
        body = {"query": REVIEW_ADDED, "variables": {"n": 1, "d": 0}}
        headers = {**SSE, "authorization": "Bearer stale"}
        # A 2xx stream, because graphql-sse clients retry every other status for ~30 s before reporting it.
        async with http.stream("POST", gw.url, json=body, headers=headers) as response:
            assert response.status_code == 200
            events = [e async for e in _events(response)]
        plain = await http.post(gw.url, json=body, headers={"authorization": "Bearer stale"})
    error = {"message": "token expired", "extensions": {"code": "UNAUTHENTICATED"}}
    assert events == [("next", {"errors": [error]}), ("complete", None)]
    assert plain.status_code == 401 and plain.json() == {"errors": [error]}


async def test_invalid_subscription_is_a_json_400_not_a_stream(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        response = await http.post(gw.url, json={"query": "subscription { nope }"}, headers=SSE)
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_client_disconnect_unsubscribes_upstream(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        body = {"query": REVIEW_ADDED, "variables": {"n": 1000, "d": 0.05}}
        async with http.stream("POST", gw.url, json=body, headers=SSE) as response:
            async for name, _ in _events(response):
                assert name == "next"
                break
            assert reviews.ACTIVE_FEEDS
        await wait_until(lambda: not reviews.ACTIVE_FEEDS)


async def test_subgraph_error_is_streamed_as_an_event(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        body = {"query": "subscription { brokenFeed { body } }"}
        async with http.stream("POST", gw.url, json=body, headers=SSE) as response:
            events = [e async for e in _events(response)]
    assert events[1][1]["errors"][0]["message"] == "feed broke"
    assert events[-1] == ("complete", None)


async def test_queries_over_sse_are_one_event(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        body = {"query": '{ product(upc: "1") { name } }'}
        async with http.stream("POST", gw.url, json=body, headers=SSE) as response:
            events = [e async for e in _events(response)]
    assert events == [("next", {"data": {"product": {"name": "Table"}}}), ("complete", None)]


async def test_mutations_over_get_event_streams_are_refused(shop_sdl):
    async with live_gateway(shop_sdl) as gw, httpx.AsyncClient() as http:
        params = {"query": 'mutation { createProduct(upc: "9", name: "x") { upc } }'}
        response = await http.get(gw.url, params=params, headers=SSE)
    assert response.status_code == 405
