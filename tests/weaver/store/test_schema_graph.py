import asyncio
import dataclasses
import uuid

import pytest

from subgraphs.weaver.adapters.postgres import PostgresAdapter
from subgraphs.weaver.catalog.keys import column_key, schema_key, table_key
from subgraphs.weaver.catalog.model import DatabaseCatalog
from subgraphs.weaver.store.schema_graph import TablePageRequest


async def synced(runtime, tenant, params, source_schema, ds_id="11111111-0000-0000-0000-000000000000"):
    catalog = await PostgresAdapter().introspect(params, [source_schema])
    await runtime.graph.replace_catalog(tenant, ds_id, "src", catalog)
    return catalog


def new_ds_id():
    return str(uuid.uuid4())


async def table_names(graph, tenant, schema) -> list[str]:
    """Names of a schema's tables, read as one page of up to 100."""
    request = TablePageRequest(schema, 100)
    return [table.row.name for table in (await graph.table_pages(tenant, [request]))[request].tables]


async def test_sync_writes_schemas_tables_columns_and_foreign_keys(runtime, tenant_id, local_params, source_schema):
    ds = new_ds_id()
    await synced(runtime, tenant_id, local_params, source_schema, ds)
    graph = runtime.graph
    schemas = await graph.schemas_of_datasources(tenant_id, [ds])
    assert [s.name for s in schemas[ds]] == [source_schema]
    assert await table_names(graph, tenant_id, schema_key(ds, source_schema)) == [
        "big_orders",
        "customers",
        "order_lines",
        "orders",
    ]
    orders = table_key(ds, source_schema, "orders")
    columns = (await graph.columns_of_tables(tenant_id, [orders]))[orders]
    assert [c.name for c in columns] == ["id", "customer_id", "total", "status"]
    assert columns[0].is_primary_key and columns[3].default_value == "'new'::text"
    rows = await graph.client.read(
        "MATCH (a:Column {key: $a})-[r:FK]->(b:Column) RETURN b.key AS target, r.name AS name",
        a=column_key(ds, source_schema, "orders", "customer_id"),
    )
    assert [r["target"] for r in rows] == [column_key(ds, source_schema, "customers", "id")]


async def test_resync_removes_what_disappeared(runtime, tenant_id, local_params, source_schema):
    ds = new_ds_id()
    catalog = await synced(runtime, tenant_id, local_params, source_schema, ds)
    [schema] = catalog.schemas
    fewer = dataclasses.replace(schema, tables=tuple(t for t in schema.tables if t.name != "order_lines"))
    await runtime.graph.replace_catalog(tenant_id, ds, "src", DatabaseCatalog(schemas=(fewer,)))
    gone = table_key(ds, source_schema, "order_lines")
    assert await runtime.graph.tables_by_key(tenant_id, [gone]) == {}
    assert await runtime.graph.columns_of_tables(tenant_id, [gone]) == {}
    leftover = await runtime.graph.client.read("MATCH (c:Column) WHERE c.tableKey = $k RETURN count(c) AS n", k=gone)
    assert leftover[0]["n"] == 0


async def test_reads_of_another_tenant_find_nothing(runtime, tenant_id, local_params, source_schema):
    ds = new_ds_id()
    await synced(runtime, tenant_id, local_params, source_schema, ds)
    key = table_key(ds, source_schema, "orders")
    assert await runtime.graph.tables_by_key("intruder", [key]) == {}
    assert await runtime.graph.columns_of_tables("intruder", [key]) == {}
    assert await runtime.graph.schemas_of_datasources("intruder", [ds]) == {}
    assert await table_names(runtime.graph, "intruder", schema_key(ds, source_schema)) == []
    assert await runtime.graph.foreign_keys_of_tables("intruder", [key]) == {}


async def test_delete_datasource_removes_its_whole_subgraph(runtime, tenant_id, local_params, source_schema):
    ds = new_ds_id()
    await synced(runtime, tenant_id, local_params, source_schema, ds)
    await runtime.graph.delete_datasource(tenant_id, ds)
    rows = await runtime.graph.client.read("MATCH (n:Column) WHERE n.dataSourceId = $ds RETURN count(n) AS n", ds=ds)
    assert rows[0]["n"] == 0
    assert await runtime.graph.schemas_of_datasources(tenant_id, [ds]) == {}


async def test_concurrent_syncs_of_one_datasource_all_succeed(runtime, tenant_id, local_params, source_schema):
    record = await runtime.datasources.create(
        tenant_id,
        name="concurrent",
        engine="postgresql",
        host=local_params.host,
        port=local_params.port,
        database=local_params.database,
        username=local_params.username,
        options={"schemas": [source_schema]},
    )
    outcomes = await asyncio.gather(*(runtime.catalog_sync.sync(record) for _ in range(3)))
    assert sorted(o.snapshot.version for o in outcomes) == [1, 2, 3]
    assert len(await table_names(runtime.graph, tenant_id, schema_key(record.id, source_schema))) == 4
    rows = await runtime.graph.client.read("MATCH (c:Column {dataSourceId: $ds}) RETURN count(c) AS n", ds=record.id)
    assert rows[0]["n"] == 13


async def test_a_sync_failing_midway_leaves_the_previous_graph(
    runtime, tenant_id, local_params, source_schema, monkeypatch
):
    ds = new_ds_id()
    catalog = await synced(runtime, tenant_id, local_params, source_schema, ds)
    [schema] = catalog.schemas
    renamed = dataclasses.replace(
        schema, tables=tuple(dataclasses.replace(t, name=t.name + "_v2") for t in schema.tables)
    )

    async def fail(*_args, **_kwargs):
        raise RuntimeError("failure after the MERGEs, before the deletions")

    monkeypatch.setattr(runtime.graph, "_remove_missing", fail)
    with pytest.raises(RuntimeError):
        await runtime.graph.replace_catalog(tenant_id, ds, "src", DatabaseCatalog(schemas=(renamed,)))
    assert await table_names(runtime.graph, tenant_id, schema_key(ds, source_schema)) == sorted(
        t.name for t in schema.tables
    )
