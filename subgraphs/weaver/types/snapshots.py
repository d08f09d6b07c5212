"""Metadata snapshots and their differences."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.types import Info

from subgraphs.weaver.catalog import diff as d
from subgraphs.weaver.resolvers.access import loaders
from subgraphs.weaver.store.snapshots import SnapshotRecord

if TYPE_CHECKING:  # imported lazily at run time (the two modules refer to each other)
    from subgraphs.weaver.types.catalog import DataSource


@strawberry.type(description="A versioned copy of a datasource's metadata, written by each successful sync.")
class MetadataSnapshot:
    id: strawberry.ID = strawberry.field(description="Snapshot id.")
    data_source_id: strawberry.ID = strawberry.field(description="Datasource the snapshot was taken of.")
    version: int = strawberry.field(description="1 for the first sync of the datasource, then 2, 3 …")
    created_at: dt.datetime = strawberry.field(description="When the sync finished.")
    schema_count: int = strawberry.field(description="Number of schemas.")
    table_count: int = strawberry.field(description="Number of tables and views.")
    column_count: int = strawberry.field(description="Number of columns.")
    foreign_key_count: int = strawberry.field(description="Number of foreign key constraints.")

    @classmethod
    def from_record(cls, r: SnapshotRecord) -> MetadataSnapshot:
        return cls(
            id=strawberry.ID(r.id),
            data_source_id=strawberry.ID(r.datasource_id),
            version=r.version,
            created_at=r.created_at,
            schema_count=r.schema_count,
            table_count=r.table_count,
            column_count=r.column_count,
            foreign_key_count=r.foreign_key_count,
        )

    @strawberry.field(description="The datasource the snapshot was taken of.")
    async def data_source(
        self, info: Info
    ) -> (
        Annotated[
            DataSource,
            strawberry.lazy("subgraphs.weaver.types.catalog"),
        ]
        | None
    ):
        from subgraphs.weaver.types.catalog import DataSource

        record = await loaders(info).datasource.load(str(self.data_source_id))
        return DataSource.from_record(record) if record else None


@strawberry.type(description="A schema, table or column named by its path.")
class ObjectRef:
    schema_name: str = strawberry.field(description="Schema name.")
    table_name: str | None = strawberry.field(description="Table name (absent for a schema).")
    column_name: str | None = strawberry.field(description="Column name (only for a column).")

    @classmethod
    def of(cls, ref: d.ObjectRef) -> ObjectRef:
        return cls(schema_name=ref.schema, table_name=ref.table, column_name=ref.column)


@strawberry.enum(description="A property of a table or column that a snapshot diff compares.")
class SnapshotProperty(Enum):
    KIND = strawberry.enum_value("kind", description="A table's kind (table, view, materialized view).")
    COMMENT = strawberry.enum_value("comment", description="The comment stored in the database.")
    DATA_TYPE = strawberry.enum_value("data_type", description="A column's type as the database declares it.")
    NULLABLE = strawberry.enum_value("nullable", description="Whether a column accepts NULL.")
    DEFAULT = strawberry.enum_value("default", description="A column's default expression.")
    IS_PRIMARY_KEY = strawberry.enum_value("is_primary_key", description="Whether a column is in the primary key.")


@strawberry.type(description="One property that differs between two snapshots.")
class FieldChange:
    field: SnapshotProperty = strawberry.field(description="The property.")
    before: str | None = strawberry.field(description="Value in the older snapshot, as text.")
    after: str | None = strawberry.field(description="Value in the newer snapshot, as text.")


@strawberry.type(description="A table or column present in both snapshots with different properties.")
class ObjectChange:
    ref: ObjectRef = strawberry.field(description="What changed.")
    changes: list[FieldChange] = strawberry.field(description="How it changed.")

    @classmethod
    def of(cls, change: d.ObjectChange) -> ObjectChange:
        def text(v: object) -> str | None:
            return None if v is None else str(v)

        return cls(
            ref=ObjectRef.of(change.ref),
            changes=[
                FieldChange(field=SnapshotProperty(c.field), before=text(c.before), after=text(c.after))
                for c in change.changes
            ],
        )


@strawberry.type(description="A foreign key constraint named by its table and columns.")
class ForeignKeyRef:
    schema_name: str = strawberry.field(description="Schema of the referencing table.")
    table_name: str = strawberry.field(description="Referencing table.")
    name: str = strawberry.field(description="Constraint name.")
    columns: list[str] = strawberry.field(description="Referencing columns.")
    target_schema_name: str = strawberry.field(description="Schema of the referenced table.")
    target_table_name: str = strawberry.field(description="Referenced table.")
    target_columns: list[str] = strawberry.field(description="Referenced columns.")

    @classmethod
    def of(cls, r: d.ForeignKeyRef) -> ForeignKeyRef:
        return cls(
            schema_name=r.schema,
            table_name=r.table,
            name=r.name,
            columns=list(r.columns),
            target_schema_name=r.target_schema,
            target_table_name=r.target_table,
            target_columns=list(r.target_columns),
        )


@strawberry.type(description="What changed from one snapshot to another.")
class SnapshotDiff:
    from_snapshot: MetadataSnapshot = strawberry.field(description="The older side of the comparison.")
    to_snapshot: MetadataSnapshot = strawberry.field(description="The newer side of the comparison.")
    schemas_added: list[ObjectRef] = strawberry.field(description="Schemas only in `to`.")
    schemas_removed: list[ObjectRef] = strawberry.field(description="Schemas only in `from`.")
    tables_added: list[ObjectRef] = strawberry.field(description="Tables only in `to`.")
    tables_removed: list[ObjectRef] = strawberry.field(description="Tables only in `from`.")
    tables_changed: list[ObjectChange] = strawberry.field(description="Tables whose kind or comment changed.")
    columns_added: list[ObjectRef] = strawberry.field(description="Columns only in `to`.")
    columns_removed: list[ObjectRef] = strawberry.field(description="Columns only in `from`.")
    columns_changed: list[ObjectChange] = strawberry.field(
        description="Columns whose type, nullability, default, key or comment changed."
    )
    foreign_keys_added: list[ForeignKeyRef] = strawberry.field(description="Foreign keys only in `to`.")
    foreign_keys_removed: list[ForeignKeyRef] = strawberry.field(description="Foreign keys only in `from`.")

    @classmethod
    def of(cls, a: MetadataSnapshot, b: MetadataSnapshot, diff: d.CatalogDiff) -> SnapshotDiff:
        return cls(
            from_snapshot=a,
            to_snapshot=b,
            schemas_added=[ObjectRef.of(r) for r in diff.schemas_added],
            schemas_removed=[ObjectRef.of(r) for r in diff.schemas_removed],
            tables_added=[ObjectRef.of(r) for r in diff.tables_added],
            tables_removed=[ObjectRef.of(r) for r in diff.tables_removed],
            tables_changed=[ObjectChange.of(c) for c in diff.tables_changed],
            columns_added=[ObjectRef.of(r) for r in diff.columns_added],
            columns_removed=[ObjectRef.of(r) for r in diff.columns_removed],
            columns_changed=[ObjectChange.of(c) for c in diff.columns_changed],
            foreign_keys_added=[ForeignKeyRef.of(r) for r in diff.foreign_keys_added],
            foreign_keys_removed=[ForeignKeyRef.of(r) for r in diff.foreign_keys_removed],
        )
