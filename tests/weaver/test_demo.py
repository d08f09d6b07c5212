from axiom.demo import DEMO_READER, DEMO_TENANT
from axiom.embedded.process import free_port
from subgraphs.weaver.catalog.keys import table_key
from subgraphs.weaver.demo import register_demo_datasource


async def test_demo_datasource_is_registered_once_and_synced(services_settings, demo_data, runtime):
    first = await register_demo_datasource(services_settings)
    second = await register_demo_datasource(services_settings)
    assert first == second
    record = await runtime.datasources.get(DEMO_TENANT, first)
    assert record.name == "Demo sales" and record.last_synced_at is not None
    schemas = await runtime.graph.schemas_of_datasources(DEMO_TENANT, [first])
    assert [s.name for s in schemas[first]] == ["sales"]
    key = table_key(first, "sales", "order_lines")
    columns = (await runtime.graph.columns_of_tables(DEMO_TENANT, [key]))[key]
    assert {c.name for c in columns} >= {"order_id", "product_id", "amount"}


RUN = "mutation($ds: ID!, $sql: String!) { runQuery(dataSourceId: $ds, sql: $sql) { rowCount columns { values } } }"


async def test_demo_datasource_reads_its_schema_only_as_a_read_only_role(services_settings, demo_data, runtime, gql):
    datasource = await register_demo_datasource(services_settings)
    record = await runtime.datasources.get(DEMO_TENANT, datasource)
    assert record.username == DEMO_READER
    _, body = await gql(DEMO_TENANT, RUN, {"ds": datasource, "sql": "SELECT count(*) FROM sales.orders"})
    assert body["data"]["runQuery"]["rowCount"] == 1, body
    for sql in (
        "SELECT pg_read_file('/etc/hostname')",
        "SELECT password_encrypted FROM weaver.datasources",
        "SELECT name FROM vision.cubes",
        "SELECT * FROM public.alembic_version",
    ):
        _, body = await gql(DEMO_TENANT, RUN, {"ds": datasource, "sql": sql})
        assert body["data"] is None and "permission denied" in body["errors"][0]["message"], (sql, body)


async def test_registering_the_demo_again_adds_no_snapshot(services_settings, demo_data, runtime):
    first = await register_demo_datasource(services_settings)
    before = (await runtime.snapshots.list_for(DEMO_TENANT, [first]))[first]
    again = await register_demo_datasource(services_settings)
    after = (await runtime.snapshots.list_for(DEMO_TENANT, [again]))[again]
    assert again == first and [s.id for s in after] == [s.id for s in before]


async def test_the_demo_datasource_follows_postgresql_to_its_new_port(services_settings, demo_data, runtime):
    """`up` once exited 1 when its PostgreSQL came back on another port: the datasource kept the old one."""
    datasource_id = await register_demo_datasource(services_settings)
    record = await runtime.datasources.get(DEMO_TENANT, datasource_id)
    await runtime.datasources.update(DEMO_TENANT, datasource_id, {"port": free_port()})  # where it was before
    assert await register_demo_datasource(services_settings) == datasource_id
    assert (await runtime.datasources.get(DEMO_TENANT, datasource_id)).port == record.port
