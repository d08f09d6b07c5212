"""Subgraphs started as in production (SUBGRAPH_GATEWAY_ONLY, METRICS_TOKEN): reached directly they refuse
everything, even with a valid user token; through the gateway everything works (the other e2e tests run on the
same processes); `/metrics` of every process answers only its token."""

from __future__ import annotations

import time

import aiohttp
import httpx
import pytest

from axiom.demo import DEMO_TENANT
from axiom.gateway_request import GATEWAY_REQUEST_HEADER, MAX_AGE_SECONDS, GatewayRequestSigner
from tests.e2e.conftest import METRICS_TOKEN

SUBGRAPHS = ("weaver", "vision")
DIRECT_ATTEMPTS = {
    "a query": {"query": "{ __typename }"},
    "introspection": {"query": "{ __schema { types { name } } }"},
    "the federation SDL": {"query": "{ _service { sdl } }"},
}


@pytest.fixture
def user_headers(make_token) -> dict:
    return {"authorization": f"Bearer {make_token(DEMO_TENANT)}"}


@pytest.mark.parametrize("name", SUBGRAPHS)
@pytest.mark.parametrize("attempt", DIRECT_ATTEMPTS, ids=list(DIRECT_ATTEMPTS))
async def test_a_subgraph_reached_directly_refuses_even_a_valid_token(system, user_headers, name, attempt):
    async with httpx.AsyncClient(base_url=system[name]) as client:
        response = await client.post("/graphql", json=DIRECT_ATTEMPTS[attempt], headers=user_headers)
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "__schema" not in response.text and "sdl" not in response.text


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_a_subgraph_serves_no_graphiql_page(system, name):
    async with httpx.AsyncClient(base_url=system[name]) as client:
        response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 403 and "graphiql" not in response.text.lower()


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_a_subgraph_refuses_a_direct_websocket(system, name):
    url = system[name].replace("http://", "ws://") + "/graphql"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(url, protocols=("graphql-transport-ws",))
    assert refused.value.status == 403


@pytest.mark.parametrize("name", SUBGRAPHS)
async def test_a_signature_is_refused_when_stale_or_made_for_another_token(
    system, services_settings, make_token, user_headers, name
):
    signer = GatewayRequestSigner.from_settings(services_settings)
    other = {"authorization": f"Bearer {make_token('someone-else')}"}
    stale = GatewayRequestSigner(
        services_settings.gateway_signing_secret, clock=lambda: time.time() - MAX_AGE_SECONDS - 5
    )
    async with httpx.AsyncClient(base_url=system[name]) as client:

        async def call(tag: str) -> httpx.Response:
            return await client.post(
                "/graphql", json={"query": "{ __typename }"}, headers={**user_headers, GATEWAY_REQUEST_HEADER: tag}
            )

        assert (await call(signer.new(user_headers))).json() == {"data": {"__typename": "Query"}}
        assert (await call(signer.new(other))).status_code == 403
        assert (await call(stale.new(user_headers))).status_code == 403


async def test_the_gateway_answers_a_query_that_needs_both_subgraphs(gateway, user_headers):
    response = await gateway.post(
        "/graphql", json={"query": "{ cubes { name factTable { name } } }"}, headers=user_headers
    )
    assert response.status_code == 200 and response.json()["data"]["cubes"][0]["factTable"]["name"]


@pytest.mark.parametrize("name", ["gateway", *SUBGRAPHS])
async def test_metrics_answer_only_their_token(system, name):
    async with httpx.AsyncClient(base_url=system[name]) as client:
        anonymous = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
        scraper = await client.get("/metrics", headers={"authorization": f"Bearer {METRICS_TOKEN}"})
        live = await client.get("/health/live")
    assert anonymous.status_code == 401 and wrong.status_code == 401
    assert scraper.status_code == 200 and "axiom_http_requests_total" in scraper.text
    assert live.status_code == 200  # probes stay open
