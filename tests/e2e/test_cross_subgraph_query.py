"""One query through the gateway that needs both subgraphs: Vision's cubes, Weaver's tables and columns."""

import asyncpg

from axiom.auth import issue_token
from axiom.demo import DEMO_TENANT

CUBES_WITH_FACT_COLUMNS = "{ cubes { name factTable { name columns { name dataType } } } }"


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


async def _order_line_columns(database_url: str) -> set[str]:
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'sales' "
            "AND table_name = 'order_lines'"
        )
        return {r["column_name"] for r in rows}
    finally:
        await conn.close()


async def test_cube_fact_table_columns_come_from_weaver_through_the_gateway(gateway, make_token, services_settings):
    response = await gateway.post(
        "/graphql", json={"query": CUBES_WITH_FACT_COLUMNS}, headers=bearer(make_token(DEMO_TENANT))
    )
    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body, body
    sales = next(cube for cube in body["data"]["cubes"] if cube["name"] == "Sales")
    assert sales["factTable"]["name"] == "order_lines"
    columns = {c["name"]: c["dataType"] for c in sales["factTable"]["columns"]}
    assert set(columns) == await _order_line_columns(services_settings.database_url)
    assert columns["amount"].startswith("numeric") and columns["quantity"] == "integer"


async def test_a_request_without_token_is_rejected_as_unauthenticated(gateway):
    response = await gateway.post("/graphql", json={"query": CUBES_WITH_FACT_COLUMNS})
    assert response.status_code == 401
    body = response.json()
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert body["errors"][0]["message"] == "missing bearer token"
    assert body.get("data") is None


async def test_an_expired_token_is_rejected_saying_so(gateway, services_settings):
    expired = issue_token(services_settings, tenant_id=DEMO_TENANT, subject="ann", ttl_seconds=-60)
    response = await gateway.post("/graphql", json={"query": CUBES_WITH_FACT_COLUMNS}, headers=bearer(expired))
    assert response.status_code == 401
    assert response.json()["errors"][0] == {"message": "token expired", "extensions": {"code": "UNAUTHENTICATED"}}


async def test_a_forged_token_is_rejected(gateway, make_token):
    forged = make_token(DEMO_TENANT)[:-4] + "AAAA"
    response = await gateway.post("/graphql", json={"query": CUBES_WITH_FACT_COLUMNS}, headers=bearer(forged))
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_another_tenant_sees_nothing_of_the_demo_tenant(gateway, make_token, tenant_id):
    headers = bearer(make_token(tenant_id))
    cubes = await gateway.post("/graphql", json={"query": CUBES_WITH_FACT_COLUMNS}, headers=headers)
    assert cubes.json()["data"] == {"cubes": []} and "errors" not in cubes.json()
    sources = await gateway.post(
        "/graphql", json={"query": "{ dataSources(first: 10) { edges { node { id } } } }"}, headers=headers
    )
    assert sources.json()["data"]["dataSources"]["edges"] == []


async def test_subgraphs_reject_direct_calls_without_token(system):
    import httpx

    async with httpx.AsyncClient() as client:
        for name in ("weaver", "vision"):
            response = await client.post(f"{system[name]}/graphql", json={"query": "{ __typename }"})
            assert response.status_code == 403, name  # gateway-only: refused before the token is looked at
            assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
