"""Subgraph errors, failures and timeouts: clients get partial data, never a 500."""

from __future__ import annotations

import time

import pytest
from gateway_testkit.client import GatewayClient
from gateway_testkit.servers import RunningServer, free_port_url, hanging_app, supergraph_with_urls

from gateway import create_gateway_app


async def test_subgraph_error_is_repathed_to_the_client_path(shop):
    status, body = await shop.post("{ reviews { product { upc broken } } }")
    assert status == 200
    assert body["data"]["reviews"][0] == {"product": {"upc": "1", "broken": None}}
    paths = sorted(e["path"] for e in body["errors"])
    assert paths[0] == ["reviews", 0, "product", "broken"]
    assert len(paths) == 3  # one per occurrence, though product 1 was fetched once
    assert "product 1 is broken" in body["errors"][0]["message"]
    assert all("stacktrace" not in e.get("extensions", {}) for e in body["errors"])


@pytest.fixture
async def shop_without_inventory(shop_urls):
    urls = dict(shop_urls, inventory=free_port_url())
    client = GatewayClient(create_gateway_app(supergraph_with_urls("shop.graphql", urls)))
    yield client
    await client.close()


async def test_unreachable_subgraph_gives_partial_data_with_null_propagation(
    shop_without_inventory,
):
    query = '{ product(upc: "1") { name inStock } reviews { body } }'
    status, body = await shop_without_inventory.post(query)
    assert status == 200
    # inStock is non-null: its null propagates to the nullable `product`.
    assert body["data"]["product"] is None
    assert body["data"]["reviews"][0] == {"body": "Sturdy"}
    codes = {e["extensions"]["code"] for e in body["errors"]}
    assert "SUBREQUEST_HTTP_ERROR" in codes


async def test_slow_subgraph_times_out_and_others_still_answer(shop_urls):
    hanging = await RunningServer(hanging_app).start()
    urls = dict(shop_urls, inventory=hanging.url)
    app = create_gateway_app(supergraph_with_urls("shop.graphql", urls), subgraph_timeout=0.3)
    client = GatewayClient(app)
    started = time.monotonic()
    try:
        status, body = await client.post("{ topProducts(first: 1) { name } stockCount }")
        elapsed = time.monotonic() - started
    finally:
        await client.close()
        await hanging.stop()
    assert elapsed < 3
    assert status == 200
    assert body["data"] is None  # stockCount is Int!, so the root becomes null
    assert "timed out" in body["errors"][0]["message"]


async def test_inaccessible_enum_value_from_a_subgraph_becomes_an_error(shop):
    status, body = await shop.post('{ product(upc: "4") { name category } }')
    assert status == 200
    assert body["data"] == {"product": None}
    assert "SECRET" in body["errors"][0]["message"]
