"""Through the HTTP app with real tokens: auth gate, health, tenant-scoped queries and entity resolution."""

import asyncio

import httpx
from graphql import GraphQLInputObjectType, GraphQLObjectType

from axiom.embedded.process import free_port
from subgraphs.weaver.app import create_app
from subgraphs.weaver.schema import schema

ENTITY_DS = "query($r: [_Any!]!) { _entities(representations: $r) { ... on DataSource { id name } } }"
ENTITY_TABLE = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Table { id name columns { name } } } }"


async def register(runtime, tenant, name="src", schemas=None, local=None):
    record = await runtime.datasources.create(
        tenant,
        name=name,
        engine="postgresql",
        host=local.host,
        port=local.port,
        database=local.database,
        username=local.username,
        password=local.password or None,
        options={"schemas": schemas or []},
    )
    await runtime.catalog_sync.sync(record)
    return record


async def test_request_without_token_is_401_unauthenticated(client):
    response = await client.post("/graphql", json={"query": "{ dataSources { totalCount } }"})
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_health_reports_configured_dependencies_up_and_others_disabled(client):
    live = await client.get("/health/live")
    ready = await client.get("/health/ready")
    assert live.status_code == 200 and ready.status_code == 200
    checks = ready.json()["checks"]
    assert {k: v["status"] for k, v in checks.items()} == {
        "postgres": "up",
        "graph": "up",
        "redis": "up",
        "mindsdb": "disabled",
        "requestGuard": "up",
    }
    assert checks["requestGuard"]["note"] == "redis"


async def test_without_redis_weaver_is_ready_but_degraded_and_says_what_is_down(
    services_settings, make_token, tenant_id
):
    """Redis is optional: requests are served (the guard falls back in process), so readiness stays 200."""
    app = create_app(services_settings.replace(redis_url=f"redis://127.0.0.1:{free_port()}/0"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:
            ready = await client.get("/health/ready")
            served = await client.post(
                "/graphql",
                json={"query": "{ dataSources { totalCount } }"},
                headers={"Authorization": f"Bearer {make_token(tenant_id)}"},
            )
    body = ready.json()
    assert ready.status_code == 200 and body["status"] == "degraded", body
    assert body["down"] == ["redis"]
    assert body["checks"]["redis"]["required"] is False
    assert body["checks"]["requestGuard"]["status"] == "degraded"
    assert body["checks"]["postgres"] == {"status": "up", "required": True}
    assert served.json() == {"data": {"dataSources": {"totalCount": 0}}}


async def test_without_its_database_weaver_is_unavailable(services_settings):
    app = create_app(services_settings.replace(database_url=f"postgresql://postgres@127.0.0.1:{free_port()}/x"))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:
            ready = await client.get("/health/ready")
    assert ready.status_code == 503
    assert ready.json()["status"] == "unavailable" and ready.json()["down"] == ["postgres"]


async def test_datasource_query_walks_schemas_tables_and_columns(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    status, body = await gql(
        tenant_id,
        """query($id: ID!) { dataSource(id: $id) {
        id name engine hasPassword lastSyncedAt
        schemas { name tables { edges { node {
            name kind columns { name dataType nullable isPrimaryKey ordinal } } } } } } }""",
        {"id": record.id},
    )
    assert status == 200 and "errors" not in body, body
    ds = body["data"]["dataSource"]
    assert ds["engine"] == "POSTGRESQL" and ds["lastSyncedAt"] is not None
    [schema_] = ds["schemas"]
    tables = {e["node"]["name"]: e["node"] for e in schema_["tables"]["edges"]}
    assert tables["big_orders"]["kind"] == "VIEW"
    assert [c["name"] for c in tables["orders"]["columns"]] == ["id", "customer_id", "total", "status"]
    assert "password" not in str(body).lower().replace("haspassword", "")


async def test_unknown_or_foreign_datasource_is_not_found(gql, runtime, tenant_id, local_params, source_schema):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    for ds_id in (record.id, "00000000-0000-0000-0000-000000000000", "garbage"):
        status, body = await gql(tenant_id + "-b", "query($id: ID!) { dataSource(id: $id) { id } }", {"id": ds_id})
        assert status == 200
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
        assert body["data"] is None


async def test_other_tenant_lists_nothing_and_resolves_null_entities(
    gql, runtime, tenant_id, local_params, source_schema
):
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    other = tenant_id + "-b"
    _, body = await gql(other, "{ dataSources { totalCount edges { node { id } } } }")
    assert body["data"]["dataSources"] == {"totalCount": 0, "edges": []}

    _, body = await gql(other, ENTITY_DS, {"r": [{"__typename": "DataSource", "id": record.id}]})
    assert body["data"]["_entities"] == [None]
    table_rep = {"__typename": "Table", "dataSourceId": record.id, "schemaName": source_schema, "name": "orders"}
    _, body = await gql(other, ENTITY_TABLE, {"r": [table_rep]})
    assert body["data"]["_entities"] == [None]
    _, body = await gql(
        other,
        'query($d: ID!, $s: String!) { table(dataSourceId: $d, schemaName: $s, name: "orders") { id } }',
        {"d": record.id, "s": source_schema},
    )
    assert body["data"]["table"] is None

    _, body = await gql(tenant_id, ENTITY_TABLE, {"r": [table_rep]})
    [table] = body["data"]["_entities"]
    assert table["name"] == "orders" and len(table["columns"]) == 4
    _, body = await gql(tenant_id, ENTITY_DS, {"r": [{"__typename": "DataSource", "id": record.id}]})
    assert body["data"]["_entities"] == [{"id": record.id, "name": "src"}]


async def test_datasources_connection_pages_with_cursors(gql, runtime, tenant_id, local_params):
    for i in range(3):
        await runtime.datasources.create(
            tenant_id,
            name=f"ds-{i}",
            engine="postgresql",
            host="h",
            port=5432,
            database="d",
            username="u",
            password=None,
        )
    query = """query($after: String) { dataSources(first: 2, after: $after) {
        totalCount pageInfo { hasNextPage endCursor } edges { cursor node { name } } } }"""
    _, first = await gql(tenant_id, query)
    page = first["data"]["dataSources"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    _, second = await gql(tenant_id, query, {"after": page["pageInfo"]["endCursor"]})
    rest = second["data"]["dataSources"]
    assert not rest["pageInfo"]["hasNextPage"]
    names = [e["node"]["name"] for e in page["edges"] + rest["edges"]]
    assert names == ["ds-0", "ds-1", "ds-2"]


async def test_bad_page_size_and_cursor_are_bad_user_input(gql, tenant_id):
    for args in ("first: 0", "first: 101", 'after: "nope"'):
        _, body = await gql(tenant_id, f"{{ dataSources({args}) {{ totalCount }} }}")
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", args


def test_every_field_and_argument_has_a_description():
    missing = []
    for name, gtype in schema._schema.type_map.items():
        if name.startswith("_") or not isinstance(gtype, (GraphQLObjectType, GraphQLInputObjectType)):
            continue
        for field_name, field in gtype.fields.items():
            if field_name.startswith("_"):
                continue
            if not field.description:
                missing.append(f"{name}.{field_name}")
            missing += [
                f"{name}.{field_name}({a})" for a, arg in getattr(field, "args", {}).items() if not arg.description
            ]
    assert missing == []


async def test_a_dead_bolt_server_is_a_coded_graph_unavailable_error_within_the_subgraph_timeout(
    services_settings, make_token, tenant_id
):
    """The driver's own defaults retry for 30 s, far past the gateway's wait: the client would see the gateway's
    timeout instead of Weaver's answer. Bounded, Weaver answers with a code the client can act on."""
    settings = services_settings.replace(neo4j_uri=f"bolt://127.0.0.1:{free_port()}", subgraph_timeout=4.0)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url="http://w") as client:
        response = await asyncio.wait_for(
            client.post(
                "/graphql",
                json={"query": '{ searchTables(query: "orders") { totalCount } }'},
                headers={"Authorization": f"Bearer {make_token(tenant_id)}"},
            ),
            timeout=settings.subgraph_timeout,
        )
    errors = response.json()["errors"]
    assert [error["extensions"]["code"] for error in errors] == ["GRAPH_UNAVAILABLE"], errors
    assert errors[0]["message"] == "the schema graph is unavailable now; try again shortly"
