"""The schema graph in Neo4j/ArcadeDB:
`(:DataSource)-[:HAS_SCHEMA]->(:Schema)-[:HAS_TABLE]->(:Table)-[:HAS_COLUMN]->(:Column)`, `(:Column)-[:FK]->(:Column)`.

Every node carries `tenantId` and `dataSourceId`; every read filters on the tenant, so another tenant's keys
simply find nothing. Cypher here sticks to what Neo4j 5 and ArcadeDB both run (ARCHITECTURE.md §6): stable string
keys under uniqueness constraints, no element ids, no dynamic labels, batched `UNWIND … MERGE`.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from subgraphs.weaver.catalog.keys import column_key, schema_key, table_key
from subgraphs.weaver.catalog.model import DatabaseCatalog
from subgraphs.weaver.store.graph_client import GraphClient, GraphTransaction
from subgraphs.weaver.store.table_page_query import (
    TABLE_VALUES,
    ColumnRow,
    ForeignKeyEdge,
    PagedTable,
    TablePage,
    TablePageRequest,
    TableRow,
    column_values,
    order_edges,
    page_parameters,
    page_statement,
    read_page_row,
)

BATCH = 1000

_CONSTRAINTS = (
    "CREATE CONSTRAINT weaver_datasource_id IF NOT EXISTS FOR (n:DataSource) REQUIRE n.id IS UNIQUE",
    "CREATE CONSTRAINT weaver_schema_key IF NOT EXISTS FOR (n:Schema) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT weaver_table_key IF NOT EXISTS FOR (n:Table) REQUIRE n.key IS UNIQUE",
    "CREATE CONSTRAINT weaver_column_key IF NOT EXISTS FOR (n:Column) REQUIRE n.key IS UNIQUE",
    "CREATE INDEX weaver_schema_ds IF NOT EXISTS FOR (n:Schema) ON (n.dataSourceId)",
    "CREATE INDEX weaver_table_ds IF NOT EXISTS FOR (n:Table) ON (n.dataSourceId)",
    "CREATE INDEX weaver_column_ds IF NOT EXISTS FOR (n:Column) ON (n.dataSourceId)",
)


@dataclass(frozen=True)
class SchemaRow:
    key: str
    data_source_id: str
    name: str
    comment: str | None


_TABLE_FIELDS = (
    "t.key AS key, t.dataSourceId AS data_source_id, t.schemaName AS schema_name, t.name AS name, "
    "t.kind AS kind, t.comment AS comment"
)


def _chunks(rows: list[dict], size: int = BATCH) -> Iterable[list[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def catalog_rows(tenant_id: str, datasource_id: str, catalog: DatabaseCatalog) -> dict[str, list[dict]]:
    """Flatten a catalog into the parameter rows of the batched MERGE statements (pure; tested on its own)."""
    base = {"tenantId": tenant_id, "dataSourceId": datasource_id}
    schemas, tables, columns, fks = [], [], [], []
    for s in catalog.schemas:
        s_key = schema_key(datasource_id, s.name)
        schemas.append({"key": s_key, "props": {**base, "name": s.name, "comment": s.comment}})
        for t in s.tables:
            t_key = table_key(datasource_id, s.name, t.name)
            tables.append(
                {
                    "key": t_key,
                    "parent": s_key,
                    "props": {**base, "schemaName": s.name, "name": t.name, "kind": t.kind, "comment": t.comment},
                }
            )
            for c in t.columns:
                columns.append(
                    {
                        "key": column_key(datasource_id, s.name, t.name, c.name),
                        "parent": t_key,
                        "props": {
                            **base,
                            "tableKey": t_key,
                            "schemaName": s.name,
                            "tableName": t.name,
                            "name": c.name,
                            "dataType": c.data_type,
                            "nullable": c.nullable,
                            "defaultValue": c.default,
                            "isPrimaryKey": c.is_primary_key,
                            "ordinal": c.ordinal,
                            "comment": c.comment,
                        },
                    }
                )
            for fk in t.foreign_keys:
                for source, target in zip(fk.columns, fk.target_columns, strict=True):
                    fks.append(
                        {
                            "name": fk.name,
                            "source": column_key(datasource_id, s.name, t.name, source),
                            "target": column_key(datasource_id, fk.target_schema, fk.target_table, target),
                        }
                    )
    return {"schemas": schemas, "tables": tables, "columns": columns, "fks": fks}


class SchemaGraphStore:
    def __init__(self, client: GraphClient):
        self.client = client
        self._constraints_ready = False

    async def ensure_constraints(self) -> None:
        """Uniqueness constraints before any bulk MERGE (4× faster on ArcadeDB, and concurrency-safe)."""
        if self._constraints_ready:
            return
        for statement in _CONSTRAINTS:
            await self.client.run_schema(statement)
        self._constraints_ready = True

    # --- writes ---------------------------------------------------------------------------------------------

    async def replace_catalog(self, tenant_id: str, datasource_id: str, name: str, catalog: DatabaseCatalog) -> None:
        """Make the datasource's subgraph equal to `catalog` in one transaction (a failure changes nothing)."""
        await self.ensure_constraints()
        rows = catalog_rows(tenant_id, datasource_id, catalog)

        async def unit(tx: GraphTransaction) -> None:
            await tx.run(
                "MERGE (d:DataSource {id: $ds}) SET d.tenantId = $tenant, d.name = $name",
                ds=datasource_id,
                tenant=tenant_id,
                name=name,
            )
            for chunk in _chunks(rows["schemas"]):
                await tx.run(
                    "UNWIND $rows AS row MATCH (d:DataSource {id: $ds}) "
                    "MERGE (s:Schema {key: row.key}) SET s += row.props MERGE (d)-[:HAS_SCHEMA]->(s)",
                    rows=chunk,
                    ds=datasource_id,
                )
            for chunk in _chunks(rows["tables"]):
                await tx.run(
                    "UNWIND $rows AS row MATCH (s:Schema {key: row.parent}) "
                    "MERGE (t:Table {key: row.key}) SET t += row.props MERGE (s)-[:HAS_TABLE]->(t)",
                    rows=chunk,
                )
            for chunk in _chunks(rows["columns"]):
                await tx.run(
                    "UNWIND $rows AS row MATCH (t:Table {key: row.parent}) "
                    "MERGE (c:Column {key: row.key}) SET c += row.props MERGE (t)-[:HAS_COLUMN]->(c)",
                    rows=chunk,
                )
            await self._remove_missing(tx, datasource_id, rows)
            await tx.run("MATCH (c:Column {dataSourceId: $ds})-[r:FK]->() DELETE r", ds=datasource_id)
            for chunk in _chunks(rows["fks"]):
                await tx.run(
                    "UNWIND $rows AS row MATCH (a:Column {key: row.source}) "
                    "MATCH (b:Column {key: row.target}) "
                    "CREATE (a)-[:FK {name: row.name, dataSourceId: $ds}]->(b)",
                    rows=chunk,
                    ds=datasource_id,
                )

        await self.client.write(unit)

    @staticmethod
    async def _remove_missing(tx: GraphTransaction, datasource_id: str, rows: dict[str, list[dict]]) -> None:
        for label, kind in (("Column", "columns"), ("Table", "tables"), ("Schema", "schemas")):
            keep = [r["key"] for r in rows[kind]]
            await tx.run(
                f"MATCH (n:{label} {{dataSourceId: $ds}}) WHERE NOT n.key IN $keep DETACH DELETE n",
                ds=datasource_id,
                keep=keep,
            )

    async def rename_datasource(self, tenant_id: str, datasource_id: str, name: str) -> None:
        """Keep the graph's copy of the name current (nothing when the datasource was never synced)."""
        await self.client.write(
            lambda tx: tx.run(
                "MATCH (d:DataSource {id: $ds}) WHERE d.tenantId = $tenant SET d.name = $name",
                ds=datasource_id,
                tenant=tenant_id,
                name=name,
            )
        )

    async def delete_datasource(self, tenant_id: str, datasource_id: str) -> None:
        """Remove the datasource node and everything below it."""

        async def unit(tx: GraphTransaction) -> None:
            for label in ("Column", "Table", "Schema"):
                await tx.run(
                    f"MATCH (n:{label} {{dataSourceId: $ds}}) WHERE n.tenantId = $tenant DETACH DELETE n",
                    ds=datasource_id,
                    tenant=tenant_id,
                )
            await tx.run(
                "MATCH (d:DataSource {id: $ds}) WHERE d.tenantId = $tenant DETACH DELETE d",
                ds=datasource_id,
                tenant=tenant_id,
            )

        await self.client.write(unit)

    # --- batched reads (one round trip per call, whatever the number of keys) ------------------------------
    # `UNWIND $keys AS k MATCH (n {key: k})` rather than `WHERE n.key IN $keys`: one index seek per key on both
    # servers; ArcadeDB answers the IN form 3-9x slower with thousands of keys (measured, bench/weaver_loaders.py).

    async def schemas_of_datasources(self, tenant_id: str, ids: Sequence[str]) -> dict[str, list[SchemaRow]]:
        rows = await self.client.read(
            "UNWIND $ids AS k MATCH (d:DataSource {id: k})-[:HAS_SCHEMA]->(s:Schema) WHERE d.tenantId = $tenant "
            "RETURN s.key AS key, s.dataSourceId AS data_source_id, s.name AS name, s.comment AS comment",
            ids=list(ids),
            tenant=tenant_id,
        )
        return _group(rows, "data_source_id", SchemaRow, sort="name")

    async def table_pages(
        self, tenant_id: str, requests: Sequence[TablePageRequest]
    ) -> dict[TablePageRequest, TablePage]:
        """Pages of tables ordered by (name, key), each table with its columns and what its request asks to bring
        along (table_page_query): one statement per distinct page size and selection.

        `first + 1` rows are asked for so `has_next` costs nothing extra."""
        groups: dict[tuple[int, bool, int], list[TablePageRequest]] = defaultdict(list)
        for request in requests:
            groups[(request.first, request.with_links, max(request.path_depths, default=0))].append(request)
        results = await asyncio.gather(
            *(self._table_pages(tenant_id, *shape, group) for shape, group in groups.items())
        )
        return {request: page for found in results for request, page in found.items()}

    async def _table_pages(
        self, tenant_id: str, size: int, with_links: bool, path_depth: int, requests: list[TablePageRequest]
    ) -> dict[TablePageRequest, TablePage]:
        rows = await self.client.read_values(
            page_statement(with_links, path_depth),
            pages=page_parameters(requests),
            tenant=tenant_id,
            limit=size + 1,
        )
        found: dict[int, list[PagedTable]] = defaultdict(list)
        for values in rows:
            page_id, table = read_page_row(values, with_links, path_depth)
            found[page_id].append(table)
        result = {}
        for i, request in enumerate(requests):
            tables = sorted(found.get(i, ()), key=lambda table: (table.row.name, table.row.key))
            result[request] = TablePage(tuple(tables[:size]), len(tables) > size)
        return result

    async def count_tables_of_schemas(self, tenant_id: str, keys: Sequence[str]) -> dict[str, int]:
        rows = await self.client.read_values(
            "UNWIND $keys AS k MATCH (s:Schema {key: k})-[:HAS_TABLE]->(t:Table) WHERE s.tenantId = $tenant "
            "RETURN k, count(t)",
            keys=list(keys),
            tenant=tenant_id,
        )
        return {key: count for key, count in rows}

    async def tables_by_key(self, tenant_id: str, keys: Sequence[str]) -> dict[str, TableRow]:
        rows = await self.client.read_values(
            f"UNWIND $keys AS k MATCH (t:Table {{key: k}}) WHERE t.tenantId = $tenant RETURN {TABLE_VALUES}",
            keys=list(keys),
            tenant=tenant_id,
        )
        return {r[0]: TableRow(*r) for r in rows}

    async def columns_of_tables(self, tenant_id: str, keys: Sequence[str]) -> dict[str, list[ColumnRow]]:
        rows = await self.client.read_values(
            f"UNWIND $keys AS k MATCH (t:Table {{key: k}})-[:HAS_COLUMN]->(c:Column) WHERE t.tenantId = $tenant "
            f"RETURN {column_values('c')}",
            keys=list(keys),
            tenant=tenant_id,
        )
        grouped: dict[str, list[ColumnRow]] = defaultdict(list)
        for row in sorted((ColumnRow(*r) for r in rows), key=lambda c: c.ordinal):
            grouped[row.table_key].append(row)
        return dict(grouped)

    async def foreign_keys_of_tables(self, tenant_id: str, keys: Sequence[str]) -> dict[str, list[ForeignKeyEdge]]:
        """Every FK edge touching a column of each table, both directions, ordered by (direction, constraint name,
        column ordinal): one batch serves a table's related tables and its columns' references both ways."""
        directions = ((True, "-[r:FK]->"), (False, "<-[r:FK]-"))
        results = await asyncio.gather(
            *(
                self.client.read_values(
                    f"UNWIND $keys AS k MATCH (t:Table {{key: k}})-[:HAS_COLUMN]->(c:Column){arrow}(o:Column) "
                    f"WHERE t.tenantId = $tenant RETURN k, c.key, c.name, c.ordinal, r.name, {column_values('o')}",
                    keys=list(keys),
                    tenant=tenant_id,
                )
                for _, arrow in directions
            )
        )
        grouped: dict[str, list[ForeignKeyEdge]] = defaultdict(list)
        for (outgoing, _), rows in zip(directions, results, strict=True):
            for table, column, name, ordinal, constraint, *other in rows:
                grouped[table].append(ForeignKeyEdge(column, name, ordinal, constraint, outgoing, ColumnRow(*other)))
        return {table: order_edges(edges) for table, edges in grouped.items()}

    async def reference_paths(
        self, tenant_id: str, keys: Sequence[str], depth: int
    ) -> dict[str, dict[str, list[list[str]]]]:
        """FK chains `[:FK*1..depth]` from each column of each table: table key -> column key -> chains, each
        the column keys after the start, shortest first."""
        depth = max(1, min(3, int(depth)))
        rows = await self.client.read_values(
            "UNWIND $keys AS k MATCH (t:Table {key: k})-[:HAS_COLUMN]->(c:Column) WHERE t.tenantId = $tenant "
            f"MATCH p = (c)-[:FK*1..{depth}]->(o:Column) "
            "RETURN k, c.key, [n IN nodes(p) | n.key]",
            keys=list(keys),
            tenant=tenant_id,
        )
        grouped: dict[str, dict[str, list[list[str]]]] = defaultdict(lambda: defaultdict(list))
        for table, column, path in sorted(rows, key=lambda r: (len(r[2]), r[2])):
            grouped[table][column].append(path[1:])
        return {table: dict(columns) for table, columns in grouped.items()}

    async def search_tables(
        self, tenant_id: str, text: str, datasource_id: str | None, first: int, after: str | None
    ) -> tuple[list[TableRow], bool]:
        """Tables whose name or comment contains `text` (case-insensitive), keyset-paged by key."""
        condition = "AND t.dataSourceId = $ds " if datasource_id else ""
        rows = await self.client.read(
            f"MATCH (t:Table) WHERE t.tenantId = $tenant {condition}AND t.key > $after "
            "AND (toLower(t.name) CONTAINS $q OR toLower(coalesce(t.comment, '')) CONTAINS $q) "
            f"RETURN {_TABLE_FIELDS} ORDER BY t.key LIMIT $limit",
            tenant=tenant_id,
            ds=datasource_id,
            after=after or "",
            q=text.lower(),
            limit=first + 1,
        )
        found = sorted((TableRow(**r) for r in rows), key=lambda t: t.key)
        return found[:first], len(found) > first

    async def count_tables(self, tenant_id: str, text: str, datasource_id: str | None) -> int:
        condition = "AND t.dataSourceId = $ds " if datasource_id else ""
        rows = await self.client.read(
            f"MATCH (t:Table) WHERE t.tenantId = $tenant {condition}"
            "AND (toLower(t.name) CONTAINS $q OR toLower(coalesce(t.comment, '')) CONTAINS $q) RETURN count(t) AS n",
            tenant=tenant_id,
            ds=datasource_id,
            q=text.lower(),
        )
        return rows[0]["n"] if rows else 0

    async def columns_by_key(self, tenant_id: str, keys: Sequence[str]) -> dict[str, ColumnRow]:
        rows = await self.client.read_values(
            f"UNWIND $keys AS k MATCH (c:Column {{key: k}}) WHERE c.tenantId = $tenant RETURN {column_values('c')}",
            keys=list(keys),
            tenant=tenant_id,
        )
        return {r[0]: ColumnRow(*r) for r in rows}


def _group(rows: list[dict[str, Any]], by: str, row_type, sort: str) -> dict[str, list]:
    """Group result rows by a field; ordering happens here so no query relies on server-side order."""
    fields = set(row_type.__dataclass_fields__)
    grouped: dict[str, list] = defaultdict(list)
    for r in sorted(rows, key=lambda r: r[sort]):
        grouped[r[by]].append(row_type(**{k: v for k, v in r.items() if k in fields}))
    return dict(grouped)
