"""Datasource mutations end to end: userErrors, testConnection, syncMetadata with snapshots and diff, delete."""

import asyncpg
import pytest

from subgraphs.weaver.adapters import ConnectionParams
from subgraphs.weaver.service.datasources import CatalogSync
from subgraphs.weaver.store.snapshots import SnapshotStore

CREATE = """mutation($input: CreateDataSourceInput!) { createDataSource(input: $input) {
    dataSource { id name engine port hasPassword schemaFilter } userErrors { field message code } } }"""
SYNC = """mutation($id: ID!) { syncMetadata(id: $id) {
    dataSource { lastSyncedAt } snapshot { id version tableCount columnCount foreignKeyCount }
    userErrors { field code message } } }"""
DIFF = """query($a: ID!, $b: ID!) { snapshotDiff(from: $a, to: $b) {
    tablesAdded { schemaName tableName } tablesRemoved { tableName } columnsAdded { tableName columnName }
    columnsChanged { ref { tableName columnName } changes { field before after } }
    foreignKeysAdded { name tableName targetTableName } } }"""


def input_for(local, schema, **extra):
    return {
        "name": f"src-{schema}",
        "engine": "POSTGRESQL",
        "host": local.host,
        "port": local.port,
        "database": local.database,
        "username": local.username,
        "schemas": [schema],
        **extra,
    }


async def create(gql, tenant, local, schema, **extra):
    _, body = await gql(tenant, CREATE, {"input": input_for(local, schema, **extra)})
    payload = body["data"]["createDataSource"]
    assert payload["userErrors"] == [], payload
    return payload["dataSource"]


async def test_create_returns_the_datasource_and_never_the_password(gql, tenant_id, local_params, source_schema):
    _, body = await gql(tenant_id, CREATE, {"input": input_for(local_params, source_schema, password="hunter2-secret")})
    ds = body["data"]["createDataSource"]["dataSource"]
    assert ds["hasPassword"] and ds["engine"] == "POSTGRESQL" and ds["schemaFilter"] == [source_schema]
    assert "hunter2-secret" not in str(body)


async def test_invalid_create_returns_user_errors_and_creates_nothing(gql, tenant_id):
    _, body = await gql(
        tenant_id,
        CREATE,
        {"input": {"name": "", "engine": "ORACLE", "host": "h", "database": "d", "username": "u", "port": 0}},
    )
    payload = body["data"]["createDataSource"]
    assert payload["dataSource"] is None
    assert {(e["field"], e["code"]) for e in payload["userErrors"]} == {
        ("name", "REQUIRED"),
        ("engine", "UNSUPPORTED"),
        ("port", "INVALID"),
    }
    _, body = await gql(tenant_id, "{ dataSources { totalCount } }")
    assert body["data"]["dataSources"]["totalCount"] == 0


async def test_duplicate_name_is_a_user_error(gql, tenant_id, local_params, source_schema):
    await create(gql, tenant_id, local_params, source_schema)
    _, body = await gql(tenant_id, CREATE, {"input": input_for(local_params, source_schema)})
    assert body["data"]["createDataSource"]["userErrors"][0]["code"] == "DUPLICATE"


async def test_update_changes_given_fields_and_reports_unknown_ids(
    gql, runtime, tenant_id, local_params, source_schema
):
    ds = await create(gql, tenant_id, local_params, source_schema)
    await gql(tenant_id, SYNC, {"id": ds["id"]})
    update = """mutation($input: UpdateDataSourceInput!) { updateDataSource(input: $input) {
        dataSource { name port hasPassword } userErrors { field code } } }"""
    _, body = await gql(tenant_id, update, {"input": {"id": ds["id"], "name": "renamed", "password": "x"}})
    assert body["data"]["updateDataSource"] == {
        "dataSource": {"name": "renamed", "port": local_params.port, "hasPassword": True},
        "userErrors": [],
    }
    _, body = await gql(tenant_id + "-b", update, {"input": {"id": ds["id"], "name": "stolen"}})
    assert body["data"]["updateDataSource"]["userErrors"] == [{"field": "id", "code": "NOT_FOUND"}]
    in_graph = await runtime.graph.client.read("MATCH (d:DataSource {id: $ds}) RETURN d.name AS name", ds=ds["id"])
    assert in_graph == [{"name": "renamed"}]  # the graph's copy follows at once, not at the next sync


async def test_test_connection_reports_reachable_and_unreachable(gql, tenant_id, local_params, source_schema):
    ds = await create(gql, tenant_id, local_params, source_schema)
    query = """mutation($id: ID, $input: ConnectionInput) { testConnection(id: $id, input: $input) {
        reachable message serverVersion userErrors { code } } }"""
    _, body = await gql(tenant_id, query, {"id": ds["id"]})
    assert body["data"]["testConnection"]["reachable"]
    assert "PostgreSQL" in body["data"]["testConnection"]["serverVersion"]
    bad = {
        "engine": "POSTGRESQL",
        "host": "127.0.0.1",
        "port": 1,
        "database": "x",
        "username": "u",
        "password": "pw-never-shown",
    }
    _, body = await gql(tenant_id, query, {"input": bad})
    result = body["data"]["testConnection"]
    assert not result["reachable"] and result["message"] and "pw-never-shown" not in str(body)
    _, body = await gql(tenant_id + "-b", query, {"id": ds["id"]})
    assert body["data"]["testConnection"]["userErrors"] == [{"code": "NOT_FOUND"}]


async def test_sync_records_versions_and_diff_lists_changes(
    gql, tenant_id, local_params, source_schema, services_settings
):
    ds = await create(gql, tenant_id, local_params, source_schema)
    _, first = await gql(tenant_id, SYNC, {"id": ds["id"]})
    snap1 = first["data"]["syncMetadata"]["snapshot"]
    assert snap1["version"] == 1 and snap1["tableCount"] == 4 and snap1["foreignKeyCount"] == 2
    assert first["data"]["syncMetadata"]["dataSource"]["lastSyncedAt"]

    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"""
            CREATE TABLE {source_schema}.refunds (id int PRIMARY KEY,
                                                  order_id int REFERENCES {source_schema}.orders (id));
            ALTER TABLE {source_schema}.customers ADD COLUMN phone text;
            DROP VIEW {source_schema}.big_orders;
            ALTER TABLE {source_schema}.orders ALTER COLUMN total TYPE numeric(14, 2);""")
    finally:
        await conn.close()
    _, second = await gql(tenant_id, SYNC, {"id": ds["id"]})
    snap2 = second["data"]["syncMetadata"]["snapshot"]
    assert snap2["version"] == 2

    _, body = await gql(tenant_id, DIFF, {"a": snap1["id"], "b": snap2["id"]})
    diff = body["data"]["snapshotDiff"]
    assert diff["tablesAdded"] == [{"schemaName": source_schema, "tableName": "refunds"}]
    assert diff["tablesRemoved"] == [{"tableName": "big_orders"}]
    assert {"tableName": "customers", "columnName": "phone"} in diff["columnsAdded"]
    assert diff["columnsChanged"] == [
        {
            "ref": {"tableName": "orders", "columnName": "total"},
            "changes": [{"field": "DATA_TYPE", "before": "numeric(12,2)", "after": "numeric(14,2)"}],
        }
    ]
    assert diff["foreignKeysAdded"] == [
        {"name": "refunds_order_id_fkey", "tableName": "refunds", "targetTableName": "orders"}
    ]
    _, body = await gql(
        tenant_id, "query($id: ID!) { dataSource(id: $id) { snapshots { version } } }", {"id": ds["id"]}
    )
    assert body["data"]["dataSource"]["snapshots"] == [{"version": 2}, {"version": 1}]

    _, body = await gql(tenant_id + "-b", DIFF, {"a": snap1["id"], "b": snap2["id"]})
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_a_datasource_deleted_while_it_syncs_is_not_found(
    gql, runtime, monkeypatch, tenant_id, local_params, source_schema
):
    ds = await create(gql, tenant_id, local_params, source_schema)
    sync = CatalogSync.sync

    async def sync_then_deleted(self, record):
        outcome = await sync(self, record)
        # A deleteDataSource that commits between the sync and syncMetadata's answer.
        await runtime.datasource_service.delete(record.tenant_id, record.id)
        return outcome

    monkeypatch.setattr(CatalogSync, "sync", sync_then_deleted)
    status, body = await gql(tenant_id, SYNC, {"id": ds["id"]})
    assert status == 200 and "errors" not in body, body
    assert body["data"]["syncMetadata"] == {
        "dataSource": None,
        "snapshot": None,
        "userErrors": [{"field": "id", "code": "NOT_FOUND", "message": "datasource not found"}],
    }


async def test_diff_of_snapshots_deleted_meanwhile_is_not_found(
    gql, runtime, monkeypatch, tenant_id, local_params, source_schema
):
    ds = await create(gql, tenant_id, local_params, source_schema)
    _, body = await gql(tenant_id, SYNC, {"id": ds["id"]})
    snapshot_id = body["data"]["syncMetadata"]["snapshot"]["id"]
    catalog, deleted = SnapshotStore.catalog, []

    async def deleted_then_catalog(self, tenant, snapshot):
        # deleteDataSource (its snapshots cascade) commits after snapshotDiff found the snapshots.
        if not deleted:
            deleted.append(await runtime.datasource_service.delete(tenant_id, ds["id"]))
        return await catalog(self, tenant, snapshot)

    monkeypatch.setattr(SnapshotStore, "catalog", deleted_then_catalog)
    status, body = await gql(tenant_id, DIFF, {"a": snapshot_id, "b": snapshot_id})
    assert status == 200 and body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "snapshot not found"
    assert error["extensions"] == {"code": "NOT_FOUND", "field": "from"}


async def test_failed_sync_keeps_the_previous_graph(gql, tenant_id, local_params, source_schema):
    ds = await create(gql, tenant_id, local_params, source_schema)
    await gql(tenant_id, SYNC, {"id": ds["id"]})
    update = "mutation($input: UpdateDataSourceInput!) { updateDataSource(input: $input) { userErrors { code } } }"
    await gql(tenant_id, update, {"input": {"id": ds["id"], "host": "127.0.0.1", "port": 1}})
    _, body = await gql(tenant_id, SYNC, {"id": ds["id"]})
    [error] = body["data"]["syncMetadata"]["userErrors"]
    assert error["code"] == "UNREACHABLE"
    _, body = await gql(
        tenant_id,
        "query($id: ID!) { dataSource(id: $id) { schemas { tables { totalCount } } snapshots { version } } }",
        {"id": ds["id"]},
    )
    [schema] = body["data"]["dataSource"]["schemas"]
    assert schema["tables"]["totalCount"] == 4 and body["data"]["dataSource"]["snapshots"] == [{"version": 1}]


async def test_delete_removes_graph_and_snapshots(gql, runtime, tenant_id, local_params, source_schema):
    ds = await create(gql, tenant_id, local_params, source_schema)
    await gql(tenant_id, SYNC, {"id": ds["id"]})
    delete = "mutation($id: ID!) { deleteDataSource(id: $id) { deletedId userErrors { code } } }"
    _, body = await gql(tenant_id + "-b", delete, {"id": ds["id"]})
    assert body["data"]["deleteDataSource"] == {"deletedId": None, "userErrors": [{"code": "NOT_FOUND"}]}
    _, body = await gql(tenant_id, delete, {"id": ds["id"]})
    assert body["data"]["deleteDataSource"] == {"deletedId": ds["id"], "userErrors": []}
    left = await runtime.graph.client.read(
        "MATCH (n:Table) WHERE n.dataSourceId = $ds RETURN count(n) AS n", ds=ds["id"]
    )
    assert left[0]["n"] == 0
    assert await runtime.snapshots.list_for(tenant_id, [ds["id"]]) == {}


async def test_diff_of_snapshots_of_two_datasources_is_refused(gql, tenant_id, local_params, source_schema):
    snapshots = []
    for name in ("one", "two"):
        ds = await create(gql, tenant_id, local_params, source_schema, name=f"{name}-{source_schema}")
        _, body = await gql(tenant_id, SYNC, {"id": ds["id"]})
        snapshots.append(body["data"]["syncMetadata"]["snapshot"]["id"])
    _, body = await gql(tenant_id, DIFF, {"a": snapshots[0], "b": snapshots[1]})
    [error] = body["errors"]
    assert body["data"] is None
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "field": "to",
        "reason": "SNAPSHOTS_OF_DIFFERENT_DATASOURCES",
    }
    assert "different datasources" in error["message"]


@pytest.mark.parametrize("engine", ["POSTGRESQL", "MYSQL", "MARIADB"])
async def test_a_host_name_that_cannot_be_encoded_is_a_user_error_for_every_engine(gql, tenant_id, engine):
    query = """mutation($input: ConnectionInput) { testConnection(input: $input) {
        reachable userErrors { field code } } }"""
    params = {"engine": engine, "host": "é" * 70, "database": "x", "username": "u"}
    _, body = await gql(tenant_id, query, {"input": params})
    assert "errors" not in body, body
    assert body["data"]["testConnection"]["userErrors"] == [{"field": "host", "code": "INVALID"}]


@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
async def test_a_stored_host_the_driver_cannot_encode_is_unreachable_not_a_fault(runtime, engine):
    # A datasource saved before hosts were checked still answers with a reason, not with a driver's traceback.
    params = ConnectionParams(engine=engine, host="é" * 70, port=1, database="x", username="u", password="")
    report = await runtime.datasource_service.test_connection(params)
    assert not report.reachable and "idna" in report.message
