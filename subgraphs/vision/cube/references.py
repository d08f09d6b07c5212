"""Check a cube's tables and columns against its datasource's catalog, as Weaver introspected it.

A cube file names tables by schema and name, and Vision builds its views over those names. Only the tables of
the caller's own datasource, inside that datasource's schema filter, may be named: anything else (a table of
Axiom's own bookkeeping, of another tenant, or one that does not exist) is refused before anything is stored.
Pure: the catalog is handed in (see `subgraphs/vision/adapters/weaver_catalog.py` for how it is read).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from subgraphs.vision.cube.model import (
    CubeModel,
    Dimension,
    Hierarchy,
    Join,
    Level,
    Relation,
    TableRef,
    relation_tables,
)

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


def _hierarchy_tables(hierarchy: Hierarchy) -> list[TableRef]:
    tables = relation_tables(hierarchy.relation) if hierarchy.relation is not None else []
    return tables + [level.closure.table for level in hierarchy.levels if level.closure is not None]


def referenced_tables(cube: CubeModel) -> list[tuple[str, str]]:
    """Every (schema, table) the cube reads: its fact table, each hierarchy's tables and closure tables, and for a
    virtual cube those of its base cubes, without repeats."""
    if cube.parts:
        return list(dict.fromkeys(t for part in cube.parts for t in referenced_tables(part.cube)))
    tables = [(cube.fact_schema or DEFAULT_SCHEMA, cube.fact_table)]
    for dimension in cube.dimensions:
        for hierarchy in dimension.hierarchies:
            tables += [table_key(t) for t in _hierarchy_tables(hierarchy)]
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
        self.add(
            element,
            line,
            f"{role} {_shown(table)} is not a table of datasource {self.catalog.datasource_id} "
            f"(as last synced by Weaver, inside its schema filter)",
        )
        return False

    def column(self, element: str, line: int | None, table: tuple[str, str] | None, column: str, role: str) -> None:
        columns = self.catalog.columns(table) if table else None
        if table is not None and columns is not None and column not in columns:
            self.add(element, line, f"{role} {column!r} is not a column of {_shown(table)}")

    def run(self) -> list[ReferenceProblem]:
        if self.cube.parts:  # a virtual cube reads only through its base cubes
            for part in self.cube.parts:
                self.problems += _Checker(part.cube, self.catalog).run()
            return self.problems
        fact_ok = self.table("Cube", self.cube.line, self.fact, "fact table")
        fact = self.fact if fact_ok else None
        for measure in self.cube.measures:
            if measure.column:
                self.column("Measure", measure.line, fact, measure.column, "column")
            if measure.expression is not None:
                for _, column in measure.expression.columns:
                    self.column("Measure", measure.line, fact, column, "MeasureExpression column")
        for dimension in self.cube.dimensions:
            if dimension.foreign_key:
                self.column("Dimension", dimension.line, fact, dimension.foreign_key, "foreignKey")
            for hierarchy in dimension.hierarchies:
                self.hierarchy(dimension, hierarchy, fact)
        return self.problems

    def hierarchy(self, dimension: Dimension, hierarchy: Hierarchy, fact: tuple[str, str] | None) -> None:
        line = hierarchy.line or dimension.line
        tables: dict[str | None, tuple[str, str] | None] = {None: fact}
        if hierarchy.relation is not None:
            for ref in relation_tables(hierarchy.relation):
                known = self.table("Hierarchy", line, table_key(ref), f"dimension {dimension.name!r}: table")
                tables[ref.alias] = table_key(ref) if known else None
            self.joins(hierarchy.relation, tables, line)
        if hierarchy.primary_key and hierarchy.primary_key_alias:
            self.column("Hierarchy", line, tables.get(hierarchy.primary_key_alias), hierarchy.primary_key, "primaryKey")
        for level in hierarchy.levels:
            self.level(level, tables)

    def level(self, level: Level, tables: dict[str | None, tuple[str, str] | None]) -> None:
        table = tables.get(level.table_alias)
        where = f"level {level.name!r}"
        for column, role in ((level.column, "column"), (level.name_column, "nameColumn")):
            if column:
                self.column("Level", level.line, table, column, f"{where}: {role}")
        for expression in (level.key_expression, level.name_expression):
            for alias, column in expression.columns if expression is not None else ():
                self.column("Level", level.line, tables.get(alias), column, f"{where}: expression column")
        for prop in level.properties:
            self.column(
                "Property",
                prop.line or level.line,
                tables.get(prop.table_alias),
                prop.column,
                f"{where}: property {prop.name!r} column",
            )
        if level.closure is not None:
            closure = level.closure
            key = table_key(closure.table)
            if self.table("Closure", closure.line or level.line, key, f"{where}: closure table"):
                for column, role in ((closure.parent_column, "parentColumn"), (closure.child_column, "childColumn")):
                    self.column("Closure", closure.line or level.line, key, column, f"{where}: closure {role}")

    def joins(self, relation: Relation, tables: dict[str | None, tuple[str, str] | None], line: int | None) -> None:
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
