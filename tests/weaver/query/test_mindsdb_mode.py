"""MindsDB mode against a local server speaking MindsDB's HTTP SQL API."""

import httpx
import pytest

from subgraphs.weaver.adapters.mindsdb import mirror_name
from subgraphs.weaver.app import create_app
from weaver.mindsdb_fake import FakeMindsDB

RUN = """mutation($d: ID!, $sql: String!, $limit: Int) { runQuery(dataSourceId: $d, sql: $sql, limit: $limit,
    mode: MINDSDB) { columns { name values } rowCount truncated mode } }"""
CREATE = """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) { dataSource { id } } }"""


@pytest.fixture
async def mindsdb():
    fake = FakeMindsDB("mdb-user", "mdb-pw")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def mindsdb_gql(services_settings, mindsdb, make_token):
    settings = services_settings.replace(mindsdb_url=mindsdb.url, mindsdb_user="mdb-user",
                                         mindsdb_password="mdb-pw")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:
            async def run(tenant, query, variables=None):
                response = await client.post("/graphql", json={"query": query, "variables": variables or {}},
                                             headers={"Authorization": f"Bearer {make_token(tenant)}"})
                return response.json()

            run.client = client
            yield run


async def test_queries_go_through_a_mindsdb_mirror_of_the_datasource(mindsdb_gql, mindsdb, tenant_id, local_params,
                                                                      source_schema):
    body = await mindsdb_gql(tenant_id, CREATE, {"input": {
        "name": "via-mindsdb", "engine": "POSTGRESQL", "host": local_params.host, "port": local_params.port,
        "database": local_params.database, "username": local_params.username}})
    ds_id = body["data"]["createDataSource"]["dataSource"]["id"]
    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": f"SELECT id, name FROM {source_schema}.customers "
                                                                 f"ORDER BY id", "limit": 2})
    result = body["data"]["runQuery"]
    assert result == {"columns": [{"name": "id", "values": [1, 2]}, {"name": "name", "values": ["Ada", "Bob"]}],
                      "rowCount": 2, "truncated": True, "mode": "MINDSDB"}
    mirror = mindsdb.databases[mirror_name(ds_id)]
    assert mirror["engine"] == "postgres" and mirror["database"] == local_params.database

    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": "SELECT nope FROM nowhere"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": "SELECT 1) UNION SELECT * FROM x (SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    ready = (await mindsdb_gql.client.get("/health/ready")).json()
    assert ready["checks"]["mindsdb"]["status"] == "up"

    await mindsdb_gql(tenant_id, "mutation($id: ID!) { deleteDataSource(id: $id) { deletedId } }", {"id": ds_id})
    assert mirror_name(ds_id) not in mindsdb.databases


async def test_mindsdb_mode_without_mindsdb_url_is_bad_user_input(gql, runtime, tenant_id):
    record = await runtime.datasources.create(tenant_id, name="x", engine="postgresql", host="h", port=1,
                                              database="d", username="u")
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": "SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
