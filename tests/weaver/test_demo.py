from axiom.demo import DEMO_TENANT
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
