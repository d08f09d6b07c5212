"""MindsDB mode against a local server speaking MindsDB's HTTP SQL API."""

from contextlib import asynccontextmanager

import httpx
import pytest

from subgraphs.weaver.adapters.mindsdb import mirror_prefix
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


@asynccontextmanager
async def _weaver(services_settings, mindsdb, make_token):
    """One Weaver process (its own app and MindsDB client) in MindsDB mode."""
    settings = services_settings.replace(mindsdb_url=mindsdb.url, mindsdb_user="mdb-user", mindsdb_password="mdb-pw")
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://weaver") as client:

            async def run(tenant, query, variables=None):
                response = await client.post(
                    "/graphql",
                    json={"query": query, "variables": variables or {}},
                    headers={"Authorization": f"Bearer {make_token(tenant)}"},
                )
                return response.json()

            run.client = client
            yield run


@pytest.fixture
async def mindsdb_gql(services_settings, mindsdb, make_token):
    async with _weaver(services_settings, mindsdb, make_token) as run:
        yield run


def _mirrors(mindsdb, ds_id) -> list[str]:
    return [name for name in mindsdb.databases if name.startswith(mirror_prefix(ds_id))]


def _statements(mindsdb, start: str) -> list[str]:
    return [statement for statement in mindsdb.statements if statement.startswith(start)]


async def _create_datasource(run, tenant_id, local_params, name="via-mindsdb") -> str:
    body = await run(
        tenant_id,
        CREATE,
        {
            "input": {
                "name": name,
                "engine": "POSTGRESQL",
                "host": local_params.host,
                "port": local_params.port,
                "database": local_params.database,
                "username": local_params.username,
            }
        },
    )
    return body["data"]["createDataSource"]["dataSource"]["id"]


async def test_queries_go_through_a_mindsdb_mirror_of_the_datasource(
    mindsdb_gql, mindsdb, tenant_id, local_params, source_schema
):
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, local_params)
    body = await mindsdb_gql(
        tenant_id, RUN, {"d": ds_id, "sql": f"SELECT id, name FROM {source_schema}.customers ORDER BY id", "limit": 2}
    )
    result = body["data"]["runQuery"]
    assert result == {
        "columns": [{"name": "id", "values": [1, 2]}, {"name": "name", "values": ["Ada", "Bob"]}],
        "rowCount": 2,
        "truncated": True,
        "mode": "MINDSDB",
    }
    [name] = _mirrors(mindsdb, ds_id)
    mirror = mindsdb.databases[name]
    assert mirror["engine"] == "postgres" and mirror["database"] == local_params.database

    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": "SELECT nope FROM nowhere"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": "SELECT 1) UNION SELECT * FROM x (SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    ready = (await mindsdb_gql.client.get("/health/ready")).json()
    assert ready["checks"]["mindsdb"]["status"] == "up"

    await mindsdb_gql(tenant_id, "mutation($id: ID!) { deleteDataSource(id: $id) { deletedId } }", {"id": ds_id})
    assert _mirrors(mindsdb, ds_id) == []


async def test_mindsdb_mode_without_mindsdb_url_is_bad_user_input(gql, runtime, tenant_id):
    record = await runtime.datasources.create(
        tenant_id, name="x", engine="postgresql", host="h", port=1, database="d", username="u"
    )
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": "SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_weaver_processes_share_the_mirror_and_replace_it_only_for_a_new_version(
    services_settings, mindsdb, make_token, tenant_id, local_params, source_schema
):
    sql = {"sql": f"SELECT count(*) AS n FROM {source_schema}.customers"}
    async with (
        _weaver(services_settings, mindsdb, make_token) as first,
        _weaver(services_settings, mindsdb, make_token) as second,
    ):
        ds_id = await _create_datasource(first, tenant_id, local_params, "shared-mirror")
        for process in (first, second, first, second):
            body = await process(tenant_id, RUN, {"d": ds_id, **sql})
            assert body["data"]["runQuery"]["mode"] == "MINDSDB"
        # The second process's first query neither dropped nor re-created the mirror the first one made.
        assert len(_statements(mindsdb, "CREATE DATABASE")) == 1 and _statements(mindsdb, "DROP") == []
        [old] = _mirrors(mindsdb, ds_id)

        body = await first(
            tenant_id,
            "mutation($i: UpdateDataSourceInput!) { updateDataSource(input: $i) { dataSource { id } } }",
            {"i": {"id": ds_id, "name": "renamed"}},
        )
        assert body["data"]["updateDataSource"]["dataSource"]["id"] == ds_id
        body = await second(tenant_id, RUN, {"d": ds_id, **sql})
        assert body["data"]["runQuery"]["mode"] == "MINDSDB"
        [new] = _mirrors(mindsdb, ds_id)
        assert new != old  # a new version replaced the old one, once
        body = await first(tenant_id, RUN, {"d": ds_id, **sql})
        assert body["data"]["runQuery"]["mode"] == "MINDSDB" and _mirrors(mindsdb, ds_id) == [new]
