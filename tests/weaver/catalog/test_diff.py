import dataclasses

from subgraphs.weaver.catalog.diff import ForeignKeyRef, ObjectRef, diff_catalogs
from subgraphs.weaver.catalog.model import ColumnMeta, DatabaseCatalog, SchemaMeta, TableMeta
from weaver.catalog.test_model import sample


def test_identical_catalogs_have_an_empty_diff():
    assert diff_catalogs(sample(), sample()).is_empty


def test_added_and_removed_tables_columns_and_schemas_are_listed():
    before = sample()
    [schema] = before.schemas
    orders = next(t for t in schema.tables if t.name == "orders")
    orders2 = dataclasses.replace(
        orders, columns=(*orders.columns[:1], ColumnMeta("note", "text", True, 2)), foreign_keys=()
    )
    after = DatabaseCatalog(
        schemas=(
            dataclasses.replace(schema, tables=(orders2, TableMeta("refunds"))),
            SchemaMeta("audit"),
        )
    )
    diff = diff_catalogs(before, after)
    assert diff.schemas_added == [ObjectRef("audit")]
    assert diff.tables_added == [ObjectRef("s", "refunds")]
    assert diff.tables_removed == [ObjectRef("s", "customers"), ObjectRef("s", "v")]
    assert diff.columns_added == [ObjectRef("s", "orders", "note")]
    assert ObjectRef("s", "orders", "customer_id") in diff.columns_removed
    assert diff.foreign_keys_removed == [
        ForeignKeyRef("s", "orders", "orders_customer_fk", ("customer_id",), "s", "customers", ("id",))
    ]
    assert diff.foreign_keys_added == []


def test_changed_column_properties_are_reported_field_by_field():
    before = sample()
    [schema] = before.schemas
    orders = next(t for t in schema.tables if t.name == "orders")
    changed_col = dataclasses.replace(orders.columns[1], data_type="bigint", nullable=True)
    orders2 = dataclasses.replace(orders, comment="All orders", columns=(orders.columns[0], changed_col))
    after = DatabaseCatalog(
        schemas=(
            dataclasses.replace(schema, tables=tuple(orders2 if t.name == "orders" else t for t in schema.tables)),
        )
    )
    diff = diff_catalogs(before, after)
    [table_change] = diff.tables_changed
    assert [(c.field, c.before, c.after) for c in table_change.changes] == [("comment", "Orders", "All orders")]
    [column_change] = diff.columns_changed
    assert column_change.ref == ObjectRef("s", "orders", "customer_id")
    assert {(c.field, c.before, c.after) for c in column_change.changes} == {
        ("data_type", "integer", "bigint"),
        ("nullable", False, True),
    }


def test_a_shifted_ordinal_alone_is_not_a_change():
    before = sample()
    [schema] = before.schemas
    orders = next(t for t in schema.tables if t.name == "orders")
    moved = dataclasses.replace(orders.columns[1], ordinal=7)
    after = DatabaseCatalog(
        schemas=(
            dataclasses.replace(
                schema,
                tables=tuple(
                    dataclasses.replace(t, columns=(t.columns[0], moved)) if t.name == "orders" else t
                    for t in schema.tables
                ),
            ),
        )
    )
    assert diff_catalogs(before, after).is_empty
