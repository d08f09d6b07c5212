"""Operation limits: documents over a limit are refused with a code before validation or planning.

Timings are measured in bench/operation_limits.py; these tests assert the refusals and their codes.
"""

from __future__ import annotations

import hashlib

from gateway_testkit.client import GatewayClient
from gateway_testkit.live import WsClient, live_gateway

from axiom.operation_limits import OperationLimits
from gateway import create_gateway_app


def fragment_bomb(levels: int, operation: str = '{ product(upc: "1") { ...TOP } }') -> str:
    """`F{i}` spreads `F{i-1}` twice: 2^levels fields once expanded, from a document under 1 KB."""
    fragments = ["fragment F0 on Product { name }"]
    fragments += [f"fragment F{i} on Product {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return operation.replace("TOP", f"F{levels}") + " " + " ".join(fragments)


SUBSCRIPTION_BOMB = "subscription { reviewAdded(count: 1, delay: 0) { product { ...TOP } } }"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: topProducts {{ name }}" for i in range(count)) + " }"


def nested(depth: int) -> str:
    inner = "name"
    for _ in range(depth // 2):
        inner = f"reviews {{ product {{ {inner} }} }}"
    return f'{{ product(upc: "1") {{ {inner} }} }}'


async def test_fragment_bomb_is_refused_before_it_is_expanded(shop):
    # 29 levels: 2^29 spreads; before the limits this never returned and grew the gateway to 9 GB.
    status, body = await shop.post(fragment_bomb(29))
    assert status == 400
    error = body["errors"][0]
    assert error["extensions"]["code"] == "OPERATION_TOO_LARGE"
    assert error["extensions"]["limit"] == "fragmentSpreads"


async def test_ten_thousand_aliases_are_refused(shop):
    status, body = await shop.post(aliases(10_000))
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"
    assert body["errors"][0]["extensions"]["limit"] in ("documentBytes", "tokens", "aliases")


async def test_aliases_over_the_alias_limit_are_refused_by_that_limit(shop):
    status, body = await shop.post(aliases(101))
    assert status == 400
    assert body["errors"][0]["extensions"] == {"code": "OPERATION_TOO_LARGE", "limit": "aliases", "max": 100}


async def test_deep_operation_is_refused_and_one_within_the_limit_runs(shop):
    status, body = await shop.post(nested(30))
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "OPERATION_TOO_DEEP"
    status, body = await shop.post(nested(4))
    assert status == 200 and "errors" not in body


async def test_document_over_the_size_limit_is_refused_before_parsing(shop):
    padding = "#" + "x" * 70_000 + "\n"  # a comment: also defeats the document cache
    status, body = await shop.post(padding + "{ __typename }")
    assert status == 400
    assert body["errors"][0]["extensions"] == {"code": "OPERATION_TOO_LARGE", "limit": "documentBytes", "max": 65_536}


async def test_too_many_tokens_are_refused_while_parsing(shop):
    status, body = await shop.post("{ " + "a " * 5_001 + "}")
    assert status == 400
    assert body["errors"][0]["extensions"] == {"code": "OPERATION_TOO_LARGE", "limit": "tokens", "max": 5_000}


async def test_too_many_root_fields_are_refused(shop):
    query = "{ " + " ".join(f'p{i}: product(upc: "{i}") {{ name }}' for i in range(31)) + " }"
    status, body = await shop.post(query)
    assert status == 400
    assert body["errors"][0]["extensions"]["limit"] in ("rootFields", "aliases")
    many = "{ " + " ".join(["topProducts { name }"] * 31) + " }"  # no aliases: only the root-field limit
    status, body = await shop.post(many)
    assert body["errors"][0]["extensions"] == {"code": "OPERATION_TOO_LARGE", "limit": "rootFields", "max": 30}


async def test_costly_query_is_refused_with_its_cost(shop):
    # topProducts(first: 200) → 200 products, each with (by default 3) reviews, each with an author.
    query = "{ topProducts(first: 200) { name reviews { body author { username } } } }"
    status, body = await shop.post(query)
    assert status == 400
    error = body["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert error["extensions"]["cost"] == {"requested": 200 * (1 + 3 * (1 + 1)), "limit": 1000}


async def test_cost_follows_the_first_variable(shop):
    query = "query($n: Int) { topProducts(first: $n) { reviews { author { username } } } }"
    status, _ = await shop.post(query, {"n": 2})
    assert status == 200
    status, body = await shop.post(query, {"n": 200})
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"


async def test_cost_is_reported_when_enabled(shop_sdl):
    client = GatewayClient(create_gateway_app(shop_sdl, report_cost=True))
    try:
        status, body = await client.post("{ topProducts(first: 2) { name reviews { body } } }")
    finally:
        await client.close()
    assert status == 200
    assert body["extensions"]["cost"] == {"requested": 2 * (1 + 3), "limit": 1000}


async def test_a_document_seen_before_costs_and_is_refused_the_same_every_time(shop_sdl):
    # The cost of an operation without variables is kept with the cached document.
    client = GatewayClient(create_gateway_app(shop_sdl, report_cost=True))
    cheap, costly = "{ topProducts(first: 2) { name } }", "{ topProducts(first: 2000) { name } }"
    try:
        answers = [await client.post(query) for query in (cheap, cheap, costly, costly)]
    finally:
        await client.close()
    assert [status for status, _ in answers] == [200, 200, 400, 400]
    assert answers[0][1]["extensions"]["cost"] == answers[1][1]["extensions"]["cost"] == {"requested": 2, "limit": 1000}
    for _, body in answers[2:]:
        assert body["errors"][0]["extensions"]["cost"] == {"requested": 2000, "limit": 1000}


async def test_limits_are_configurable(shop_sdl):
    client = GatewayClient(create_gateway_app(shop_sdl, limits=OperationLimits(max_depth=2)))
    try:
        status, body = await client.post('{ product(upc: "1") { reviews { body } } }')
    finally:
        await client.close()
    assert status == 400 and body["errors"][0]["extensions"]["code"] == "OPERATION_TOO_DEEP"


async def test_introspection_query_of_graphiql_is_within_the_limits(shop):
    from graphql import get_introspection_query

    status, body = await shop.post(get_introspection_query(descriptions=True))
    assert status == 200 and "errors" not in body


async def test_persisted_fragment_bomb_is_refused(shop):
    query = fragment_bomb(29)
    digest = hashlib.sha256(query.encode()).hexdigest()
    extensions = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    stored = await shop.http.post("/graphql", json={"query": query, "extensions": extensions})
    by_hash = await shop.http.post("/graphql", json={"extensions": extensions})
    for response in (stored, by_hash):
        assert response.status_code == 400
        assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"


async def test_fragment_bomb_over_sse_is_refused(shop):
    response = await shop.http.post(
        "/graphql", json={"query": fragment_bomb(29, SUBSCRIPTION_BOMB)}, headers={"accept": "text/event-stream"}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"


async def test_fragment_bomb_over_websocket_is_refused(shop_sdl):
    async with live_gateway(shop_sdl) as gw, WsClient.connect(gw.ws_url) as client:
        await client.subscribe("bomb", fragment_bomb(29, SUBSCRIPTION_BOMB))
        (message,) = await client.collect("bomb")
    assert message["type"] == "error"
    assert message["payload"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"
