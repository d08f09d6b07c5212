"""Federation features beyond plain entity jumps, through the gateway against the
`directory` and `ledger` Strawberry subgraphs: `@interfaceObject`, `@requires` with
arguments, client aliases clashing with key fields, sibling fields typed differently
per subgraph, and progressive `@override(label:)`."""

from __future__ import annotations

import pytest
from gateway_testkit.client import GatewayClient
from gateway_testkit.servers import RunningServer, strawberry_app, supergraph_with_urls
from gateway_testkit.subgraphs import directory, ledger

from gateway import create_gateway_app


@pytest.fixture(scope="module")
async def directory_sdl():
    servers = {
        n: await RunningServer(strawberry_app(m.schema)).start()
        for n, m in {"directory": directory, "ledger": ledger}.items()
    }
    yield supergraph_with_urls("directory.graphql", {n: s.url for n, s in servers.items()})
    for server in servers.values():
        await server.stop()


@pytest.fixture(scope="module")
async def gw(directory_sdl):
    client = GatewayClient(create_gateway_app(directory_sdl))
    yield client
    await client.close()


async def test_interface_object_fields_need_no_owner_when_no_concrete_type_is_asked(gw):
    status, body = await gw.post("{ accounts { id balance } }", headers={"x-axiom-debug-plan": "1"})
    assert status == 200, body
    assert body["data"]["accounts"] == [
        {"id": "a1", "balance": 100},
        {"id": "a2", "balance": 250},
        {"id": "r1", "balance": 7},
    ]
    assert body["extensions"]["queryPlan"]["kind"] == "Fetch"


async def test_interface_object_typename_and_fragments_are_resolved_by_the_owner(gw):
    query = "{ accounts { __typename balance name ... on Admin { isMain } ... on Regular { since } } }"
    status, body = await gw.post(query)
    assert status == 200, body
    assert body == {
        "data": {
            "accounts": [
                {"__typename": "Admin", "balance": 100, "name": "Ada", "isMain": True},
                {"__typename": "Admin", "balance": 250, "name": "Alan", "isMain": False},
                {"__typename": "Regular", "balance": 7, "name": "Grace", "since": 2020},
            ]
        }
    }


async def test_concrete_type_reaches_interface_object_fields_with_the_interface_typename(gw):
    status, body = await gw.post("{ admins { id balance } }")
    assert status == 200, body
    assert body == {"data": {"admins": [{"id": "a1", "balance": 100}, {"id": "a2", "balance": 250}]}}


async def test_requires_with_different_arguments_are_aliased_and_fetched_apart(gw):
    query = '{ plans { price(currency: "EUR") invoiceUsd invoiceEur } }'
    status, body = await gw.post(query)
    assert status == 200, body
    assert body == {
        "data": {
            "plans": [
                {"price": 9, "invoiceUsd": "10 USD", "invoiceEur": "9 EUR"},
                {"price": 27, "invoiceUsd": "30 USD", "invoiceEur": "27 EUR"},
            ]
        }
    }


async def test_client_alias_named_like_a_key_field_does_not_clash(gw):
    status, body = await gw.post("{ plans { id: name invoiceUsd } }")
    assert status == 200, body
    assert body == {"data": {"plans": [{"id": "Basic", "invoiceUsd": "10 USD"}, {"id": "Pro", "invoiceUsd": "30 USD"}]}}


async def test_sibling_fragments_with_differently_typed_fields_are_aliased_internally(gw):
    query = "{ movements { ... on Deposit { code } ... on Withdrawal { code } } }"
    status, body = await gw.post(query)
    assert status == 200, body
    assert body == {"data": {"movements": [{"code": "D1"}, {"code": None}, {"code": "W2"}]}}


@pytest.mark.parametrize(("draw", "served_by"), [(0.0, "ledger"), (99.9, "directory")])
async def test_progressive_override_label_decides_the_serving_subgraph(directory_sdl, draw, served_by):
    client = GatewayClient(create_gateway_app(directory_sdl, override_draw=lambda _l: draw))
    try:
        status, body = await client.post("{ plans { tier } }")
    finally:
        await client.close()
    assert status == 200, body
    assert body == {"data": {"plans": [{"tier": served_by}, {"tier": served_by}]}}
