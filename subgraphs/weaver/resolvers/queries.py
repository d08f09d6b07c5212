"""Root query fields."""

from __future__ import annotations

import datetime as dt

import strawberry
from strawberry.types import Info

from axiom.errors import BadUserInput, NotFound
from subgraphs.weaver.catalog.keys import table_key
from subgraphs.weaver.pagination import DEFAULT_PAGE, check_first, decode_cursor, encode_cursor
from subgraphs.weaver.resolvers.access import loaders, runtime, tenant
from subgraphs.weaver.store.datasources import parse_id
from subgraphs.weaver.types.catalog import DataSource, Table
from subgraphs.weaver.types.connection import Connection, Edge, PageInfo


async def require_datasource(info: Info, datasource_id: str):
    """The tenant's datasource record, or NOT_FOUND (also for another tenant's id: no existence leak)."""
    record = await loaders(info).datasource.load(str(datasource_id))
    if record is None:
        raise NotFound("datasource not found", field="id")
    return record


@strawberry.type
class DataSourceQueries:
    @strawberry.field(description="Datasources of the caller's tenant, oldest first (Relay connection).")
    async def data_sources(self, info: Info, first: int = DEFAULT_PAGE,
                           after: str | None = None) -> Connection[DataSource]:
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
        edges = [Edge(cursor=encode_cursor(r.created_at.isoformat(), r.id), node=DataSource.from_record(r))
                 for r in records]
        return Connection(edges=edges, page_info=PageInfo(has_next_page=has_next,
                                                          end_cursor=edges[-1].cursor if edges else None),
                          count=lambda: store.count(t))

    @strawberry.field(description="One datasource by id; NOT_FOUND when unknown to the caller's tenant.")
    async def data_source(self, info: Info, id: strawberry.ID) -> DataSource:
        return DataSource.from_record(await require_datasource(info, id))

    @strawberry.field(description="One table by datasource id, schema and name; null when unknown.")
    async def table(self, info: Info, data_source_id: strawberry.ID, schema_name: str, name: str) -> Table | None:
        row = await loaders(info).table.load(table_key(str(data_source_id), schema_name, name))
        return Table.from_row(row) if row else None
