from subgraphs.weaver.catalog.keys import column_key, schema_key, split_key, table_key


def test_keys_nest_datasource_schema_table_column():
    assert schema_key("ds", "sales") == "ds/sales"
    assert table_key("ds", "sales", "orders") == "ds/sales/orders"
    assert column_key("ds", "sales", "orders", "id") == "ds/sales/orders/id"


def test_names_with_separators_cannot_collide():
    assert table_key("ds", "a/b", "c") != table_key("ds", "a", "b/c")
    assert table_key("ds", "a.b", "c") != table_key("ds", "a", "b.c")


def test_split_key_inverts_the_builders():
    assert split_key(column_key("ds", "my schema", "a/b", "% col")) == ("ds", "my schema", "a/b", "% col")
