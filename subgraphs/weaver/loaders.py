"""Per-request dataloaders: every graph or table lookup of a request is batched into one round trip per level.

Catalog loaders hand out finished GraphQL objects (`Table`, `Column`, `GlossaryTerm` …), shaped once per batch,
so a resolver returns a loader's value as it is. A page of tables brings its columns along, and the foreign keys,
far-end tables and FK chains its selection asks for, and primes the per-key caches with all of them, so
`relatedTables`, `references`, `referencedBy`, `referencePaths` and the tables and columns they lead to cost no
further round trip. Resolvers return `ready(...)`: the value itself when the batch already finished (graphql-core
then completes the field synchronously, with no task or future to schedule), else the pending future
(`subgraphs.weaver.resolvers.loaded`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiodataloader import DataLoader

from subgraphs.weaver.runtime import WeaverRuntime
from subgraphs.weaver.store.table_page_query import PagedTable, TablePageRequest
from subgraphs.weaver.types.catalog import NO_LINKS, Column, ColumnPath, Table, TableLinks, TablePageResult
from subgraphs.weaver.types.glossary import GlossaryTerm


def _loader(
    fetch: Callable[[list], Awaitable[dict]], missing: Any = None, shape: Callable[[Any], Any] | None = None
) -> DataLoader:
    async def batch(keys: Sequence):
        found = await fetch(list(keys))
        if shape is not None:
            found = {k: shape(v) for k, v in found.items()}
        return [found.get(k, missing) for k in keys]

    return DataLoader(batch_load_fn=batch)


def _terms(records: list) -> list[GlossaryTerm]:
    return [GlossaryTerm.from_record(r) for r in records]


class Loaders:
    """All loaders of one request, scoped to its tenant (a key of another tenant loads as missing)."""

    def __init__(self, runtime: WeaverRuntime, tenant_id: str):
        t = tenant_id
        self._runtime, self._tenant = runtime, tenant_id
        graph = runtime.graph
        self.datasource = _loader(lambda ids: runtime.datasources.get_many(t, ids))
        self.schemas_of_datasource = _loader(lambda ids: graph.schemas_of_datasources(t, ids), [])
        self.table_page = DataLoader(batch_load_fn=self._table_pages)
        self.table_count = _loader(lambda keys: graph.count_tables_of_schemas(t, keys), 0)
        self.table = _loader(lambda keys: graph.tables_by_key(t, keys), shape=Table.from_row)
        self.columns_of_table = _loader(
            lambda keys: graph.columns_of_tables(t, keys), [], shape=lambda rows: [Column.from_row(r) for r in rows]
        )
        self.column = _loader(lambda keys: graph.columns_by_key(t, keys), shape=Column.from_row)
        self.table_links = _loader(lambda keys: graph.foreign_keys_of_tables(t, keys), NO_LINKS, shape=TableLinks.of)
        self.reference_paths = _loader(lambda keys: self._paths_by_depth(keys), {})
        self.term = _loader(lambda ids: runtime.glossary.get_many(t, ids))
        self.term_children = _loader(lambda ids: runtime.glossary.children_of(t, ids), [])
        self.term_related = _loader(lambda ids: runtime.glossary.related_of(t, ids), [])
        self.term_links = _loader(lambda ids: runtime.glossary.links_of_terms(t, ids), [])
        self.terms_of_target = _loader(lambda keys: runtime.glossary.terms_of_targets(t, keys), [], shape=_terms)
        self.table_statistics = _loader(lambda keys: runtime.statistics.history_of_tables(t, keys), [])
        self.column_statistics = _loader(lambda keys: runtime.statistics.latest_of_columns(t, keys))
        self.snapshot = _loader(lambda ids: runtime.snapshots.get_many(t, ids))
        self.snapshots_of_datasource = _loader(lambda ids: runtime.snapshots.list_for(t, ids), [])

    async def _table_pages(self, requests: Sequence[TablePageRequest]) -> list[TablePageResult]:
        pages = await self._runtime.graph.table_pages(self._tenant, requests)
        tables: set[str] = set()  # keys primed by this batch
        columns: set[str] = set()
        shaped = [
            TablePageResult(
                [self._prime_page_table(paged, tables, columns) for paged in pages[r].tables], pages[r].has_next
            )
            for r in requests
        ]
        for request in requests:  # after the pages' own tables, which come with their columns
            for paged in pages[request].tables:
                self._prime_far_ends(paged, request, tables, columns)
        return shaped

    def _prime_page_table(self, paged: PagedTable, tables: set[str], columns: set[str]) -> Table:
        """A table of a page, its columns by key and in order (`prime` keeps a value already cached)."""
        own = [Column.from_row(c) for c in paged.columns]
        table = Table.from_row(paged.row, own)
        self.table.prime(table.id, table)
        self.columns_of_table.prime(table.id, own)
        tables.add(table.id)
        for column in own:
            self.column.prime(column.id, column)
            columns.add(column.id)
        return table

    def _prime_far_ends(
        self, paged: PagedTable, request: TablePageRequest, tables: set[str], columns: set[str]
    ) -> None:
        """What the page statement brought along for a table: its foreign keys and the tables at their far ends,
        its columns' FK chains per `maxDepth` asked for and the columns along them (each far end shaped once)."""
        key = paged.row.key
        if request.with_links:
            self.table_links.prime(key, TableLinks.of(list(paged.edges)))
            for far in paged.far_tables:
                if far.key not in tables:
                    self.table.prime(far.key, Table.from_row(far))
                    tables.add(far.key)
        for chains in paged.paths.values():
            for chain in chains:
                for row in chain:
                    if row.key not in columns:
                        self.column.prime(row.key, Column.from_row(row))
                        columns.add(row.key)
        for depth in request.path_depths:
            self.reference_paths.prime(
                (key, depth),
                {
                    column: [ColumnPath(length=len(c), keys=[r.key for r in c]) for c in chains if len(c) <= depth]
                    for column, chains in paged.paths.items()
                },
            )

    async def _paths_by_depth(self, keys: list[tuple[str, int]]) -> dict[tuple[str, int], dict[str, list]]:
        """Keys are (table key, depth); one graph query per distinct depth (at most three)."""
        found: dict[tuple[str, int], dict[str, list]] = {}
        for depth in sorted({d for _, d in keys}):
            paths = await self._runtime.graph.reference_paths(self._tenant, [k for k, d in keys if d == depth], depth)
            found.update(
                {
                    (table, depth): {
                        column: [ColumnPath(length=len(p), keys=p) for p in chains]
                        for column, chains in by_column.items()
                    }
                    for table, by_column in paths.items()
                }
            )
        return found
