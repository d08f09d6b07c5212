from subgraphs.weaver.store.schema_graph import catalog_rows
from weaver.catalog.test_model import sample


def test_rows_carry_tenant_datasource_and_parent_keys():
    rows = catalog_rows("t1", "ds", sample())
    assert [r["key"] for r in rows["schemas"]] == ["ds/s"]
    assert {r["key"]: r["parent"] for r in rows["tables"]} == {
        "ds/s/customers": "ds/s",
        "ds/s/orders": "ds/s",
        "ds/s/v": "ds/s",
    }
    column = next(r for r in rows["columns"] if r["key"] == "ds/s/orders/customer_id")
    assert column["parent"] == "ds/s/orders"
    assert column["props"]["tenantId"] == "t1" and column["props"]["dataSourceId"] == "ds"
    assert column["props"]["ordinal"] == 2


def test_foreign_keys_become_column_to_column_rows():
    rows = catalog_rows("t1", "ds", sample())
    assert rows["fks"] == [
        {"name": "orders_customer_fk", "source": "ds/s/orders/customer_id", "target": "ds/s/customers/id"}
    ]
