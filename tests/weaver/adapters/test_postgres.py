import dataclasses

import asyncpg
import pytest

from subgraphs.weaver.adapters.base import DataSourceUnreachable
from subgraphs.weaver.adapters.postgres import PostgresAdapter
from subgraphs.weaver.catalog.model import TABLE, VIEW


async def test_introspection_reads_tables_views_columns_keys_and_comments(local_params, source_schema):
    catalog = await PostgresAdapter().introspect(local_params, [source_schema])
    [schema] = catalog.schemas
    assert schema.name == source_schema and schema.comment == "source schema for tests"
    tables = {t.name: t for t in schema.tables}
    assert set(tables) == {"customers", "orders", "order_lines", "big_orders"}
    assert tables["big_orders"].kind == VIEW and tables["orders"].kind == TABLE
    assert tables["customers"].comment == "People who buy"

    columns = {c.name: c for c in tables["customers"].columns}
    assert [c.name for c in tables["customers"].columns] == ["id", "name", "email", "created_at"]
    assert columns["id"].is_primary_key and not columns["id"].nullable and columns["id"].ordinal == 1
    assert columns["email"].nullable and columns["email"].comment == "Contact address"
    assert columns["created_at"].default == "now()" and columns["created_at"].data_type == "timestamp with time zone"
    assert {c.name for c in tables["order_lines"].columns if c.is_primary_key} == {"order_id", "line_no"}
    assert next(c for c in tables["orders"].columns if c.name == "total").data_type == "numeric(12,2)"

    [fk] = tables["orders"].foreign_keys
    assert (fk.columns, fk.target_schema, fk.target_table, fk.target_columns) == (
        ("customer_id",),
        source_schema,
        "customers",
        ("id",),
    )


async def test_schema_filter_limits_introspection(local_params, source_schema):
    catalog = await PostgresAdapter().introspect(local_params, [source_schema, "no_such_schema"])
    assert [s.name for s in catalog.schemas] == [source_schema]


async def test_unreachable_server_reports_the_reason_without_the_password(local_params):
    params = dataclasses.replace(local_params, host="127.0.0.1", port=1, password="s3cret-pw")
    with pytest.raises(DataSourceUnreachable) as failure:
        await PostgresAdapter().test_connection(params, timeout=3)
    assert str(failure.value) and "s3cret-pw" not in str(failure.value)


async def test_test_connection_returns_the_server_version(local_params):
    assert "PostgreSQL" in await PostgresAdapter().test_connection(local_params)


async def test_foreign_keys_of_partitions_are_reported_once_on_the_partitioned_table(
    local_params, source_schema, services_settings
):
    s = source_schema
    conn = await asyncpg.connect(services_settings.database_url)
    try:
        await conn.execute(f"""
            CREATE TABLE {s}.events (id int, customer_id int, order_id int, at date NOT NULL)
                PARTITION BY RANGE (at);
            CREATE TABLE {s}.events_2024 PARTITION OF {s}.events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
            CREATE TABLE {s}.events_2025 PARTITION OF {s}.events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
            -- declared on each partition alike, and one only on a single partition
            ALTER TABLE {s}.events_2024 ADD CONSTRAINT e24_customer FOREIGN KEY (customer_id)
                REFERENCES {s}.customers (id);
            ALTER TABLE {s}.events_2025 ADD CONSTRAINT e25_customer FOREIGN KEY (customer_id)
                REFERENCES {s}.customers (id);
            ALTER TABLE {s}.events_2025 ADD CONSTRAINT e25_order FOREIGN KEY (order_id) REFERENCES {s}.orders (id);
            -- a key declared on a partitioned table, which PostgreSQL copies onto every partition
            CREATE TABLE {s}.visits (id int, event_customer int, at date NOT NULL) PARTITION BY RANGE (at);
            CREATE TABLE {s}.visits_all PARTITION OF {s}.visits DEFAULT;
            ALTER TABLE {s}.visits ADD CONSTRAINT visits_customer FOREIGN KEY (event_customer)
                REFERENCES {s}.customers (id);""")
    finally:
        await conn.close()
    catalog = await PostgresAdapter().introspect(local_params, [s])
    tables = {t.name: t for t in catalog.schemas[0].tables}
    assert "events_2024" not in tables and "visits_all" not in tables
    assert [(fk.name, fk.columns, fk.target_table) for fk in tables["events"].foreign_keys] == [
        ("e24_customer", ("customer_id",), "customers"),
        ("e25_order", ("order_id",), "orders"),
    ]
    assert [(fk.name, fk.target_table) for fk in tables["visits"].foreign_keys] == [("visits_customer", "customers")]
