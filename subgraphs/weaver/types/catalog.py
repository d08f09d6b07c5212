"""DataSource, Schema, Table and Column: the metadata catalog as GraphQL types."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import Annotated, Optional

import strawberry
from strawberry.types import Info

from axiom.errors import BadUserInput

from subgraphs.weaver.catalog.keys import table_key
from subgraphs.weaver.resolvers.access import loaders
from subgraphs.weaver.types.arguments import NameArg, SchemaNameArg
from subgraphs.weaver.types.glossary import GlossaryTerm
from subgraphs.weaver.types.snapshots import MetadataSnapshot
from subgraphs.weaver.types.statistics import ColumnStatistics, TableStatistics
from subgraphs.weaver.store.datasources import DataSourceRecord
from subgraphs.weaver.store.schema_graph import ColumnRow, SchemaRow, TableRow


@strawberry.enum(description="Database engine of a datasource.")
class DataSourceEngine(Enum):
    POSTGRESQL = "postgresql"
    MYSQL = "mysql"
    MARIADB = "mariadb"
    ORACLE = "oracle"


@strawberry.enum(description="What a table-like object is.")
class TableKind(Enum):
    TABLE = "TABLE"
    VIEW = "VIEW"
    MATERIALIZED_VIEW = "MATERIALIZED_VIEW"


@strawberry.enum(description="Which side of a foreign key the table is on.")
class RelationDirection(Enum):
    OUTGOING = "OUTGOING"
    INCOMING = "INCOMING"


@strawberry.type(description="A column at the other end of a foreign key.")
class ColumnReference:
    constraint_name: str = strawberry.field(description="Name of the foreign key constraint.")
    column: "Column" = strawberry.field(description="The column at the other end.")

    @strawberry.field(description="The table of the column at the other end.")
    async def table(self, info: Info) -> Optional["Table"]:
        row = await loaders(info).table.load(self.column.table_key)
        return Table.from_row(row) if row else None


@strawberry.type(description="A chain of foreign keys followed from a column (up to three hops).")
class ColumnPath:
    length: int = strawberry.field(description="Number of foreign key hops.")
    keys: strawberry.Private[list[str]]

    @strawberry.field(description="Columns reached, in order (the starting column excluded).")
    async def columns(self, info: Info) -> list["Column"]:
        rows = await loaders(info).column.load_many(self.keys)
        return [Column.from_row(r) for r in rows if r is not None]


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
    def from_row(cls, row: ColumnRow) -> "Column":
        return cls(id=strawberry.ID(row.key), name=row.name, data_type=row.data_type, nullable=row.nullable,
                   default_value=row.default_value, is_primary_key=row.is_primary_key, ordinal=row.ordinal,
                   comment=row.comment, table_key=row.table_key)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Optional["Column"]:
        """Another subgraph's reference; a column of another tenant (or unknown) resolves to null."""
        row = await loaders(info).column.load(str(id))
        return cls.from_row(row) if row else None

    @strawberry.field(description="The table the column belongs to.")
    async def table(self, info: Info) -> Optional["Table"]:
        row = await loaders(info).table.load(self.table_key)
        return Table.from_row(row) if row else None

    @strawberry.field(description="Statistics of the column from the last sync, if computed.")
    async def statistics(self, info: Info) -> ColumnStatistics | None:
        record = await loaders(info).column_statistics.load(str(self.id))
        return ColumnStatistics.from_record(record) if record else None

    @strawberry.field(description="Glossary terms linked to the column.")
    async def glossary_terms(self, info: Info) -> list[GlossaryTerm]:
        return [GlossaryTerm.from_record(r) for r in await loaders(info).terms_of_target.load(str(self.id))]

    @strawberry.field(description="Columns this column references through foreign keys.")
    async def references(self, info: Info) -> list[ColumnReference]:
        links = await loaders(info).references.load(str(self.id))
        return [ColumnReference(constraint_name=link.constraint_name, column=Column.from_row(link.column))
                for link in links]

    @strawberry.field(description="Columns that reference this column through foreign keys.")
    async def referenced_by(self, info: Info) -> list[ColumnReference]:
        links = await loaders(info).referenced_by.load(str(self.id))
        return [ColumnReference(constraint_name=link.constraint_name, column=Column.from_row(link.column))
                for link in links]

    @strawberry.field(description="Foreign key chains starting at this column (`[:FK*1..maxDepth]`).")
    async def reference_paths(
        self, info: Info,
        max_depth: Annotated[int, strawberry.argument(description="Longest chain to follow, 1 to 3.")] = 3,
    ) -> list[ColumnPath]:
        if not 1 <= max_depth <= 3:
            raise BadUserInput("maxDepth must be between 1 and 3", field="maxDepth")
        paths = await loaders(info).reference_paths.load((str(self.id), max_depth))
        return [ColumnPath(length=len(p), keys=p) for p in paths]


@strawberry.federation.type(keys=["dataSourceId schemaName name"],
                            description="A table or view of a datasource, as last synced into the schema graph.")
class Table:
    id: strawberry.ID = strawberry.field(description="Stable id: datasource id, schema and table name.")
    data_source_id: strawberry.ID = strawberry.field(description="Id of the datasource the table belongs to.")
    schema_name: str = strawberry.field(description="Name of the schema the table belongs to.")
    name: str = strawberry.field(description="Table name.")
    kind: TableKind = strawberry.field(description="Table, view or materialized view.")
    comment: str | None = strawberry.field(description="Comment stored in the database, if any.")

    @classmethod
    def from_row(cls, row: TableRow) -> "Table":
        return cls(id=strawberry.ID(row.key), data_source_id=strawberry.ID(row.data_source_id),
                   schema_name=row.schema_name, name=row.name, kind=TableKind(row.kind), comment=row.comment)

    @classmethod
    async def resolve_reference(cls, info: Info, **representation) -> Optional["Table"]:
        """Another subgraph's reference; a table of another tenant (or unknown) resolves to null."""
        try:
            key = table_key(str(representation["dataSourceId"]), str(representation["schemaName"]),
                            str(representation["name"]))
        except KeyError:
            return None
        row = await loaders(info).table.load(key)
        return cls.from_row(row) if row else None

    @strawberry.field(description="Columns of the table, in their declared order.")
    async def columns(self, info: Info) -> list[Column]:
        rows = await loaders(info).columns_of_table.load(str(self.id))
        return [Column.from_row(r) for r in rows]

    @strawberry.field(description="Statistics of the table from the last sync (null for views or before a sync).")
    async def statistics(self, info: Info) -> TableStatistics | None:
        history = await loaders(info).table_statistics.load(str(self.id))
        return TableStatistics.from_record(history[0]) if history else None

    @strawberry.field(description="Statistics of the table from every sync, newest first.")
    async def statistics_history(self, info: Info) -> list[TableStatistics]:
        return [TableStatistics.from_record(r) for r in await loaders(info).table_statistics.load(str(self.id))]

    @strawberry.field(description="Glossary terms linked to the table.")
    async def glossary_terms(self, info: Info) -> list[GlossaryTerm]:
        return [GlossaryTerm.from_record(r) for r in await loaders(info).terms_of_target.load(str(self.id))]

    @strawberry.field(description="Tables joined to this one by foreign keys, in both directions.")
    async def related_tables(self, info: Info) -> list["TableRelation"]:
        relations = await loaders(info).related_tables.load(str(self.id))
        return [TableRelation(
            direction=RelationDirection.OUTGOING if r.outgoing else RelationDirection.INCOMING,
            constraint_name=r.constraint_name, table=Table.from_row(r.table), columns=list(r.columns),
            other_columns=list(r.target_columns)) for r in relations]

    @strawberry.field(description="The datasource the table belongs to.")
    async def data_source(self, info: Info) -> Optional["DataSource"]:
        record = await loaders(info).datasource.load(str(self.data_source_id))
        return DataSource.from_record(record) if record else None


@strawberry.type(description="A table joined to another by a foreign key.")
class TableRelation:
    direction: RelationDirection = strawberry.field(
        description="OUTGOING: this table holds the foreign key; INCOMING: the other table does.")
    constraint_name: str = strawberry.field(description="Name of the foreign key constraint.")
    table: Table = strawberry.field(description="The other table.")
    columns: list[str] = strawberry.field(description="Columns of this table in the constraint.")
    other_columns: list[str] = strawberry.field(description="Matching columns of the other table.")


@strawberry.type(name="Schema", description="A schema (namespace) of a datasource.")
class SchemaNode:
    name: str = strawberry.field(description="Schema name.")
    comment: str | None = strawberry.field(description="Comment stored in the database, if any.")
    key: strawberry.Private[str]

    @classmethod
    def from_row(cls, row: SchemaRow) -> "SchemaNode":
        return cls(name=row.name, comment=row.comment, key=row.key)

    @strawberry.field(description="Tables and views of the schema, by name.")
    async def tables(self, info: Info) -> list[Table]:
        rows = await loaders(info).tables_of_schema.load(self.key)
        return [Table.from_row(r) for r in rows]


@strawberry.federation.type(keys=["id"], description="A registered database whose metadata Weaver catalogs. "
                                                     "The password is stored encrypted and never returned.")
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
        description="Schemas that sync introspects; null means every schema the user can see.")
    last_synced_at: dt.datetime | None = strawberry.field(description="When metadata was last synced, if ever.")
    created_at: dt.datetime = strawberry.field(description="When the datasource was registered.")
    updated_at: dt.datetime = strawberry.field(description="When the datasource was last changed.")

    @classmethod
    def from_record(cls, r: DataSourceRecord) -> "DataSource":
        return cls(id=strawberry.ID(r.id), name=r.name, engine=DataSourceEngine(r.engine), host=r.host, port=r.port,
                   database=r.database, username=r.username, has_password=r.has_password,
                   schema_filter=r.schema_filter, last_synced_at=r.last_synced_at, created_at=r.created_at,
                   updated_at=r.updated_at)

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Optional["DataSource"]:
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
    async def table(self, info: Info, schema_name: SchemaNameArg, name: NameArg) -> Table | None:
        row = await loaders(info).table.load(table_key(str(self.id), schema_name, name))
        return Table.from_row(row) if row else None

    @strawberry.field(description="Metadata snapshots of the datasource, newest first.")
    async def snapshots(self, info: Info) -> list[MetadataSnapshot]:
        records = await loaders(info).snapshots_of_datasource.load(str(self.id))
        return [MetadataSnapshot.from_record(r) for r in records]


__all__ = ["DataSource", "DataSourceEngine", "SchemaNode", "Table", "TableKind", "Column"]
