"""Root query fields."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import strawberry
from strawberry.types import Info

from axiom.errors import BadUserInput, NotFound
from subgraphs.weaver.catalog.diff import diff_catalogs
from subgraphs.weaver.catalog.keys import table_key
from subgraphs.weaver.pagination import DEFAULT_PAGE, check_first, decode_cursor, encode_cursor
from subgraphs.weaver.resolvers.access import loaders, runtime, tenant
from subgraphs.weaver.store.tenant_rows import parse_id
from subgraphs.weaver.types.arguments import After, DataSourceIdArg, First, IdArg, NameArg, SchemaNameArg
from subgraphs.weaver.types.catalog import DataSource, Table
from subgraphs.weaver.types.connection import Connection, Edge, PageInfo
from subgraphs.weaver.types.snapshots import MetadataSnapshot, SnapshotDiff


async def require_datasource(info: Info, datasource_id: str):
    """The tenant's datasource record, or NOT_FOUND (also for another tenant's id: no existence leak)."""
    record = await loaders(info).datasource.load(str(datasource_id))
    if record is None:
        raise NotFound("datasource not found", field="id")
    return record


@strawberry.type
class DataSourceQueries:
    @strawberry.field(description="Datasources of the caller's tenant, oldest first (Relay connection).")
    async def data_sources(
        self, info: Info, first: First = DEFAULT_PAGE, after: After = None
    ) -> Connection[DataSource]:
        check_first(first)
        position = None
        if after is not None:
            created_at, datasource_id = decode_cursor(after, 2)
            try:
                position = (dt.datetime.fromisoformat(created_at), parse_id(datasource_id) or "")
            except (TypeError, ValueError):
                position = None
            if position is None or not position[1]:
                raise BadUserInput("invalid cursor", field="after")
        t = tenant(info)
        store = runtime(info).datasources
        records, has_next = await store.list_page(t, first, position)
        edges = [
            Edge(cursor=encode_cursor(r.created_at.isoformat(), r.id), node=DataSource.from_record(r)) for r in records
        ]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
            count=lambda: store.count(t),
        )

    @strawberry.field(description="One datasource by id; NOT_FOUND when unknown to the caller's tenant.")
    async def data_source(self, info: Info, id: IdArg) -> DataSource:
        return DataSource.from_record(await require_datasource(info, id))

    @strawberry.field(description="One table by datasource id, schema and name; null when unknown.")
    async def table(
        self, info: Info, data_source_id: DataSourceIdArg, schema_name: SchemaNameArg, name: NameArg
    ) -> Table | None:
        return await loaders(info).table.load(table_key(str(data_source_id), schema_name, name))

    @strawberry.field(
        description="Tables and views whose name or comment contains `query` (case-insensitive), "
        "ordered by datasource, schema and name (Relay connection)."
    )
    async def search_tables(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="Text to look for; empty matches every table.")],
        data_source_id: Annotated[
            strawberry.ID | None, strawberry.argument(description="Only tables of this datasource.")
        ] = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Table]:
        check_first(first)
        start = decode_cursor(after, 1)[0] if after is not None else None
        if start is not None and not isinstance(start, str):
            raise BadUserInput("invalid cursor", field="after")
        t, graph = tenant(info), runtime(info).graph
        ds = str(data_source_id) if data_source_id is not None else None
        rows, has_next = await graph.search_tables(t, query, ds, first, start)
        edges = [Edge(cursor=encode_cursor(r.key), node=Table.from_row(r)) for r in rows]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
            count=lambda: graph.count_tables(t, query, ds),
        )

    @strawberry.field(description="One metadata snapshot by id; NOT_FOUND when unknown to the caller's tenant.")
    async def snapshot(self, info: Info, id: IdArg) -> MetadataSnapshot:
        return MetadataSnapshot.from_record(await require_snapshot(info, id, "id"))

    @strawberry.field(
        description="What changed between two snapshots (tables, columns, foreign keys) of one "
        "datasource. Snapshots of two different datasources are BAD_USER_INPUT "
        "(reason SNAPSHOTS_OF_DIFFERENT_DATASOURCES)."
    )
    async def snapshot_diff(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from", description="Older snapshot id.")],
        to: Annotated[strawberry.ID, strawberry.argument(description="Newer snapshot id.")],
    ) -> SnapshotDiff:
        a = await require_snapshot(info, from_, "from")
        b = await require_snapshot(info, to, "to")
        if a.datasource_id != b.datasource_id:
            # Two catalogs of unrelated databases differ everywhere; such a "diff" would only mislead.
            raise BadUserInput(
                "the snapshots belong to different datasources; compare snapshots of one datasource",
                field="to",
                reason=DIFFERENT_DATASOURCES,
            )
        store = runtime(info).snapshots
        before, after = await store.catalog(tenant(info), a.id), await store.catalog(tenant(info), b.id)
        # Every snapshot row holds its catalog: one missing was deleted (with its datasource) since it was found.
        if before is None:
            raise NotFound("snapshot not found", field="from")
        if after is None:
            raise NotFound("snapshot not found", field="to")
        return SnapshotDiff.of(
            MetadataSnapshot.from_record(a), MetadataSnapshot.from_record(b), diff_catalogs(before, after)
        )


DIFFERENT_DATASOURCES = "SNAPSHOTS_OF_DIFFERENT_DATASOURCES"


async def require_snapshot(info: Info, snapshot_id: str, field: str):
    record = await loaders(info).snapshot.load(str(snapshot_id))
    if record is None:
        raise NotFound("snapshot not found", field=field)
    return record
