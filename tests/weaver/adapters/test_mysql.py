"""The MySQL/MariaDB adapter against a real MariaDB server."""

import asyncio
import dataclasses
import time
import uuid

import aiomysql
import pytest

from subgraphs.weaver.adapters.base import DataSourceUnreachable, QueryRejected, QueryTimedOut
from subgraphs.weaver.adapters.mysql import MySQLAdapter
from subgraphs.weaver.catalog.model import TABLE, VIEW


async def test_introspection_reads_tables_views_columns_keys_and_comments(mariadb):
    catalog = await MySQLAdapter().introspect(mariadb)
    [schema] = catalog.schemas
    assert schema.name == "shop"
    tables = {t.name: t for t in schema.tables}
    assert (tables["orders"].kind, tables["big_orders"].kind) == (TABLE, VIEW)
    assert tables["customers"].comment == "People who buy" and tables["big_orders"].comment is None
    columns = {c.name: c for c in tables["customers"].columns}
    assert columns["id"].is_primary_key and not columns["id"].nullable
    assert columns["name"].comment == "Full name" and columns["email"].nullable
    assert columns["name"].data_type == "varchar(100)"
    [fk] = tables["orders"].foreign_keys
    assert (fk.name, fk.columns, fk.target_schema, fk.target_table, fk.target_columns) == (
        "orders_customer_fk",
        ("customer_id",),
        "shop",
        "customers",
        ("id",),
    )


async def test_wrong_password_is_reported_without_the_password(mariadb):
    params = dataclasses.replace(mariadb, password="wrong-secret-pw")
    with pytest.raises(DataSourceUnreachable) as failure:
        await MySQLAdapter().test_connection(params)
    assert "Access denied" in str(failure.value) and "wrong-secret-pw" not in str(failure.value)
    assert "MariaDB" in await MySQLAdapter().test_connection(mariadb)


async def test_queries_are_capped_read_only_and_timed_out(mariadb):
    adapter = MySQLAdapter()
    result = await adapter.run_query(mariadb, "SELECT id, total FROM orders ORDER BY id", 2, 5)
    assert result.columns == ["id", "total"] and result.rows == [[10, 50.0], [11, 150.0]] and result.truncated
    with pytest.raises(QueryRejected):
        await adapter.run_query(mariadb, "SELECT * FROM no_such_table", 10, 5)
    with pytest.raises(QueryTimedOut):
        await adapter.run_query(mariadb, "SELECT SLEEP(3) FROM orders", 10, 0.5)


async def test_enum_labels_are_read_in_their_order(mariadb):
    catalog = await MySQLAdapter().introspect(mariadb)
    orders = next(t for t in catalog.schemas[0].tables if t.name == "orders")
    priority = next(c for c in orders.columns if c.name == "priority")
    assert priority.enum_labels == ("urgent", "low", "normal")


async def test_a_cancelled_query_stops_on_the_server(mariadb):
    async def running(marker: str) -> int:
        conn = await aiomysql.connect(
            host=mariadb.host,
            port=mariadb.port,
            user=mariadb.username,
            password=mariadb.password,
            db=mariadb.database,
            autocommit=True,
        )
        try:
            async with conn.cursor() as cur:
                await cur.execute(
                    "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE %s AND ID <> CONNECTION_ID()",
                    (f"%{marker}%",),
                )
                return (await cur.fetchone())[0]
        finally:
            conn.close()

    marker = f"m{uuid.uuid4().hex[:10]}"
    query = asyncio.ensure_future(MySQLAdapter().run_query(mariadb, f"SELECT SLEEP(30), '{marker}'", 10, 60))
    deadline = time.monotonic() + 10
    while await running(marker) == 0:
        assert time.monotonic() < deadline
        await asyncio.sleep(0.1)
    query.cancel()
    await asyncio.gather(query, return_exceptions=True)
    deadline = time.monotonic() + 3
    while await running(marker):
        assert time.monotonic() < deadline, "the statement still runs"
        await asyncio.sleep(0.1)
