"""The metadata of one datasource as plain data: schemas, tables, columns and foreign keys.

Adapters build it from a live database; the graph store writes it; snapshots store it as JSON and the diff
compares two of them. Nothing here performs I/O.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TABLE = "TABLE"
VIEW = "VIEW"
MATERIALIZED_VIEW = "MATERIALIZED_VIEW"
TABLE_KINDS = (TABLE, VIEW, MATERIALIZED_VIEW)


@dataclass(frozen=True)
class ColumnMeta:
    name: str
    data_type: str
    nullable: bool
    ordinal: int
    default: str | None = None
    is_primary_key: bool = False
    comment: str | None = None
    enum_labels: tuple[str, ...] = ()  # an enum column's labels in the enum's order (its sort order)


@dataclass(frozen=True)
class ForeignKeyMeta:
    """One FK constraint; `columns[i]` references `target_columns[i]` of the target table."""

    name: str
    columns: tuple[str, ...]
    target_schema: str
    target_table: str
    target_columns: tuple[str, ...]


@dataclass(frozen=True)
class TableMeta:
    name: str
    kind: str = TABLE
    comment: str | None = None
    columns: tuple[ColumnMeta, ...] = ()
    foreign_keys: tuple[ForeignKeyMeta, ...] = ()


@dataclass(frozen=True)
class SchemaMeta:
    name: str
    comment: str | None = None
    tables: tuple[TableMeta, ...] = ()


@dataclass(frozen=True)
class DatabaseCatalog:
    schemas: tuple[SchemaMeta, ...] = field(default_factory=tuple)

    @property
    def table_count(self) -> int:
        return sum(len(s.tables) for s in self.schemas)

    @property
    def column_count(self) -> int:
        return sum(len(t.columns) for s in self.schemas for t in s.tables)

    @property
    def foreign_key_count(self) -> int:
        return sum(len(t.foreign_keys) for s in self.schemas for t in s.tables)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DatabaseCatalog:
        return cls(
            schemas=tuple(
                SchemaMeta(
                    name=s["name"],
                    comment=s.get("comment"),
                    tables=tuple(
                        TableMeta(
                            name=t["name"],
                            kind=t.get("kind", TABLE),
                            comment=t.get("comment"),
                            columns=tuple(
                                ColumnMeta(**{**c, "enum_labels": tuple(c.get("enum_labels", ()))})
                                for c in t.get("columns", ())
                            ),
                            foreign_keys=tuple(
                                ForeignKeyMeta(
                                    name=fk["name"],
                                    columns=tuple(fk["columns"]),
                                    target_schema=fk["target_schema"],
                                    target_table=fk["target_table"],
                                    target_columns=tuple(fk["target_columns"]),
                                )
                                for fk in t.get("foreign_keys", ())
                            ),
                        )
                        for t in s.get("tables", ())
                    ),
                )
                for s in data.get("schemas", ())
            )
        )
