"""MindsDB mode against a real MindsDB (PyPI `mindsdb`, its own environment, started once for this module; see
weaver/mindsdb_server.py): Weaver mirrors the datasource into MindsDB through MindsDB's postgres integration and
runs the user's read-only statement there as a native query. MindsDB requires a login, as in production."""

from __future__ import annotations

import dataclasses
import os
from contextlib import asynccontextmanager

import asyncpg
import httpx
import pytest

from axiom.embedded.process import free_port
from subgraphs.weaver.adapters.mindsdb import MindsDBClient, mirror_prefix
from subgraphs.weaver.app import create_app
from tests.isolated_venv import VenvInstallError
from weaver.mindsdb_server import MindsDBServer, mindsdb_venv

# The first test also installs MindsDB when its environment is not cached yet (minutes) and starts it (~1-2 min).
pytestmark = pytest.mark.timeout(1500)

USER, PASSWORD = "mdb-user", "mdb-password-1"
RUN = """mutation($d: ID!, $sql: String!, $limit: Int, $mode: QueryMode = MINDSDB) { runQuery(dataSourceId: $d,
    sql: $sql, limit: $limit, mode: $mode) { columns { name values } rowCount truncated mode } }"""
CREATE = """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) { dataSource { id } } }"""
DELETE = "mutation($id: ID!) { deleteDataSource(id: $id) { deletedId } }"


@pytest.fixture(scope="module")
def mindsdb(tmp_path_factory):
    """One MindsDB for this module's tests, stopped when they are done (nothing else uses it)."""
    try:
        venv, _ = mindsdb_venv()
    except VenvInstallError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"MindsDB could not be installed: {exc}")
        pytest.skip(f"MindsDB could not be installed: {exc}")
    server = MindsDBServer(venv, tmp_path_factory.mktemp("mindsdb"), USER, PASSWORD)
    server.start()
    try:
        yield server
    finally:
        server.stop()


class MindsDBAdmin:
    """The test's own look at MindsDB's state, through the same HTTP SQL API (logged in)."""

    def __init__(self, server: MindsDBServer):
        self.server = server

    async def sql(self, query: str) -> dict:
        async with httpx.AsyncClient(base_url=self.server.url, timeout=120) as client:
            login = await client.post("/api/login", json={"username": USER, "password": PASSWORD})
            login.raise_for_status()
            response = await client.post("/api/sql/query", json={"query": query})
            response.raise_for_status()
            return response.json()

    async def mirrors(self, datasource_id: str) -> dict[str, dict]:
        """The datasource's mirrors: name → {"engine": …, "connection": …} as MindsDB lists them."""
        body = await self.sql("SELECT NAME, ENGINE, CONNECTION_DATA FROM information_schema.databases")
        prefix = mirror_prefix(datasource_id)
        return {
            name: {"engine": engine, "connection": connection}
            for name, engine, connection in body["data"]
            if name.startswith(prefix)
        }


@pytest.fixture
def admin(mindsdb) -> MindsDBAdmin:
    return MindsDBAdmin(mindsdb)


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    """Every statement any Weaver process sends to MindsDB during the test, in order."""
    statements: list[str] = []
    original = MindsDBClient._sql

    async def recording(self, client, query):
        statements.append(query)
        return await original(self, client, query)

    monkeypatch.setattr(MindsDBClient, "_sql", recording)
    return statements


@asynccontextmanager
async def _weaver(services_settings, mindsdb, make_token, user=USER, password=PASSWORD):
    """One Weaver process (its own app and MindsDB client) in MindsDB mode."""
    settings = services_settings.replace(mindsdb_url=mindsdb.url, mindsdb_user=user, mindsdb_password=password)
    app = create_app(settings)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://weaver") as client,
    ):

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


async def _create_datasource(run, tenant_id, local_params, name="via-mindsdb") -> str:
    connection = {
        "host": local_params.host,
        "port": local_params.port,
        "database": local_params.database,
        "username": local_params.username,
    }
    if local_params.password:
        connection["password"] = local_params.password
    body = await run(tenant_id, CREATE, {"input": {"name": name, "engine": "POSTGRESQL", **connection}})
    return body["data"]["createDataSource"]["dataSource"]["id"]


async def test_queries_go_through_a_mindsdb_mirror_of_the_datasource(
    mindsdb_gql, admin, tenant_id, local_params, source_schema
):
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, local_params)
    body = await mindsdb_gql(
        tenant_id, RUN, {"d": ds_id, "sql": f"SELECT id, name FROM {source_schema}.customers ORDER BY id", "limit": 2}
    )
    assert body["data"]["runQuery"] == {
        "columns": [{"name": "id", "values": [1, 2]}, {"name": "name", "values": ["Ada", "Bob"]}],
        "rowCount": 2,
        "truncated": True,
        "mode": "MINDSDB",
    }
    [mirror] = (await admin.mirrors(ds_id)).values()
    assert mirror["engine"] == "postgres" and local_params.database in mirror["connection"]

    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": f"SELECT nope FROM {source_schema}.customers"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": "SELECT 1) UNION SELECT * FROM x (SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    ready = (await mindsdb_gql.client.get("/health/ready")).json()
    assert ready["checks"]["mindsdb"]["status"] == "up"

    await mindsdb_gql(tenant_id, DELETE, {"id": ds_id})
    assert await admin.mirrors(ds_id) == {}


async def test_values_through_mindsdb_are_those_of_direct_mode_but_temporal_ones_as_mindsdb_renders_them(
    mindsdb_gql, tenant_id, local_params, source_schema
):
    """MindsDB's HTTP API answers JSON without column types and renders every date and time stamp alike (UTC,
    no offset, microseconds), so Weaver passes those on as MindsDB wrote them (README: MindsDB mode)."""
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, local_params)
    same = (
        f"SELECT c.id, o.id AS order_id, c.name, c.email, o.total, o.total > 100 AS big, "
        f"12345678901234567::bigint AS big_int, 1.5::real AS ratio, '{{\"a\": [1, null]}}'::jsonb AS doc, "
        f"ARRAY[1, 2] AS pair, TIME '10:11:12' AS at "
        f"FROM {source_schema}.customers c LEFT JOIN {source_schema}.orders o ON o.customer_id = c.id "
        f"ORDER BY c.id, o.id"
    )
    direct = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": same, "mode": "DIRECT"})
    through = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": same})
    assert direct["data"]["runQuery"]["mode"] == "DIRECT" and through["data"]["runQuery"]["mode"] == "MINDSDB"
    assert through["data"]["runQuery"]["columns"] == direct["data"]["runQuery"]["columns"]
    assert through["data"]["runQuery"]["rowCount"] == 4

    temporal = (
        "SELECT DATE '2026-01-31' AS day, TIMESTAMP '2026-01-31 10:00:01.5' AS local_time, "
        "TIMESTAMPTZ '2026-01-31 10:00:00+02' AS instant"
    )
    through = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": temporal})
    assert through["data"]["runQuery"]["columns"] == [
        {"name": "day", "values": ["2026-01-31 00:00:00.000000"]},
        {"name": "local_time", "values": ["2026-01-31 10:00:01.500000"]},
        {"name": "instant", "values": ["2026-01-31 08:00:00.000000"]},
    ]

    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": f"SELECT id FROM {source_schema}.orders WHERE id < 0"})
    assert body["data"]["runQuery"] == {
        "columns": [{"name": "id", "values": []}],
        "rowCount": 0,
        "truncated": False,
        "mode": "MINDSDB",
    }


async def test_statements_that_write_are_refused_and_change_nothing(
    mindsdb_gql, tenant_id, local_params, source_schema, services_settings
):
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, local_params)
    writes = [
        f"DELETE FROM {source_schema}.orders",
        f"UPDATE {source_schema}.customers SET name = 'Eve'",
        f"INSERT INTO {source_schema}.customers (id, name) VALUES (9, 'Eve')",
        f"DROP TABLE {source_schema}.order_lines",
        f"WITH gone AS (DELETE FROM {source_schema}.orders RETURNING id) SELECT id FROM gone",
        f"SELECT id INTO {source_schema}.copied FROM {source_schema}.customers",
        f"SELECT 1; DELETE FROM {source_schema}.orders",
        f"SELECT 1) ; DELETE FROM {source_schema}.orders ; SELECT * FROM x (SELECT 1",
    ]
    for sql in writes:
        body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": sql})
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", sql
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        counts = await conn.fetchrow(
            f"SELECT (SELECT count(*) FROM {source_schema}.customers) AS customers, "
            f"(SELECT count(*) FROM {source_schema}.orders) AS orders, "
            f"(SELECT count(*) FROM {source_schema}.order_lines) AS lines, "
            f"to_regclass('{source_schema}.copied') AS copied"
        )
    finally:
        await conn.close()
    assert dict(counts) == {"customers": 3, "orders": 3, "lines": 0, "copied": None}


async def test_external_mode_flow_of_the_weaver_guide(mindsdb_gql, admin, tenant_id, local_params, source_schema):
    """Register, introspect into the graph with statistics, query through MindsDB, stay inside the tenant,
    delete (the mirror goes too) — the guide's external-mode end-to-end check (§6.4)."""
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, local_params, "external-mode")
    body = await mindsdb_gql(
        tenant_id,
        "mutation($i: UpdateDataSourceInput!) { updateDataSource(input: $i) { dataSource { id } } }",
        {"i": {"id": ds_id, "schemas": [source_schema]}},
    )
    assert body["data"]["updateDataSource"]["dataSource"]["id"] == ds_id, body
    body = await mindsdb_gql(
        tenant_id,
        "mutation($id: ID!) { syncMetadata(id: $id) { snapshot { id } userErrors { code } } }",
        {"id": ds_id},
    )
    assert body["data"]["syncMetadata"]["userErrors"] == [] and body["data"]["syncMetadata"]["snapshot"]
    body = await mindsdb_gql(
        tenant_id,
        """query($d: ID!, $s: String!) { table(dataSourceId: $d, schemaName: $s, name: "customers") {
            statistics { rowCount } columns { name } } }""",
        {"d": ds_id, "s": source_schema},
    )
    table = body["data"]["table"]
    assert table["statistics"] == {"rowCount": 3}
    columns = ", ".join(c["name"] for c in table["columns"] if c["name"] != "created_at")

    body = await mindsdb_gql(
        tenant_id, RUN, {"d": ds_id, "sql": f"SELECT {columns} FROM {source_schema}.customers ORDER BY id"}
    )
    assert body["data"]["runQuery"]["rowCount"] == 3 and body["data"]["runQuery"]["mode"] == "MINDSDB"

    other_tenant = f"{tenant_id}-other"
    body = await mindsdb_gql(other_tenant, RUN, {"d": ds_id, "sql": "SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    body = await mindsdb_gql(other_tenant, DELETE, {"id": ds_id})
    assert "errors" in body or body["data"]["deleteDataSource"]["deletedId"] is None
    assert len(await admin.mirrors(ds_id)) == 1  # another tenant's delete reached nothing

    await mindsdb_gql(tenant_id, DELETE, {"id": ds_id})
    assert await admin.mirrors(ds_id) == {}


async def test_connection_details_with_quotes_and_brackets_reach_the_datasource_unchanged(
    mindsdb_gql, admin, tenant_id, local_params, source_schema, services_settings
):
    """The mirror's parameters are written in MindsDB's SQL: a user name and password full of quotes, brackets
    and backslashes must arrive as they are (the role exists only under its exact name)."""
    role = "we\"ird\\role's})"
    quoted = '"' + role.replace('"', '""') + '"'
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"CREATE ROLE {quoted} LOGIN")
        await conn.execute(f"GRANT USAGE ON SCHEMA {source_schema} TO {quoted}")
        await conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {source_schema} TO {quoted}")
        params = dataclasses.replace(local_params, username=role, password="p\"w'}x\\y\u00e9")
        ds_id = await _create_datasource(mindsdb_gql, tenant_id, params)
        sql = f"SELECT current_user AS who, count(*) AS n FROM {source_schema}.customers"
        body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": sql})
        assert "errors" not in body, body
        assert body["data"]["runQuery"]["columns"] == [
            {"name": "who", "values": [role]},
            {"name": "n", "values": [3]},
        ]
        await mindsdb_gql(tenant_id, DELETE, {"id": ds_id})
        assert await admin.mirrors(ds_id) == {}
    finally:
        await conn.execute(f"DROP OWNED BY {quoted}")
        await conn.execute(f"DROP ROLE {quoted}")
        await conn.close()


async def test_a_password_mindsdb_cannot_read_is_refused_before_reaching_it(
    mindsdb_gql, admin, tenant_id, local_params, source_schema
):
    # MindsDB reads `\'` as a quote and has no escape for a backslash: this password cannot be written at all.
    params = dataclasses.replace(local_params, password="ends-with\\")
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, params)
    body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": f"SELECT id FROM {source_schema}.customers"})
    [error] = body["errors"]
    assert error["extensions"] == {"code": "BAD_USER_INPUT", "field": "dataSourceId"}
    assert "backslash" in error["message"] and "ends-with" not in error["message"]
    assert await admin.mirrors(ds_id) == {}


async def test_a_datasource_mindsdb_cannot_reach_is_unreachable_as_in_direct_mode(
    mindsdb_gql, admin, tenant_id, local_params
):
    params = dataclasses.replace(local_params, port=free_port())
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, params)
    for mode in ("DIRECT", "MINDSDB"):
        body = await mindsdb_gql(tenant_id, RUN, {"d": ds_id, "sql": "SELECT 1 AS one", "mode": mode})
        assert body["errors"][0]["extensions"]["code"] == "DATASOURCE_UNREACHABLE", (mode, body)
    assert await admin.mirrors(ds_id) == {}


async def test_a_mirror_mindsdb_lost_is_made_again(mindsdb_gql, admin, tenant_id, local_params, source_schema):
    ds_id = await _create_datasource(mindsdb_gql, tenant_id, local_params)
    sql = {"d": ds_id, "sql": f"SELECT count(*) AS n FROM {source_schema}.orders"}
    body = await mindsdb_gql(tenant_id, RUN, sql)
    assert body["data"]["runQuery"]["columns"] == [{"name": "n", "values": [3]}]
    [name] = await admin.mirrors(ds_id)
    await admin.sql(f"DROP DATABASE {name}")

    body = await mindsdb_gql(tenant_id, RUN, sql)
    assert body["data"]["runQuery"]["columns"] == [{"name": "n", "values": [3]}]
    assert list(await admin.mirrors(ds_id)) == [name]


async def test_weaver_processes_share_the_mirror_and_replace_it_only_for_a_new_version(
    services_settings, mindsdb, admin, sent, make_token, tenant_id, local_params, source_schema
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
        creates = [s for s in sent if s.startswith("CREATE DATABASE")]
        assert len(creates) == 1 and not [s for s in sent if s.startswith("DROP")]
        [old] = await admin.mirrors(ds_id)

        body = await first(
            tenant_id,
            "mutation($i: UpdateDataSourceInput!) { updateDataSource(input: $i) { dataSource { id } } }",
            {"i": {"id": ds_id, "name": "renamed"}},
        )
        assert body["data"]["updateDataSource"]["dataSource"]["id"] == ds_id
        body = await second(tenant_id, RUN, {"d": ds_id, **sql})
        assert body["data"]["runQuery"]["mode"] == "MINDSDB"
        [new] = await admin.mirrors(ds_id)
        assert new != old  # a new version replaced the old one, once
        body = await first(tenant_id, RUN, {"d": ds_id, **sql})
        assert body["data"]["runQuery"]["mode"] == "MINDSDB" and list(await admin.mirrors(ds_id)) == [new]


@pytest.mark.parametrize(("user", "password"), [(None, None), (USER, "wrong-password")], ids=["none", "wrong"])
async def test_mindsdb_refusing_weavers_login_is_an_error_not_an_empty_result(
    services_settings, mindsdb, admin, make_token, tenant_id, local_params, source_schema, user, password
):
    async with _weaver(services_settings, mindsdb, make_token, user=user, password=password) as run:
        ds_id = await _create_datasource(run, tenant_id, local_params)
        body = await run(tenant_id, RUN, {"d": ds_id, "sql": f"SELECT id FROM {source_schema}.customers"})
        ready = (await run.client.get("/health/ready")).json()
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "DATASOURCE_UNREACHABLE" and "login" in error["message"]
    assert "wrong-password" not in error["message"]
    assert await admin.mirrors(ds_id) == {}
    # Readiness names the cause instead of reporting MindsDB up (its status page needs no login).
    assert ready["checks"]["mindsdb"]["status"] == "down" and "mindsdb" in ready["down"]


async def test_mindsdb_mode_without_mindsdb_url_is_bad_user_input(gql, runtime, tenant_id):
    record = await runtime.datasources.create(
        tenant_id, name="x", engine="postgresql", host="h", port=1, database="d", username="u"
    )
    _, body = await gql(tenant_id, RUN, {"d": record.id, "sql": "SELECT 1"})
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
