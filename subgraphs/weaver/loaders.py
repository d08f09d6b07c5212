"""Per-request dataloaders: every graph or table lookup of a request is batched into one round trip per level."""

from __future__ import annotations

from typing import Awaitable, Callable, Sequence, TypeVar

from aiodataloader import DataLoader

from subgraphs.weaver.runtime import WeaverRuntime

K = TypeVar("K")
V = TypeVar("V")


def _loader(fetch: Callable[[list], Awaitable[dict]], default=None) -> DataLoader:
    async def batch(keys: Sequence):
        found = await fetch(list(keys))
        return [found.get(k, [] if default is list else None) for k in keys]

    return DataLoader(batch_load_fn=batch)


class Loaders:
    """All loaders of one request, scoped to its tenant (a key of another tenant loads as missing)."""

    def __init__(self, runtime: WeaverRuntime, tenant_id: str):
        t = tenant_id
        self.datasource = _loader(lambda ids: runtime.datasources.get_many(t, ids))
        self.schemas_of_datasource = _loader(lambda ids: runtime.graph.schemas_of_datasources(t, ids), list)
        self.tables_of_schema = _loader(lambda keys: runtime.graph.tables_of_schemas(t, keys), list)
        self.table = _loader(lambda keys: runtime.graph.tables_by_key(t, keys))
        self.columns_of_table = _loader(lambda keys: runtime.graph.columns_of_tables(t, keys), list)
        self.column = _loader(lambda keys: runtime.graph.columns_by_key(t, keys))
        self.references = _loader(lambda keys: runtime.graph.fk_links(t, keys, outgoing=True), list)
        self.referenced_by = _loader(lambda keys: runtime.graph.fk_links(t, keys, outgoing=False), list)
        self.related_tables = _loader(lambda keys: runtime.graph.related_tables(t, keys), list)
        self.reference_paths = _loader(lambda keys: _paths_by_depth(runtime, t, keys), list)
        self.term = _loader(lambda ids: runtime.glossary.get_many(t, ids))
        self.term_children = _loader(lambda ids: runtime.glossary.children_of(t, ids), list)
        self.term_related = _loader(lambda ids: runtime.glossary.related_of(t, ids), list)
        self.term_links = _loader(lambda ids: runtime.glossary.links_of_terms(t, ids), list)
        self.terms_of_target = _loader(lambda keys: runtime.glossary.terms_of_targets(t, keys), list)
        self.table_statistics = _loader(lambda keys: runtime.statistics.history_of_tables(t, keys), list)
        self.column_statistics = _loader(lambda keys: runtime.statistics.latest_of_columns(t, keys))
        self.snapshot = _loader(lambda ids: runtime.snapshots.get_many(t, ids))
        self.snapshots_of_datasource = _loader(lambda ids: runtime.snapshots.list_for(t, ids), list)


async def _paths_by_depth(runtime: WeaverRuntime, tenant_id: str, keys: list[tuple[str, int]]) -> dict:
    """Keys are (column key, depth); one graph query per distinct depth (at most three)."""
    found: dict[tuple[str, int], list] = {}
    for depth in sorted({d for _, d in keys}):
        paths = await runtime.graph.reference_paths(tenant_id, [k for k, d in keys if d == depth], depth)
        found.update({(k, depth): v for k, v in paths.items()})
    return found
