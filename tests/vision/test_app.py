"""The Vision app over HTTP (ASGI): authentication, tenant isolation, cube queries, federation, health."""

from __future__ import annotations

from axiom.demo import DEMO_TENANT

CUBES = """{ cubes { id name version factTable { dataSourceId schemaName name }
  dimensions { name type shared levels { name ref levelType dataType nameColumn } }
  measures { name aggregator formatString } calculatedMembers { name formula uses } refreshStatus lastRefreshedAt } }"""


async def test_graphql_without_a_token_is_401_unauthenticated(client):
    response = await client.post("/graphql", json={"query": "{ cubes { id } }"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_graphql_with_a_token_of_another_secret_is_401(client, services_settings):
    from axiom.auth import issue_token

    forged = issue_token(services_settings.replace(jwt_secret="x" * 32), tenant_id="t", subject="s")
    response = await client.post(
        "/graphql", json={"query": "{ cubes { id } }"}, headers={"Authorization": f"Bearer {forged}"}
    )
    assert response.status_code == 401


async def test_cubes_lists_the_tenants_cubes_with_members(graphql, demo_cubes, tenant_id, datasource_id):
    body = await graphql(CUBES, tenant=tenant_id)
    assert "errors" not in body
    [cube] = body["data"]["cubes"]
    assert cube["name"] == "Sales" and cube["version"] == 1 and cube["refreshStatus"] == "SUCCEEDED"
    assert cube["factTable"] == {"dataSourceId": datasource_id, "schemaName": "sales", "name": "order_lines"}
    assert [d["name"] for d in cube["dimensions"]] == ["Region", "Customer", "Product", "Time"]
    time = cube["dimensions"][3]
    assert time["type"] == "TIME" and time["shared"] is True
    assert [level["ref"] for level in time["levels"]] == ["Time.Year", "Time.Quarter", "Time.Month"]
    assert {"name": "Order Count", "aggregator": "DISTINCT_COUNT", "formatString": "#,##0"} in cube["measures"]
    assert cube["calculatedMembers"][0]["uses"] == ["Amount", "Order Count"]


async def test_another_tenant_sees_no_cubes_and_gets_not_found(graphql, demo_cubes, tenant_id):
    [cube] = demo_cubes
    other = f"{tenant_id}-b"
    assert (await graphql("{ cubes { id } }", tenant=other))["data"]["cubes"] == []
    for query, variables in (
        ("query($id: ID) { cube(id: $id) { id } }", {"id": cube.id}),
        ("query($n: String) { cube(name: $n) { id } }", {"n": "Sales"}),
    ):
        body = await graphql(query, variables, tenant=other)
        assert body["data"]["cube"] is None
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_cube_by_id_and_by_name(graphql, demo_cubes, tenant_id):
    [cube] = demo_cubes
    by_id = await graphql("query($id: ID) { cube(id: $id) { name } }", {"id": cube.id}, tenant=tenant_id)
    by_name = await graphql('{ cube(name: "Sales") { id } }', tenant=tenant_id)
    assert by_id["data"]["cube"]["name"] == "Sales" and by_name["data"]["cube"]["id"] == cube.id


async def test_cube_needs_exactly_one_of_id_and_name(graphql, tenant_id):
    body = await graphql("{ cube { id } }", tenant=tenant_id)
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await graphql('{ cube(id: "nope") { id } }', tenant=tenant_id)
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_cube_entities_resolve_only_within_the_tenant(graphql, demo_cubes, tenant_id):
    [cube] = demo_cubes
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Cube { id name } } }"
    representations = {"r": [{"__typename": "Cube", "id": cube.id}]}
    assert (await graphql(query, representations, tenant=tenant_id))["data"]["_entities"] == [
        {"id": cube.id, "name": "Sales"}
    ]
    assert (await graphql(query, representations, tenant=DEMO_TENANT + "-x"))["data"]["_entities"] == [None]


async def test_sdl_declares_the_cube_key_and_contributes_cubes_to_weavers_table(graphql, tenant_id):
    sdl = (await graphql("{ _service { sdl } }", tenant=tenant_id))["data"]["_service"]["sdl"]
    assert 'type Cube @key(fields: "id")' in sdl
    assert 'type Table @key(fields: "dataSourceId schemaName name"' in sdl and "cubes: [Cube!]!" in sdl
    assert "federation/v2.7" in sdl


async def test_table_entities_list_the_tenants_cubes_over_that_table(graphql, demo_cubes, tenant_id, datasource_id):
    [cube] = demo_cubes
    query = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Table { name cubes { id name } } } }"
    table = {"__typename": "Table", "dataSourceId": datasource_id, "schemaName": "sales", "name": "order_lines"}
    other = {**table, "name": "orders"}
    body = await graphql(query, {"r": [table, other]}, tenant=tenant_id)
    assert body["data"]["_entities"] == [
        {"name": "order_lines", "cubes": [{"id": cube.id, "name": "Sales"}]},
        {"name": "orders", "cubes": []},
    ]
    body = await graphql(query, {"r": [table]}, tenant=f"{tenant_id}-b")
    assert body["data"]["_entities"] == [{"name": "order_lines", "cubes": []}]


async def test_metrics_expose_the_vision_series(graphql, client, demo_cubes, tenant_id):
    await graphql('{ pivot(input: {cube: "Sales", measures: ["Amount"]}) { cached } }', tenant=tenant_id)
    text = (await client.get("/metrics")).text
    for name in (
        "vision_pivot_query_duration_seconds",
        "vision_etl_sync_duration_seconds",
        "vision_llm_call_duration_seconds",
    ):
        assert f"# TYPE {name} histogram" in text, name
    assert "# TYPE vision_cache_hit_ratio gauge" in text
    assert 'vision_pivot_query_duration_seconds_count{source="view"}' in text


async def test_health_ready_reports_postgres_and_redis_up(client):
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert {name: check["status"] for name, check in response.json()["checks"].items()} == {
        "postgres": "up",
        "redis": "up",
    }
    assert (await client.get("/health/live")).status_code == 200


def test_importing_the_app_leaves_the_openai_sdk_for_the_first_question():
    import subprocess
    import sys

    # The openai SDK (with pydantic models) is most of Vision's import time; only askPivot needs it.
    probe = "import sys, subgraphs.vision.app; print(sorted(m for m in ('openai', 'pydantic') if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True)
    assert result.stdout.strip() == "[]"
