"""The HTTP surface: status codes, media types, GET, auth, header forwarding."""

from __future__ import annotations

from gateway_testkit.client import GatewayClient

from gateway import create_gateway_app


async def test_unparsable_document_is_a_400_with_a_code(shop):
    status, body = await shop.post("{ topProducts { ")
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_invalid_document_is_a_400_and_inaccessible_fields_do_not_exist(shop):
    status, body = await shop.post('{ product(upc: "1") { internalCode } }')
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_bad_variables_are_a_400(shop):
    status, body = await shop.post("query($n: Int!) { topProducts(first: $n) { name } }", {"n": "many"})
    assert status == 400
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_media_type_follows_accept_header(shop):
    body = {"query": "{ __typename }"}
    modern = await shop.http.post("/graphql", json=body, headers={"accept": "application/graphql-response+json"})
    legacy = await shop.http.post("/graphql", json=body, headers={"accept": "application/json"})
    assert modern.headers["content-type"].startswith("application/graphql-response+json")
    assert legacy.headers["content-type"].startswith("application/json")
    assert modern.json() == legacy.json() == {"data": {"__typename": "Query"}}


async def test_get_runs_queries_but_refuses_mutations(shop):
    ok = await shop.http.get("/graphql", params={"query": '{ product(upc: "2") { name } }'})
    assert ok.status_code == 200 and ok.json()["data"] == {"product": {"name": "Couch"}}
    refused = await shop.http.get(
        "/graphql", params={"query": 'mutation { createProduct(upc: "x", name: "y") { upc } }'}
    )
    assert refused.status_code == 405


async def test_malformed_json_body_is_a_400(shop):
    response = await shop.http.post("/graphql", content=b"{nope", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def test_authorization_header_is_forwarded_to_subgraphs(shop):
    _, body = await shop.post("{ me { name } }", headers={"authorization": "Bearer abc"})
    assert body["data"] == {"me": {"name": "Ada (Bearer abc)"}}


async def test_rejected_authentication_is_a_401_unauthenticated(shop_sdl):
    def authenticate(headers):
        return {"sub": "u1"} if headers.get("authorization") == "Bearer good" else None

    client = GatewayClient(create_gateway_app(shop_sdl, authenticate=authenticate))
    try:
        status, body = await client.post("{ __typename }", headers={"authorization": "Bearer bad"})
        assert status == 401
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        status, body = await client.post("{ __typename }", headers={"authorization": "Bearer good"})
        assert status == 200 and body == {"data": {"__typename": "Query"}}
    finally:
        await client.close()


async def test_debug_header_returns_the_query_plan(shop):
    _, body = await shop.post("{ topProducts(first: 1) { name inStock } }", headers={"x-axiom-debug-plan": "1"})
    plan = body["extensions"]["queryPlan"]
    assert plan["kind"] == "Sequence"
    assert plan["nodes"][1]["kind"] == "Flatten" and plan["nodes"][1]["path"] == "topProducts.@"
    assert plan["nodes"][1]["node"]["serviceName"] == "inventory"


async def test_a_405_names_the_allowed_methods(shop):
    mutation = await shop.http.get(
        "/graphql", params={"query": 'mutation { createProduct(upc: "x", name: "y") { upc } }'}
    )
    assert mutation.status_code == 405 and mutation.headers["allow"] == "POST"
    other = await shop.http.patch("/graphql", json={"query": "{ __typename }"})
    assert other.status_code == 405 and set(other.headers["allow"].split(", ")) >= {"GET", "POST"}


async def test_no_accept_header_and_any_type_get_the_same_media_type(shop):
    body = {"query": "{ __typename }"}
    missing = await shop.http.post("/graphql", json=body, headers={"accept": ""})
    anything = await shop.http.post("/graphql", json=body, headers={"accept": "*/*"})
    assert missing.headers["content-type"] == anything.headers["content-type"] == "application/json"


async def test_application_json_gets_200_for_request_errors_as_the_legacy_rule_says(shop):
    for query in ("{ topProducts { ", "{ nope }"):
        legacy = await shop.http.post("/graphql", json={"query": query}, headers={"accept": "application/json"})
        modern = await shop.http.post("/graphql", json={"query": query})
        assert legacy.status_code == 200 and modern.status_code == 400
        assert legacy.json() == modern.json() and legacy.json()["errors"]
    # A body that is no GraphQL request at all stays a 400 whatever the media type.
    broken = await shop.http.post(
        "/graphql", content=b"{nope", headers={"accept": "application/json", "content-type": "application/json"}
    )
    assert broken.status_code == 400
