from subgraphs.weaver.catalog.model import (
    VIEW,
    ColumnMeta,
    DatabaseCatalog,
    ForeignKeyMeta,
    SchemaMeta,
    TableMeta,
)


def sample() -> DatabaseCatalog:
    customers = TableMeta("customers", columns=(ColumnMeta("id", "integer", False, 1, is_primary_key=True),))
    orders = TableMeta(
        "orders",
        comment="Orders",
        columns=(
            ColumnMeta("id", "integer", False, 1, is_primary_key=True),
            ColumnMeta("customer_id", "integer", False, 2),
        ),
        foreign_keys=(ForeignKeyMeta("orders_customer_fk", ("customer_id",), "s", "customers", ("id",)),),
    )
    view = TableMeta("v", kind=VIEW, columns=(ColumnMeta("id", "integer", True, 1),))
    return DatabaseCatalog(schemas=(SchemaMeta("s", "comment", (customers, orders, view)),))


def test_catalog_round_trips_through_plain_dicts():
    catalog = sample()
    assert DatabaseCatalog.from_dict(catalog.to_dict()) == catalog


def test_catalog_counts_tables_columns_and_foreign_keys():
    catalog = sample()
    assert (catalog.table_count, catalog.column_count, catalog.foreign_key_count) == (3, 4, 1)
