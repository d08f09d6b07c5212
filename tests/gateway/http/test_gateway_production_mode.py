"""The gateway process in production mode, and the HTTP rules every mode keeps (JSON POSTs, reported cost)."""

from __future__ import annotations

import httpx
import pytest

from axiom.auth import issue_token
from axiom.settings import Settings
from gateway.main import create_app

SECRET = "gateway-test-secret-of-at-least-32-bytes"


def _settings(shop_urls: dict, **changes) -> Settings:
    settings = Settings(jwt_secret=SECRET, **changes)
    return settings.with_subgraph_urls(weaver=shop_urls["products"], vision=shop_urls["reviews"])


async def _client(settings: Settings, shop_sdl: str) -> httpx.AsyncClient:
    app = create_app(settings, shop_sdl)
    token = issue_token(settings, tenant_id="acme", subject="ann")
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app),
        base_url="http://gw",
        headers={
            "authorization": f"Bearer {token}",
            # the modern media type: request errors are 4xx (not the legacy JSON 200)
            "accept": "application/graphql-response+json",
        },
    )


@pytest.fixture
async def production(shop_sdl, shop_urls):
    async with await _client(_settings(shop_urls, app_env="production"), shop_sdl) as client:
        yield client


@pytest.fixture
async def development(shop_sdl, shop_urls):
    async with await _client(_settings(shop_urls), shop_sdl) as client:
        yield client


async def test_production_refuses_introspection(production):
    response = await production.post("/graphql", json={"query": "{ __schema { queryType { name } } }"})
    assert response.status_code == 400
    assert "introspection" in response.json()["errors"][0]["message"].lower()


async def test_production_serves_no_graphiql(production, development):
    page = await production.get("/graphql", headers={"accept": "text/html"})
    assert "graphiql" not in page.text.lower()
    assert "graphiql" in (await development.get("/graphql", headers={"accept": "text/html"})).text.lower()


async def test_production_gives_no_suggestions(production, development):
    typo = {"query": "{ topProduct { name } }"}
    assert "Did you mean" not in (await production.post("/graphql", json=typo)).json()["errors"][0]["message"]
    assert "Did you mean" in (await development.post("/graphql", json=typo)).json()["errors"][0]["message"]


async def test_production_ignores_the_debug_plan_header(production, development):
    query = {"query": '{ product(upc: "1") { name } }'}
    headers = {"x-axiom-debug-plan": "1"}
    assert "queryPlan" not in (await production.post("/graphql", json=query, headers=headers)).json()["extensions"]
    assert "queryPlan" in (await development.post("/graphql", json=query, headers=headers)).json()["extensions"]


async def test_production_masks_fault_messages_but_keeps_codes(production, development):
    query = {"query": '{ product(upc: "1") { name broken } }'}
    masked = (await production.post("/graphql", json=query)).json()
    shown = (await development.post("/graphql", json=query)).json()
    assert masked["data"]["product"]["name"] == "Table"
    assert masked["errors"][0]["message"] == "Internal server error."
    assert masked["errors"][0]["extensions"]["code"] == shown["errors"][0]["extensions"]["code"]
    assert "broken" in shown["errors"][0]["message"]


async def test_production_keeps_client_error_messages(production):
    response = await production.post("/graphql", json={"query": "{ topProducts(first: 5000) { name } }"})
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COMPLEX" and "5000" in error["message"]


async def test_production_conveniences_can_be_enabled(shop_sdl, shop_urls):
    settings = _settings(shop_urls, app_env="production", enable_introspection=True, enable_debug_plan=True)
    async with await _client(settings, shop_sdl) as client:
        response = await client.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}, headers={"x-axiom-debug-plan": "1"}
        )
    assert response.json()["data"] == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded"])
async def test_a_post_that_is_not_json_is_refused_with_415(development, content_type):
    headers = {"content-type": content_type} if content_type else {}
    response = await development.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_json_post_with_a_charset_is_accepted(development):
    response = await development.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers={"content-type": "application/json; charset=utf-8"}
    )
    assert response.status_code == 200


async def test_responses_carry_the_requested_cost(development):
    response = await development.post("/graphql", json={"query": "{ topProducts(first: 3) { name } }"})
    assert response.json()["extensions"]["cost"] == {"requested": 3, "limit": 1000}
