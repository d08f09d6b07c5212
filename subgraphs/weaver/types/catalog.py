"""DataSource, Schema, Table and Column: the metadata catalog as GraphQL types."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from axiom.errors import BadUserInput
from subgraphs.weaver.catalog.keys import table_key
from subgraphs.weaver.pagination import DEFAULT_PAGE, check_first, decode_cursor, encode_cursor
from subgraphs.weaver.resolvers.access import loaders
from subgraphs.weaver.resolvers.loaded import ready, ready_all, then
from subgraphs.weaver.resolvers.page_prefetch import PageSelection, prefetch_page
from subgraphs.weaver.store.datasources import DataSourceRecord
from subgraphs.weaver.store.schema_graph import ColumnRow, ForeignKeyEdge, SchemaRow, TableRow
from subgraphs.weaver.types.arguments import After, First, NameArg, SchemaNameArg
from subgraphs.weaver.types.connection import Connection, Edge, PageInfo
from subgraphs.weaver.types.glossary import GlossaryTerm
from subgraphs.weaver.types.snapshots import MetadataSnapshot
from subgraphs.weaver.types.statistics import ColumnStatistics, TableStatistics


@strawberry.enum(description="Database engine of a datasource.")
class DataSourceEngine(Enum):
    POSTGRESQL = strawberry.enum_value("postgresql", description="PostgreSQL.")
    MYSQL = strawberry.enum_value("mysql", description="MySQL.")
    MARIADB = strawberry.enum_value("mariadb", description="MariaDB.")
    ORACLE = strawberry.enum_value("oracle", description="Oracle Database (declared; not supported yet).")


@strawberry.enum(description="What a table-like object is.")
class TableKind(Enum):
    TABLE = strawberry.enum_value("TABLE", description="A base table.")
    VIEW = strawberry.enum_value("VIEW", description="A view.")
    MATERIALIZED_VIEW = strawberry.enum_value("MATERIALIZED_VIEW", description="A materialized view.")


@strawberry.enum(description="Which side of a foreign key the table is on.")
class RelationDirection(Enum):
    OUTGOING = strawberry.enum_value(
        "OUTGOING", description="The table holds the foreign key (it references the other table)."
    )
    INCOMING = strawberry.enum_value("INCOMING", description="The other table holds a foreign key to this one.")


@strawberry.type(description="A column at the other end of a foreign key.")
class ColumnReference:
    constraint_name: str = strawberry.field(description="Name of the foreign key constraint.")
    column: Column = strawberry.field(description="The column at the other end.")

    @strawberry.field(description="The table of the column at the other end.")
    def table(self, info: Info) -> Table | None:
        return ready(loaders(info).table.load(self.column.table_key))


@strawberry.type(description="A chain of foreign keys followed from a column (up to three hops).")
class ColumnPath:
    length: int = strawberry.field(description="Number of foreign key hops.")
    keys: strawberry.Private[list[str]]

    @strawberry.field(description="Columns reached, in order (the starting column excluded).")
    def columns(self, info: Info) -> list[Column]:
        return ready_all(loaders(info).column, self.keys)


@strawberry.federation.type(keys=["id"], description="A column of a table or view.")
class Column:
    id: strawberry.ID = strawberry.field(description="Stable id: datasource id, schema, table and column name.")
    name: str = strawberry.field(description="Column name.")
    data_type: str = strawberry.field(description="Type as the database declares it, e.g. `numeric(12,2)`.")
    nullable: bool = strawberry.field(description="True when the column accepts NULL.")
    default_value: str | None = strawberry.field(description="Default expression, if any.")
    is_primary_key: bool = strawberry.field(description="True when the column is part of the primary key.")
    ordinal: int = strawberry.field(description="1-based position of the column in its table.")
    comment: str | None = strawberry.field(description="Comment stored in the database, if any.")
    table_key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: ColumnRow) -> Column:
        return cls(
            id=strawberry.ID(row.key),
            name=row.name,
            data_type=row.data_type,
            nullable=row.nullable,
            default_value=row.default_value,
            is_primary_key=row.is_primary_key,
            ordinal=row.ordinal,
            comment=row.comment,
            table_key=row.table_key,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Column | None:
        """Another subgraph's reference; a column of another tenant (or unknown) resolves to null."""
        return await loaders(info).column.load(str(id))

    @strawberry.field(description="The table the column belongs to.")
    def table(self, info: Info) -> Table | None:
        return ready(loaders(info).table.load(self.table_key))

    @strawberry.field(description="Statistics of the column from the last sync, if computed.")
    def statistics(self, info: Info) -> ColumnStatistics | None:
        return then(
            loaders(info).column_statistics.load(self.id),
            lambda record: ColumnStatistics.from_record(record) if record else None,
        )

    @strawberry.field(description="Glossary terms linked to the column.")
    def glossary_terms(self, info: Info) -> list[GlossaryTerm]:
        return ready(loaders(info).terms_of_target.load(self.id))

    @strawberry.field(description="Columns this column references through foreign keys.")
    def references(self, info: Info) -> list[ColumnReference]:
        return then(loaders(info).table_links.load(self.table_key), lambda links: links.references.get(self.id, []))

    @strawberry.field(description="Columns that reference this column through foreign keys.")
    def referenced_by(self, info: Info) -> list[ColumnReference]:
        return then(loaders(info).table_links.load(self.table_key), lambda links: links.referenced_by.get(self.id, []))

    @strawberry.field(description="Foreign key chains starting at this column (`[:FK*1..maxDepth]`).")
    def reference_paths(
        self,
        info: Info,
        max_depth: Annotated[int, strawberry.argument(description="Longest chain to follow, 1 to 3.")] = 3,
    ) -> list[ColumnPath]:
        if not 1 <= max_depth <= 3:
            raise BadUserInput("maxDepth must be between 1 and 3", field="maxDepth")
        return then(
            loaders(info).reference_paths.load((self.table_key, max_depth)),
            lambda by_column: by_column.get(self.id, []),
        )


@strawberry.federation.type(
    keys=["dataSourceId schemaName name"],
    description="A table or view of a datasource, as last synced into the schema graph.",
)
class Table:
    id: strawberry.ID = strawberry.field(description="Stable id: datasource id, schema and table name.")
    data_source_id: strawberry.ID = strawberry.field(description="Id of the datasource the table belongs to.")
    schema_name: str = strawberry.field(description="Name of the schema the table belongs to.")
    name: str = strawberry.field(description="Table name.")
    kind: TableKind = strawberry.field(description="Table, view or materialized view.")
    comment: str | None = strawberry.field(description="Comment stored in the database, if any.")
    loaded_columns: strawberry.Private[list[Column] | None] = None  # set when the table came with its columns

    @classmethod
    def from_row(cls, row: TableRow, columns: list[Column] | None = None) -> Table:
        return cls(
            id=strawberry.ID(row.key),
            data_source_id=strawberry.ID(row.data_source_id),
            schema_name=row.schema_name,
            name=row.name,
            kind=TableKind(row.kind),
            comment=row.comment,
            loaded_columns=columns,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, **representation) -> Table | None:
        """Another subgraph's reference; a table of another tenant (or unknown) resolves to null."""
        try:
            key = table_key(
                str(representation["dataSourceId"]), str(representation["schemaName"]), str(representation["name"])
            )
        except KeyError:
            return None
        return await loaders(info).table.load(key)

    @strawberry.field(description="Columns of the table, in their declared order.")
    def columns(self, info: Info) -> list[Column]:
        if self.loaded_columns is not None:
            return self.loaded_columns
        return ready(loaders(info).columns_of_table.load(self.id))

    @strawberry.field(description="Statistics of the table from the last sync (null for views or before a sync).")
    def statistics(self, info: Info) -> TableStatistics | None:
        return then(
            loaders(info).table_statistics.load(self.id),
            lambda history: TableStatistics.from_record(history[0]) if history else None,
        )

    @strawberry.field(description="Statistics of the table from every sync, newest first.")
    def statistics_history(self, info: Info) -> list[TableStatistics]:
        return then(
            loaders(info).table_statistics.load(self.id),
            lambda history: [TableStatistics.from_record(r) for r in history],
        )

    @strawberry.field(description="Glossary terms linked to the table.")
    def glossary_terms(self, info: Info) -> list[GlossaryTerm]:
        return ready(loaders(info).terms_of_target.load(self.id))

    @strawberry.field(description="Tables joined to this one by foreign keys, in both directions.")
    def related_tables(self, info: Info) -> list[TableRelation]:
        return then(loaders(info).table_links.load(self.id), lambda links: links.relations)

    @strawberry.field(description="The datasource the table belongs to.")
    def data_source(self, info: Info) -> DataSource | None:
        return then(
            loaders(info).datasource.load(self.data_source_id),
            lambda record: DataSource.from_record(record) if record else None,
        )


@strawberry.type(description="A table joined to another by a foreign key.")
class TableRelation:
    direction: RelationDirection = strawberry.field(
        description="OUTGOING: this table holds the foreign key; INCOMING: the other table does."
    )
    constraint_name: str = strawberry.field(description="Name of the foreign key constraint.")
    columns: list[str] = strawberry.field(description="Columns of this table in the constraint.")
    other_columns: list[str] = strawberry.field(description="Matching columns of the other table.")
    table_key: strawberry.Private[str]

    @strawberry.field(description="The other table.")
    def table(self, info: Info) -> Table:
        return ready(loaders(info).table.load(self.table_key))


@dataclass(frozen=True)
class TableLinks:
    """The foreign keys of one table, shaped once per batch for `relatedTables`, `references` and
    `referencedBy` of the table and its columns (column-keyed lists in FK-name order)."""

    references: dict[str, list[ColumnReference]]
    referenced_by: dict[str, list[ColumnReference]]
    relations: list[TableRelation]

    @classmethod
    def of(cls, edges: list[ForeignKeyEdge]) -> TableLinks:
        """From edges ordered by direction (outgoing first), constraint name and column ordinal."""
        references: dict[str, list[ColumnReference]] = defaultdict(list)
        referenced_by: dict[str, list[ColumnReference]] = defaultdict(list)
        pairs: dict[tuple[bool, str, str], list[tuple[str, str]]] = defaultdict(list)
        for edge in edges:
            side = references if edge.outgoing else referenced_by
            side[edge.column_key].append(
                ColumnReference(constraint_name=edge.constraint_name, column=Column.from_row(edge.other))
            )
            pairs[(edge.outgoing, edge.constraint_name, edge.other.table_key)].append(
                (edge.column_name, edge.other.name)
            )
        relations = [
            TableRelation(
                direction=RelationDirection.OUTGOING if outgoing else RelationDirection.INCOMING,
                constraint_name=name,
                columns=[mine for mine, _ in columns],
                other_columns=[theirs for _, theirs in columns],
                table_key=other,
            )
            for (outgoing, name, other), columns in pairs.items()
        ]
        relations.sort(key=lambda r: (r.direction is RelationDirection.INCOMING, r.table_key, r.constraint_name))
        return cls(dict(references), dict(referenced_by), relations)


NO_LINKS = TableLinks({}, {}, [])


@dataclass(frozen=True)
class TablePageResult:
    """One page of a schema's tables, each carrying its columns."""

    tables: list[Table]
    has_next: bool


@strawberry.type(name="Schema", description="A schema (namespace) of a datasource.")
class SchemaNode:
    name: str = strawberry.field(description="Schema name.")
    comment: str | None = strawberry.field(description="Comment stored in the database, if any.")
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: SchemaRow) -> SchemaNode:
        return cls(name=row.name, comment=row.comment, key=row.key)

    @strawberry.field(description="Tables and views of the schema, by name then id (Relay connection).")
    async def tables(self, info: Info, first: First = DEFAULT_PAGE, after: After = None) -> Connection[Table]:
        check_first(first)
        position = None
        if after is not None:
            name, key = decode_cursor(after, 2)
            if not isinstance(name, str) or not isinstance(key, str):
                raise BadUserInput("invalid cursor", field="after")
            position = (name, key)
        found, selection = loaders(info), PageSelection.of(info)
        page = await found.table_page.load(selection.request(self.key, first, position))
        await prefetch_page(found, selection, page.tables)
        edges = [Edge(cursor=encode_cursor(t.name, t.id), node=t) for t in page.tables]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=edges[-1].cursor if edges else None),
            count=lambda: found.table_count.load(self.key),
        )


@strawberry.federation.type(
    keys=["id"],
    description="A registered database whose metadata Weaver catalogs. "
    "The password is stored encrypted and never returned.",
)
class DataSource:
    id: strawberry.ID = strawberry.field(description="Datasource id (UUID).")
    name: str = strawberry.field(description="Name, unique within the tenant.")
    engine: DataSourceEngine = strawberry.field(description="Database engine.")
    host: str = strawberry.field(description="Host name, address or socket directory.")
    port: int = strawberry.field(description="TCP port.")
    database: str = strawberry.field(description="Database name.")
    username: str = strawberry.field(description="User Weaver connects as.")
    has_password: bool = strawberry.field(description="True when a password is stored (it is never returned).")
    schema_filter: list[str] | None = strawberry.field(
        description="Schemas that sync introspects; null means every schema the user can see."
    )
    last_synced_at: dt.datetime | None = strawberry.field(description="When metadata was last synced, if ever.")
    created_at: dt.datetime = strawberry.field(description="When the datasource was registered.")
    updated_at: dt.datetime = strawberry.field(description="When the datasource was last changed.")

    @classmethod
    def from_record(cls, r: DataSourceRecord) -> DataSource:
        return cls(
            id=strawberry.ID(r.id),
            name=r.name,
            engine=DataSourceEngine(r.engine),
            host=r.host,
            port=r.port,
            database=r.database,
            username=r.username,
            has_password=r.has_password,
            schema_filter=r.schema_filter,
            last_synced_at=r.last_synced_at,
            created_at=r.created_at,
            updated_at=r.updated_at,
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> DataSource | None:
        """Another subgraph's reference; a datasource of another tenant (or unknown) resolves to null."""
        record = await loaders(info).datasource.load(str(id))
        return cls.from_record(record) if record else None

    @strawberry.field(description="Schemas found by the last metadata sync, by name.")
    async def schemas(self, info: Info) -> list[SchemaNode]:
        rows = await loaders(info).schemas_of_datasource.load(str(self.id))
        return [SchemaNode.from_row(r) for r in rows]

    @strawberry.field(description="One schema by name, or null.")
    async def schema(self, info: Info, name: NameArg) -> SchemaNode | None:
        rows = await loaders(info).schemas_of_datasource.load(str(self.id))
        return next((SchemaNode.from_row(r) for r in rows if r.name == name), None)

    @strawberry.field(description="One table by schema and name, or null.")
    def table(self, info: Info, schema_name: SchemaNameArg, name: NameArg) -> Table | None:
        return ready(loaders(info).table.load(table_key(str(self.id), schema_name, name)))

    @strawberry.field(description="Metadata snapshots of the datasource, newest first.")
    async def snapshots(self, info: Info) -> list[MetadataSnapshot]:
        records = await loaders(info).snapshots_of_datasource.load(str(self.id))
        return [MetadataSnapshot.from_record(r) for r in records]


__all__ = ["Column", "DataSource", "DataSourceEngine", "SchemaNode", "Table", "TableKind"]
