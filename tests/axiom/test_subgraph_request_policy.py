"""Both subgraphs, reached directly: JSON-only POSTs, the body-size and operation limits, and production mode
(no introspection, no GraphiQL, no "did you mean" suggestions)."""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import pytest

from subgraphs.vision.app import create_app as create_vision_app
from subgraphs.weaver.app import create_app as create_weaver_app

APPS = {"weaver": create_weaver_app, "vision": create_vision_app}
TYPOS = {"weaver": "{ dataSourcez { totalCount } }", "vision": "{ cubez { name } }"}


@asynccontextmanager
async def subgraph(name: str, settings):
    app = APPS[name](settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=f"http://{name}") as client:
            yield client


@pytest.fixture(params=sorted(APPS))
def name(request) -> str:
    return request.param


@pytest.fixture
def auth(make_token, tenant_id) -> dict:
    return {"Authorization": f"Bearer {make_token(tenant_id)}"}


def nested(depth: int) -> str:
    return "{ " + "a { " * (depth - 1) + "b" + " }" * depth


def fragment_bomb(levels: int) -> str:
    fragments = ["fragment F0 on Query { __typename }"]
    fragments += [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, levels + 1)]
    return f"{{ ...F{levels} }} " + " ".join(fragments)


async def test_a_body_over_the_limit_is_refused_with_413(name, services_settings, auth):
    body = {"query": "{ __typename }", "variables": {"padding": "x" * (2 << 20)}}
    async with subgraph(name, services_settings) as client:
        response = await client.post("/graphql", json=body, headers=auth)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


@pytest.mark.parametrize("content_type", ["text/plain", None, "application/x-www-form-urlencoded"])
async def test_a_post_that_is_not_json_is_refused_with_415(name, services_settings, auth, content_type):
    headers = {**auth, **({"content-type": content_type} if content_type else {})}
    async with subgraph(name, services_settings) as client:
        response = await client.post("/graphql", content=b'{"query": "{ __typename }"}', headers=headers)
    assert response.status_code == 415
    assert response.json()["errors"][0]["extensions"]["code"] == "UNSUPPORTED_MEDIA_TYPE"


async def test_a_document_deeper_than_the_limit_is_refused(name, services_settings, auth):
    async with subgraph(name, services_settings) as client:
        response = await client.post("/graphql", json={"query": nested(16)}, headers=auth)
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "OPERATION_TOO_DEEP"


async def test_a_fragment_bomb_is_refused_before_validation(name, services_settings, auth):
    async with subgraph(name, services_settings) as client:
        response = await client.post("/graphql", json={"query": fragment_bomb(29)}, headers=auth)
    assert response.json()["errors"][0]["extensions"]["code"] == "OPERATION_TOO_LARGE"


async def test_production_hides_introspection_graphiql_and_suggestions(name, services_settings, auth):
    # The gateway-only gate (also on in production) is proven elsewhere; here the calls come as the gateway's would.
    production = services_settings.replace(app_env="production", subgraph_gateway_only=False)
    async with subgraph(name, production) as client:
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}, headers=auth
        )
        page = await client.get("/graphql", headers={"accept": "text/html"})
        typo = await client.post("/graphql", json={"query": TYPOS[name]}, headers=auth)
    assert "errors" in introspection.json() and introspection.json().get("data") is None
    assert "introspection" in introspection.json()["errors"][0]["message"].lower()
    assert "graphiql" not in page.text.lower()
    assert "Did you mean" not in typo.json()["errors"][0]["message"]


async def test_development_keeps_introspection_and_suggestions(name, services_settings, auth):
    async with subgraph(name, services_settings) as client:
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { queryType { name } } }"}, headers=auth
        )
        typo = await client.post("/graphql", json={"query": TYPOS[name]}, headers=auth)
    assert introspection.json()["data"]["__schema"]["queryType"]["name"] == "Query"
    assert "Did you mean" in typo.json()["errors"][0]["message"]
