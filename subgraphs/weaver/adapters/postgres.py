"""PostgreSQL through asyncpg: metadata from pg_catalog, queries in READ ONLY transactions."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import asyncpg

from axiom.deadlines import CONNECT_TIMEOUT
from subgraphs.weaver.adapters.base import (
    ConnectionParams,
    DataSourceUnreachable,
    QueryRejected,
    QueryResult,
    QueryTimedOut,
)
from subgraphs.weaver.adapters.postgres_codecs import use_faithful_decoders
from subgraphs.weaver.adapters.values import json_value
from subgraphs.weaver.catalog.model import (
    MATERIALIZED_VIEW,
    TABLE,
    VIEW,
    ColumnMeta,
    DatabaseCatalog,
    ForeignKeyMeta,
    SchemaMeta,
    TableMeta,
)

_KINDS = {"r": TABLE, "p": TABLE, "f": TABLE, "v": VIEW, "m": MATERIALIZED_VIEW}

_SCHEMAS = """
SELECT n.nspname AS name, obj_description(n.oid, 'pg_namespace') AS comment
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
  AND has_schema_privilege(n.oid, 'USAGE')
  AND ($1::text[] IS NULL OR n.nspname = ANY($1::text[]))
ORDER BY n.nspname
"""

_TABLES = """
SELECT n.nspname AS schema, c.relname AS name, c.relkind::text AS kind, obj_description(c.oid, 'pg_class') AS comment
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition AND n.nspname = ANY($1::text[])
ORDER BY n.nspname, c.relname
"""

_COLUMNS = """
SELECT n.nspname AS schema, c.relname AS table, a.attname AS name,
       format_type(a.atttypid, a.atttypmod) AS data_type, NOT a.attnotnull AS nullable,
       pg_get_expr(d.adbin, d.adrelid) AS default_value, col_description(c.oid, a.attnum) AS comment,
       EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary
               AND a.attnum = ANY (i.indkey)) AS is_pk,
       ARRAY(SELECT e.enumlabel FROM pg_enum e WHERE e.enumtypid = COALESCE(NULLIF(t.typbasetype, 0), t.oid)
             ORDER BY e.enumsortorder) AS enum_labels
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'v', 'm') AND NOT c.relispartition
  AND n.nspname = ANY($1::text[])
ORDER BY n.nspname, c.relname, a.attnum
"""

# A foreign key is reported on the table a user sees: one declared on a partition belongs to its partitioned
# root (partitions are not listed), and so does a target that is a partition. Copies PostgreSQL makes of a
# parent's key on each partition (conparentid <> 0) are left out; `_assemble` drops keys several partitions
# declare alike.
_FOREIGN_KEYS = """
SELECT n.nspname AS schema, c.relname AS table, con.conname AS name,
       ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum ORDER BY k.ord) AS columns,
       fn.nspname AS target_schema, fc.relname AS target_table,
       ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum ORDER BY k.ord)
         AS target_columns
FROM pg_constraint con
JOIN pg_class c ON c.oid = COALESCE(pg_partition_root(con.conrelid), con.conrelid)
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class fc ON fc.oid = COALESCE(pg_partition_root(con.confrelid), con.confrelid)
JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0 AND n.nspname = ANY($1::text[])
ORDER BY n.nspname, c.relname, con.conname
"""


class PostgresAdapter:
    async def _connect(self, params: ConnectionParams, timeout: float = CONNECT_TIMEOUT) -> asyncpg.Connection:
        try:
            return await asyncpg.connect(
                host=params.host,
                port=params.port,
                user=params.username,
                password=params.password or None,
                database=params.database,
                timeout=timeout,
            )
        # ValueError: a host the resolver cannot encode (IDNA raises UnicodeError) or a NUL in a parameter.
        except (TimeoutError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError) as exc:
            reason = str(exc) or type(exc).__name__
            raise DataSourceUnreachable(params.scrub(reason)) from exc

    async def test_connection(self, params: ConnectionParams, timeout: float = CONNECT_TIMEOUT) -> str:
        conn = await self._connect(params, timeout)
        try:
            return await conn.fetchval("SELECT version()")
        finally:
            await conn.close()

    async def introspect(self, params: ConnectionParams, schemas: Sequence[str] | None = None) -> DatabaseCatalog:
        conn = await self._connect(params)
        try:
            # One snapshot of the catalog, so that tables and columns read in separate queries agree.
            async with conn.transaction(isolation="repeatable_read", readonly=True):
                schema_rows = await conn.fetch(_SCHEMAS, list(schemas) if schemas else None)
                names = [r["name"] for r in schema_rows]
                tables = await conn.fetch(_TABLES, names)
                columns = await conn.fetch(_COLUMNS, names)
                fks = await conn.fetch(_FOREIGN_KEYS, names)
        finally:
            await conn.close()
        return _assemble(schema_rows, tables, columns, fks)

    async def run_query(self, params: ConnectionParams, sql: str, limit: int, timeout: float) -> QueryResult:
        conn = await self._connect(params)
        try:
            await use_faithful_decoders(conn)
            async with conn.transaction(readonly=True):
                await conn.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
                try:
                    statement = await conn.prepare(sql)
                    cursor = await statement.cursor()
                    records = await cursor.fetch(limit + 1)
                except asyncpg.QueryCanceledError as exc:
                    raise QueryTimedOut(f"query exceeded the {timeout:g} s timeout") from exc
                except asyncpg.PostgresError as exc:
                    raise QueryRejected(str(exc)) from exc
                columns = [a.name for a in statement.get_attributes()]
        finally:
            await conn.close()
        rows = [[json_value(v) for v in r.values()] for r in records[:limit]]
        return QueryResult(columns=columns, rows=rows, truncated=len(records) > limit)

    async def estimate_rows(self, params: ConnectionParams, schemas: Sequence[str]) -> dict[tuple[str, str], int]:
        """Planner row estimates (absent when the table was never analysed)."""
        conn = await self._connect(params)
        try:
            rows = await conn.fetch(_ESTIMATES, list(schemas))
        finally:
            await conn.close()
        return {
            (r["schema"], r["name"]): r["estimate"] for r in rows if r["estimate"] is not None and r["estimate"] >= 0
        }

    async def profile(self, params: ConnectionParams, statements: Sequence[str], timeout: float) -> list:
        """Run each single-row statement read-only; a failing one (timeout, permission) yields its exception."""
        conn = await self._connect(params)
        results: list = []
        try:
            for sql in statements:
                try:
                    async with conn.transaction(readonly=True):
                        await conn.execute(f"SET LOCAL statement_timeout = {max(1, int(timeout * 1000))}")
                        results.append(list((await conn.fetchrow(sql)).values()))
                except asyncpg.PostgresError as exc:
                    results.append(exc)
        finally:
            await conn.close()
        return results


_ESTIMATES = """
SELECT n.nspname AS schema, c.relname AS name, c.reltuples::bigint AS estimate
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname = ANY($1::text[])
"""


def _assemble(schema_rows, table_rows, column_rows, fk_rows) -> DatabaseCatalog:
    columns: dict[tuple[str, str], list[ColumnMeta]] = defaultdict(list)
    for r in column_rows:
        bucket = columns[(r["schema"], r["table"])]
        bucket.append(
            ColumnMeta(
                name=r["name"],
                data_type=r["data_type"],
                nullable=r["nullable"],
                ordinal=len(bucket) + 1,
                default=r["default_value"],
                is_primary_key=r["is_pk"],
                comment=r["comment"],
                enum_labels=tuple(r["enum_labels"]),
            )
        )
    fks: dict[tuple[str, str], list[ForeignKeyMeta]] = defaultdict(list)
    seen: set[tuple] = set()
    for r in fk_rows:  # ordered by name: of keys several partitions declare alike, the first name is kept
        fk = ForeignKeyMeta(
            name=r["name"],
            columns=tuple(r["columns"]),
            target_schema=r["target_schema"],
            target_table=r["target_table"],
            target_columns=tuple(r["target_columns"]),
        )
        identity = (r["schema"], r["table"], fk.columns, fk.target_schema, fk.target_table, fk.target_columns)
        if identity not in seen:
            seen.add(identity)
            fks[(r["schema"], r["table"])].append(fk)
    tables: dict[str, list[TableMeta]] = defaultdict(list)
    for r in table_rows:
        key = (r["schema"], r["name"])
        tables[r["schema"]].append(
            TableMeta(
                name=r["name"],
                kind=_KINDS[r["kind"]],
                comment=r["comment"],
                columns=tuple(columns[key]),
                foreign_keys=tuple(fks[key]),
            )
        )
    return DatabaseCatalog(
        schemas=tuple(
            SchemaMeta(name=r["name"], comment=r["comment"], tables=tuple(tables[r["name"]])) for r in schema_rows
        )
    )
