"""MySQL and MariaDB through aiomysql: metadata from information_schema, queries in READ ONLY transactions.

In MySQL a "schema" is a database; without a schema filter only the datasource's own database is read.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import defaultdict
from collections.abc import Sequence

import aiomysql
import pymysql

from axiom.deadlines import CONNECT_TIMEOUT
from subgraphs.weaver.adapters.base import (
    ConnectionParams,
    DataSourceUnreachable,
    QueryRejected,
    QueryResult,
    QueryTimedOut,
)
from subgraphs.weaver.adapters.values import json_value
from subgraphs.weaver.catalog.model import (
    TABLE,
    VIEW,
    ColumnMeta,
    DatabaseCatalog,
    ForeignKeyMeta,
    SchemaMeta,
    TableMeta,
)

log = logging.getLogger(__name__)
_SYSTEM = ("mysql", "information_schema", "performance_schema", "sys")
_TIMEOUT_ERRORS = {1969, 3024, 1317}  # MariaDB max_statement_time, MySQL max_execution_time, interrupted


def _in(values: Sequence[str]) -> str:
    return ", ".join(["%s"] * len(values))


class MySQLAdapter:
    async def _connect(self, params: ConnectionParams, timeout: float = CONNECT_TIMEOUT) -> aiomysql.Connection:
        try:
            return await asyncio.wait_for(
                aiomysql.connect(
                    host=params.host,
                    port=params.port,
                    user=params.username,
                    password=params.password or "",
                    db=params.database,
                    connect_timeout=timeout,
                    autocommit=True,
                    charset="utf8mb4",
                ),
                timeout + 1,
            )
        # ValueError: a host the resolver cannot encode (IDNA raises UnicodeError) or a NUL in a parameter.
        except (TimeoutError, OSError, pymysql.err.MySQLError, ValueError) as exc:
            raise DataSourceUnreachable(params.scrub(str(exc) or type(exc).__name__)) from exc

    async def test_connection(self, params: ConnectionParams, timeout: float = CONNECT_TIMEOUT) -> str:
        conn = await self._connect(params, timeout)
        try:
            async with conn.cursor() as cur:
                await cur.execute("SELECT VERSION()")
                return (await cur.fetchone())[0]
        finally:
            conn.close()

    async def introspect(self, params: ConnectionParams, schemas: Sequence[str] | None = None) -> DatabaseCatalog:
        wanted = [s for s in (schemas or [params.database]) if s not in _SYSTEM]
        if not wanted:
            return DatabaseCatalog()
        conn = await self._connect(params)
        try:
            async with conn.cursor(aiomysql.DictCursor) as cur:
                await cur.execute("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY")
                await cur.execute(
                    f"SELECT SCHEMA_NAME AS name FROM information_schema.SCHEMATA "
                    f"WHERE SCHEMA_NAME IN ({_in(wanted)}) ORDER BY SCHEMA_NAME",
                    wanted,
                )
                names = [r["name"] for r in await cur.fetchall()]
                tables = columns = fks = []
                if names:
                    await cur.execute(
                        f"""SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, TABLE_TYPE AS type, TABLE_COMMENT AS comment
                            FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ({_in(names)})
                            ORDER BY TABLE_SCHEMA, TABLE_NAME""",
                        names,
                    )
                    tables = await cur.fetchall()
                    await cur.execute(
                        f"""SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, COLUMN_NAME AS name, COLUMN_TYPE AS type,
                                   IS_NULLABLE AS nullable, COLUMN_DEFAULT AS dflt, COLUMN_KEY AS ckey,
                                   ORDINAL_POSITION AS ordinal, COLUMN_COMMENT AS comment
                            FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ({_in(names)})
                            ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION""",
                        names,
                    )
                    columns = await cur.fetchall()
                    await cur.execute(
                        f"""SELECT TABLE_SCHEMA AS s, TABLE_NAME AS t, CONSTRAINT_NAME AS name, COLUMN_NAME AS col,
                                   REFERENCED_TABLE_SCHEMA AS ts, REFERENCED_TABLE_NAME AS tt,
                                   REFERENCED_COLUMN_NAME AS tc
                            FROM information_schema.KEY_COLUMN_USAGE
                            WHERE TABLE_SCHEMA IN ({_in(names)}) AND REFERENCED_TABLE_NAME IS NOT NULL
                            ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION""",
                        names,
                    )
                    fks = await cur.fetchall()
                await cur.execute("COMMIT")
        finally:
            conn.close()
        return _assemble(names, tables, columns, fks)

    async def run_query(self, params: ConnectionParams, sql: str, limit: int, timeout: float) -> QueryResult:
        conn = await self._connect(params)
        try:
            async with conn.cursor(aiomysql.SSCursor) as cur:
                await _set_statement_timeout(cur, timeout)
                await cur.execute("START TRANSACTION READ ONLY")
                try:
                    await cur.execute(sql)
                    rows = await cur.fetchmany(limit + 1)
                    columns = [d[0] for d in cur.description or ()]
                except pymysql.err.MySQLError as exc:
                    code = exc.args[0] if exc.args else None
                    if code in _TIMEOUT_ERRORS:
                        raise QueryTimedOut(f"query exceeded the {timeout:g} s timeout") from exc
                    raise QueryRejected(str(exc.args[1] if len(exc.args) > 1 else exc)) from exc
                except asyncio.CancelledError:
                    # MySQL keeps running a statement whose client went away; nobody waits for it any more.
                    await asyncio.shield(self._kill_query(params, conn.thread_id()))
                    raise
        finally:
            conn.close()  # closing drops the rest of an unbuffered result and the transaction
        return QueryResult(
            columns=columns, rows=[[json_value(v) for v in r] for r in rows[:limit]], truncated=len(rows) > limit
        )

    async def _kill_query(self, params: ConnectionParams, thread_id: int) -> None:
        """Stop the statement running on connection `thread_id` (a user may stop its own statements)."""
        try:
            conn = await self._connect(params)
        except DataSourceUnreachable as exc:
            log.warning("could not stop a cancelled query: %s", exc)
            return
        try:
            async with conn.cursor() as cur:
                await cur.execute("KILL QUERY %s", (int(thread_id),))
        except pymysql.err.MySQLError as exc:  # it may have finished meanwhile
            log.info("stopping a cancelled query: %s", exc)
        finally:
            conn.close()

    async def estimate_rows(self, params: ConnectionParams, schemas: Sequence[str]) -> dict[tuple[str, str], int]:
        if not schemas:
            return {}
        conn = await self._connect(params)
        try:
            async with conn.cursor() as cur:
                await cur.execute(
                    f"SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_ROWS FROM information_schema.TABLES "
                    f"WHERE TABLE_SCHEMA IN ({_in(schemas)}) AND TABLE_TYPE = 'BASE TABLE'",
                    list(schemas),
                )
                rows = await cur.fetchall()
        finally:
            conn.close()
        return {(s, t): int(n) for s, t, n in rows if n is not None}

    async def profile(self, params: ConnectionParams, statements: Sequence[str], timeout: float) -> list:
        conn = await self._connect(params)
        results: list = []
        try:
            async with conn.cursor() as cur:
                await _set_statement_timeout(cur, timeout)
                for sql in statements:
                    try:
                        await cur.execute("START TRANSACTION READ ONLY")
                        await cur.execute(sql)
                        results.append(list(await cur.fetchone()))
                        await cur.execute("COMMIT")
                    except pymysql.err.MySQLError as exc:
                        results.append(exc)
                        await cur.execute("ROLLBACK")
        finally:
            conn.close()
        return results


async def _set_statement_timeout(cur, timeout: float) -> None:
    """MariaDB has max_statement_time (seconds), MySQL max_execution_time (milliseconds, SELECT only)."""
    try:
        await cur.execute(f"SET SESSION max_statement_time = {max(0.001, timeout):.3f}")
    except pymysql.err.MySQLError:
        await cur.execute(f"SET SESSION max_execution_time = {max(1, int(timeout * 1000))}")


_ENUM_LABEL = re.compile(r"'((?:[^']|'')*)'")


def enum_labels(column_type: str) -> tuple[str, ...]:
    """The labels of `enum('a','it''s')` in their order (MySQL doubles quotes inside COLUMN_TYPE)."""
    if not column_type.lower().startswith("enum("):
        return ()
    return tuple(m.group(1).replace("''", "'") for m in _ENUM_LABEL.finditer(column_type[len("enum(") :]))


def _assemble(names, table_rows, column_rows, fk_rows) -> DatabaseCatalog:
    columns: dict[tuple[str, str], list[ColumnMeta]] = defaultdict(list)
    for r in column_rows:
        bucket = columns[(r["s"], r["t"])]
        bucket.append(
            ColumnMeta(
                name=r["name"],
                data_type=r["type"],
                nullable=r["nullable"] == "YES",
                ordinal=len(bucket) + 1,
                default=r["dflt"],
                is_primary_key=r["ckey"] == "PRI",
                comment=r["comment"] or None,
                enum_labels=enum_labels(r["type"]),
            )
        )
    grouped: dict[tuple[str, str, str], list] = defaultdict(list)
    for r in fk_rows:
        grouped[(r["s"], r["t"], r["name"])].append(r)
    fks: dict[tuple[str, str], list[ForeignKeyMeta]] = defaultdict(list)
    for (s, t, name), parts in grouped.items():
        fks[(s, t)].append(
            ForeignKeyMeta(
                name=name,
                columns=tuple(p["col"] for p in parts),
                target_schema=parts[0]["ts"],
                target_table=parts[0]["tt"],
                target_columns=tuple(p["tc"] for p in parts),
            )
        )
    tables: dict[str, list[TableMeta]] = defaultdict(list)
    for r in table_rows:
        key = (r["s"], r["t"])
        kind = VIEW if r["type"] == "VIEW" else TABLE
        comment = None if kind == VIEW else r["comment"] or None  # MariaDB writes "VIEW" there
        tables[r["s"]].append(
            TableMeta(
                name=r["t"], kind=kind, comment=comment, columns=tuple(columns[key]), foreign_keys=tuple(fks[key])
            )
        )
    return DatabaseCatalog(schemas=tuple(SchemaMeta(name=n, tables=tuple(tables[n])) for n in names))
