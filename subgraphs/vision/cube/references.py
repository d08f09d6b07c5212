"""Check a cube's tables and columns against its datasource's catalog, as Weaver introspected it.

A cube file names tables by schema and name, and Vision builds its views over those names. Only the tables of
the caller's own datasource, inside that datasource's schema filter, may be named: anything else (a table of
Axiom's own bookkeeping, of another tenant, or one that does not exist) is refused before anything is stored.
Pure: the catalog is handed in (see `subgraphs/vision/weaver_catalog.py` for how it is read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Awaitable, Callable, Mapping

from subgraphs.vision.cube.model import CubeModel, Dimension, Join, Relation, TableRef, relation_tables

DEFAULT_SCHEMA = "public"  # where PostgreSQL looks for an unqualified name


@dataclass(frozen=True)
class SourceCatalog:
    """Tables of one datasource (schema, name) → their column names; `schema_filter` None means every schema."""

    datasource_id: str
    schema_filter: tuple[str, ...] | None
    tables: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict)

    def columns(self, table: tuple[str, str]) -> frozenset[str] | None:
        """The table's columns, or None when the datasource has no such table inside its schema filter."""
        if self.schema_filter is not None and table[0] not in self.schema_filter:
            return None
        return self.tables.get(table)


# Reads the caller's datasource: the wanted (schema, table)s → its catalog of them; None when the caller's tenant
# has no such datasource.
CatalogRead = Callable[[list[tuple[str, str]]], Awaitable["SourceCatalog | None"]]


@dataclass(frozen=True)
class ReferenceProblem:
    cube: str
    element: str
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"cube {self.cube!r}: <{self.element}> {self.message}"


def table_key(table: TableRef) -> tuple[str, str]:
    return (table.schema or DEFAULT_SCHEMA, table.name)


def referenced_tables(cube: CubeModel) -> list[tuple[str, str]]:
    """Every (schema, table) the cube reads: its fact table and each dimension's tables, without repeats."""
    tables = [(cube.fact_schema or DEFAULT_SCHEMA, cube.fact_table)]
    for dimension in cube.dimensions:
        if dimension.relation is not None:
            tables += [table_key(t) for t in relation_tables(dimension.relation)]
    return list(dict.fromkeys(tables))


def _shown(table: tuple[str, str]) -> str:
    return f"{table[0]}.{table[1]}"


class _Checker:
    def __init__(self, cube: CubeModel, catalog: SourceCatalog):
        self.cube = cube
        self.catalog = catalog
        self.problems: list[ReferenceProblem] = []
        self.fact = (cube.fact_schema or DEFAULT_SCHEMA, cube.fact_table)

    def add(self, element: str, line: int | None, message: str) -> None:
        self.problems.append(ReferenceProblem(self.cube.name, element, line, message))

    def table(self, element: str, line: int | None, table: tuple[str, str], role: str) -> bool:
        if self.catalog.columns(table) is not None:
            return True
        self.add(element, line, f"{role} {_shown(table)} is not a table of datasource {self.catalog.datasource_id} "
                                f"(as last synced by Weaver, inside its schema filter)")
        return False

    def column(self, element: str, line: int | None, table: tuple[str, str] | None, column: str, role: str) -> None:
        columns = self.catalog.columns(table) if table else None
        if columns is not None and column not in columns:
            self.add(element, line, f"{role} {column!r} is not a column of {_shown(table)}")

    def run(self) -> list[ReferenceProblem]:
        fact_ok = self.table("Cube", self.cube.line, self.fact, "fact table")
        for measure in self.cube.measures:
            if fact_ok:
                self.column("Measure", measure.line, self.fact, measure.column, "column")
        for dimension in self.cube.dimensions:
            self.dimension(dimension, fact_ok)
        return self.problems

    def dimension(self, dimension: Dimension, fact_ok: bool) -> None:
        line = dimension.line
        if dimension.foreign_key and fact_ok:
            self.column("Dimension", line, self.fact, dimension.foreign_key, "foreignKey")
        tables: dict[str, tuple[str, str] | None] = {}
        if dimension.relation is not None:
            for ref in relation_tables(dimension.relation):
                known = self.table("Dimension", line, table_key(ref), f"dimension {dimension.name!r}: table")
                tables[ref.alias] = table_key(ref) if known else None
            self.joins(dimension.relation, tables, line)
        if dimension.primary_key and dimension.primary_key_alias:
            self.column("Hierarchy", line, tables.get(dimension.primary_key_alias), dimension.primary_key,
                        "primaryKey")
        for level in dimension.levels:
            table = self.fact if level.table_alias is None else tables.get(level.table_alias)
            if level.table_alias is None and not fact_ok:
                table = None
            self.column("Level", level.line, table, level.column, f"level {level.name!r}: column")
            if level.name_column:
                self.column("Level", level.line, table, level.name_column, f"level {level.name!r}: nameColumn")

    def joins(self, relation: Relation, tables: dict[str, tuple[str, str] | None], line: int | None) -> None:
        if not isinstance(relation, Join):
            return
        self.column("Join", line, tables.get(relation.left_alias), relation.left_key, "leftKey")
        self.column("Join", line, tables.get(relation.right_alias), relation.right_key, "rightKey")
        self.joins(relation.left, tables, line)
        self.joins(relation.right, tables, line)


def check_references(cube: CubeModel, catalog: SourceCatalog) -> list[ReferenceProblem]:
    """Problems with the tables and columns the cube names (empty when every one is in the catalog).

    A column is only checked once its table is known, so a missing table is one problem, not one per column.
    """
    return _Checker(cube, catalog).run()
