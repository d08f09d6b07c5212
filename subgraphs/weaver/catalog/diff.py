"""What changed between two catalogs (snapshots): schemas, tables, columns and foreign keys added, removed
and changed. Pure: compares plain data, returns plain data."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from subgraphs.weaver.catalog.model import ColumnMeta, DatabaseCatalog, ForeignKeyMeta, TableMeta

_TABLE_FIELDS = ("kind", "comment")
# Ordinal is left out: dropping one column would otherwise report every later column as changed.
_COLUMN_FIELDS = ("data_type", "nullable", "default", "is_primary_key", "comment")


@dataclass(frozen=True)
class FieldChange:
    field: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ObjectRef:
    schema: str
    table: str | None = None
    column: str | None = None


@dataclass(frozen=True)
class ObjectChange:
    ref: ObjectRef
    changes: tuple[FieldChange, ...]


@dataclass(frozen=True)
class ForeignKeyRef:
    schema: str
    table: str
    name: str
    columns: tuple[str, ...]
    target_schema: str
    target_table: str
    target_columns: tuple[str, ...]


@dataclass
class CatalogDiff:
    schemas_added: list[ObjectRef] = field(default_factory=list)
    schemas_removed: list[ObjectRef] = field(default_factory=list)
    tables_added: list[ObjectRef] = field(default_factory=list)
    tables_removed: list[ObjectRef] = field(default_factory=list)
    tables_changed: list[ObjectChange] = field(default_factory=list)
    columns_added: list[ObjectRef] = field(default_factory=list)
    columns_removed: list[ObjectRef] = field(default_factory=list)
    columns_changed: list[ObjectChange] = field(default_factory=list)
    foreign_keys_added: list[ForeignKeyRef] = field(default_factory=list)
    foreign_keys_removed: list[ForeignKeyRef] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not any(getattr(self, name) for name in self.__dataclass_fields__)


def _field_changes(before, after, names: tuple[str, ...]) -> tuple[FieldChange, ...]:
    return tuple(
        FieldChange(n, getattr(before, n), getattr(after, n)) for n in names if getattr(before, n) != getattr(after, n)
    )


def _tables(catalog: DatabaseCatalog) -> dict[tuple[str, str], TableMeta]:
    return {(s.name, t.name): t for s in catalog.schemas for t in s.tables}


def _columns(catalog: DatabaseCatalog) -> dict[tuple[str, str, str], ColumnMeta]:
    return {(s.name, t.name, c.name): c for s in catalog.schemas for t in s.tables for c in t.columns}


def _foreign_keys(catalog: DatabaseCatalog) -> set[ForeignKeyRef]:
    def ref(schema: str, table: str, fk: ForeignKeyMeta) -> ForeignKeyRef:
        return ForeignKeyRef(
            schema, table, fk.name, tuple(fk.columns), fk.target_schema, fk.target_table, tuple(fk.target_columns)
        )

    return {ref(s.name, t.name, fk) for s in catalog.schemas for t in s.tables for fk in t.foreign_keys}


def diff_catalogs(before: DatabaseCatalog, after: DatabaseCatalog) -> CatalogDiff:
    """Differences from `before` to `after`, each list sorted by name for stable output."""
    result = CatalogDiff()
    old_schemas, new_schemas = {s.name for s in before.schemas}, {s.name for s in after.schemas}
    result.schemas_added = [ObjectRef(n) for n in sorted(new_schemas - old_schemas)]
    result.schemas_removed = [ObjectRef(n) for n in sorted(old_schemas - new_schemas)]

    old_tables, new_tables = _tables(before), _tables(after)
    result.tables_added = [ObjectRef(*k) for k in sorted(new_tables.keys() - old_tables.keys())]
    result.tables_removed = [ObjectRef(*k) for k in sorted(old_tables.keys() - new_tables.keys())]
    for key in sorted(old_tables.keys() & new_tables.keys()):
        changes = _field_changes(old_tables[key], new_tables[key], _TABLE_FIELDS)
        if changes:
            result.tables_changed.append(ObjectChange(ObjectRef(*key), changes))

    old_columns, new_columns = _columns(before), _columns(after)
    result.columns_added = [ObjectRef(*k) for k in sorted(new_columns.keys() - old_columns.keys())]
    result.columns_removed = [ObjectRef(*k) for k in sorted(old_columns.keys() - new_columns.keys())]
    for column_key in sorted(old_columns.keys() & new_columns.keys()):
        changes = _field_changes(old_columns[column_key], new_columns[column_key], _COLUMN_FIELDS)
        if changes:
            result.columns_changed.append(ObjectChange(ObjectRef(*column_key), changes))

    old_fks, new_fks = _foreign_keys(before), _foreign_keys(after)

    def order(r: ForeignKeyRef) -> tuple[str, str, str, tuple[str, ...]]:
        return (r.schema, r.table, r.name, r.columns)

    result.foreign_keys_added = sorted(new_fks - old_fks, key=order)
    result.foreign_keys_removed = sorted(old_fks - new_fks, key=order)
    return result
