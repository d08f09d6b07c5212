"""Reading `<Dimension>`s: their hierarchies, relations (`<Table>`, `<Join>`), levels and level properties."""

from __future__ import annotations

import re

from subgraphs.vision.cube.expressions import ExpressionError, SqlExpression, parse_sql_expression
from subgraphs.vision.cube.model import (
    LEVEL_DATA_TYPES,
    Closure,
    Dimension,
    Hierarchy,
    Join,
    Level,
    LevelProperty,
    Relation,
    TableRef,
    relation_tables,
)
from subgraphs.vision.cube.problems import Findings

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_LEVEL_TYPES = frozenset(
    {"Regular", "TimeYears", "TimeHalfYears", "TimeQuarters", "TimeMonths", "TimeWeeks", "TimeDays"}
)
_DIMENSION_TYPES = frozenset({"StandardDimension", "TimeDimension"})
# Dialects whose `<SQL>` text is read, in order of preference; other dialects are skipped on purpose.
_SQL_DIALECTS = ("postgres", "postgresql", "generic")


class ElementReader:
    """Reads elements into model values, recording problems in `findings` instead of stopping."""

    def __init__(self, findings: Findings):
        self.findings = findings

    def children(self, element, *tags: str) -> list:
        """The child elements with one of `tags`, marked as read."""
        found = [child for child in element if isinstance(child.tag, str) and child.tag in tags]
        for child in found:
            self.findings.mark(child)
        return found

    def name(self, element, attribute: str = "name") -> str | None:
        value = (element.get(attribute) or "").strip()
        if not value:
            self.findings.add(element, f"needs a non-empty '{attribute}'")
            return None
        if "." in value or len(value) > 100 or any(ord(c) < 32 for c in value):
            self.findings.add(element, f"{attribute} {value!r} must be at most 100 characters without '.'")
            return None
        return value

    def identifier(self, element, attribute: str, required: bool = True) -> str | None:
        value = element.get(attribute)
        if value is None:
            if required:
                self.findings.add(element, f"needs '{attribute}'")
            return None
        if not _IDENTIFIER.match(value):
            self.findings.add(element, f"{attribute} {value!r} is not a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)")
            return None
        return value

    def boolean(self, element, attribute: str, default: bool) -> bool:
        value = element.get(attribute)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            self.findings.add(element, f"{attribute} must be 'true' or 'false', not {value!r}")
            return default
        return value.lower() == "true"

    def table(self, element) -> TableRef | None:
        self.findings.mark(element)
        name = self.identifier(element, "name")
        schema = self.identifier(element, "schema", required=False)
        alias = self.identifier(element, "alias", required=False) or name
        return TableRef(schema, name, alias) if name and alias else None

    def relation(self, element) -> Relation | None:
        if element.tag == "Table":
            return self.table(element)
        self.findings.mark(element)
        sides = self.children(element, "Table", "Join")
        if len(sides) != 2:
            self.findings.add(element, "needs exactly two children, each a <Table> or a <Join>")
            return None
        left, right = self.relation(sides[0]), self.relation(sides[1])
        left_key = self.identifier(element, "leftKey")
        right_key = self.identifier(element, "rightKey")
        if not (left and right and left_key and right_key):
            return None
        left_alias = self.alias_in(element, "leftAlias", left)
        right_alias = self.alias_in(element, "rightAlias", right)
        if not (left_alias and right_alias):
            return None
        return Join(left, right, left_key, left_alias, right_key, right_alias, element.sourceline)

    def alias_in(self, element, attribute: str, side: Relation) -> str | None:
        aliases = [t.alias for t in relation_tables(side)]
        value = element.get(attribute)
        if value is None:
            return aliases[0]
        if value not in aliases:
            self.findings.add(element, f"{attribute} {value!r} is not one of the joined tables {aliases}")
            return None
        return value

    def sql_expression(self, element, qualify) -> SqlExpression | None:
        """The `<SQL>` child of a `*Expression` element for PostgreSQL (or generic SQL), parsed."""
        self.findings.mark(element)
        by_dialect = {(sql.get("dialect") or "generic").lower(): sql for sql in self.children(element, "SQL")}
        chosen = next((by_dialect[d] for d in _SQL_DIALECTS if d in by_dialect), None)
        if chosen is None:
            self.findings.add(
                element, f"needs a <SQL> child for dialect 'generic' or 'postgres' (has {sorted(by_dialect) or 'none'})"
            )
            return None
        try:
            return parse_sql_expression((chosen.text or "").strip(), qualify)
        except ExpressionError as exc:
            self.findings.add(chosen, f"expression {exc}")
            return None


class DimensionReader(ElementReader):
    def dimension(self, element, *, foreign_key: str | None, shared: bool, name: str | None = None) -> Dimension | None:
        self.findings.mark(element)
        name = name or self.name(element)
        dim_type = element.get("type", "StandardDimension")
        if dim_type not in _DIMENSION_TYPES:
            self.findings.add(element, f"type must be one of {sorted(_DIMENSION_TYPES)}, not {dim_type!r}")
        elements = self.children(element, "Hierarchy")
        if not elements:
            self.findings.add(element, "needs at least one <Hierarchy>")
            return None
        hierarchies = [self.hierarchy(h, name, default=i == 0) for i, h in enumerate(elements)]
        names = [h.name for h in hierarchies if h is not None]
        for h, hierarchy in zip(elements, hierarchies, strict=True):
            if hierarchy is not None and names.count(hierarchy.name) > 1:
                self.findings.add(h, "repeats a hierarchy name; give each hierarchy of a dimension its own name")
                names.remove(hierarchy.name)
        found = tuple(h for h in hierarchies if h is not None)
        if name is None or len(found) != len(hierarchies):
            return None
        return Dimension(name, dim_type, foreign_key, found, shared, element.sourceline)

    def hierarchy(self, element, dimension: str | None, *, default: bool) -> Hierarchy | None:
        written = element.get("name")
        # The first hierarchy, unless named otherwise, is the default one (its levels are `Dimension.Level`).
        hierarchy_name = None if default and written in (None, dimension) else self.name(element)
        relations = self.children(element, "Table", "Join")
        if len(relations) > 1:
            self.findings.add(element, "may hold one <Table> or <Join>, not several")
        relation = self.relation(relations[0]) if relations else None
        primary_key = primary_alias = None
        if relations:
            primary_key = self.identifier(element, "primaryKey")
            if relation is not None:
                primary_alias = self.alias_in(element, "primaryKeyTable", relation)
        tables = relation_tables(relation) if relation else []
        aliases = [t.alias for t in tables]
        if len(set(aliases)) != len(aliases):
            self.findings.add(element, f"joins a table twice; give each an alias ({aliases})")
        levels = self.levels(element, dimension, hierarchy_name, tables)
        if not levels:
            self.findings.add(element, "needs at least one <Level>")
        if any(level.closure for level in levels) and (len(levels) > 1 or not isinstance(relation, TableRef)):
            self.findings.add(element, "a parent-child hierarchy holds its one parent-child <Level> over one <Table>")
        if dimension is None or (not default and hierarchy_name is None):
            return None
        return Hierarchy(
            hierarchy_name,
            self.boolean(element, "hasAll", True),
            primary_key,
            primary_alias,
            relation,
            tuple(levels),
            element.sourceline,
        )

    def levels(
        self, hierarchy, dimension: str | None, hierarchy_name: str | None, tables: list[TableRef]
    ) -> list[Level]:
        levels: list[Level] = []
        seen: set[str] = set()
        for element in self.children(hierarchy, "Level"):
            level = self.level(element, dimension, hierarchy_name, tables)
            if level is not None and level.name in seen:
                self.findings.add(element, f"repeats the level name {level.name!r}")
            elif level is not None:
                seen.add(level.name)
                levels.append(level)
        return levels

    def level(self, element, dimension: str | None, hierarchy: str | None, tables: list[TableRef]) -> Level | None:
        name = self.name(element)
        table_alias = self.level_table(element, tables)
        qualify = _qualifier(tables, table_alias)
        key_expression = self.expression_child(element, "KeyExpression", qualify)
        name_expression = self.expression_child(element, "NameExpression", qualify)
        column = None if key_expression else self.identifier(element, "column")
        name_column = None if name_expression else self.identifier(element, "nameColumn", required=False)
        level_type = element.get("levelType", "Regular")
        data_type = element.get("type", "String")
        if level_type not in _LEVEL_TYPES:
            self.findings.add(element, f"levelType must be one of {sorted(_LEVEL_TYPES)}, not {level_type!r}")
        if data_type not in LEVEL_DATA_TYPES:
            self.findings.add(element, f"type must be one of {list(LEVEL_DATA_TYPES)}, not {data_type!r}")
        properties = self.properties(element, tables, table_alias)
        closure = self.closure(element, column)
        self.unsupported_attributes(element)
        if not (name and (column or key_expression) and dimension) or properties is None:
            return None
        return Level(
            name,
            dimension,
            column,
            table_alias,
            name_column,
            level_type,
            data_type,
            element.sourceline,
            hierarchy,
            key_expression,
            name_expression,
            properties,
            closure,
        )

    def unsupported_attributes(self, level) -> None:
        """Level attributes that would change what members show or how they sort: warned about, not applied."""
        for attribute in ("ordinalColumn", "captionColumn", "formatter"):
            if level.get(attribute) is not None:
                self.findings.warn(level, f"{attribute} is left out: members sort by key and show their name")
        if level.get("hideMemberIf", "Never") != "Never":
            self.findings.warn(level, f"hideMemberIf={level.get('hideMemberIf')!r} is left out: every member shows")
        for child in self.children(level, "OrdinalExpression", "CaptionExpression"):
            self.findings.warn(child, "is left out: members sort by key and show their name")

    def expression_child(self, element, tag: str, qualify) -> SqlExpression | None:
        children = self.children(element, tag)
        if len(children) > 1:
            self.findings.add(children[1], f"repeats <{tag}>")
        return self.sql_expression(children[0], qualify) if children else None

    def level_table(self, element, tables: list[TableRef]) -> str | None:
        if not tables:
            return None
        table = element.get("table")
        if table is None:
            if len(tables) == 1:
                return tables[0].alias
            if self.children(element, "KeyExpression"):
                return None  # the expression's columns name their tables
            self.findings.add(element, "needs 'table' to say which joined table holds its column")
            return None
        if table not in [t.alias for t in tables]:
            self.findings.add(element, f"table {table!r} is not one of the hierarchy's tables")
            return None
        return table

    def properties(self, level, tables: list[TableRef], table_alias: str | None) -> tuple[LevelProperty, ...] | None:
        found: list[LevelProperty] = []
        for element in self.children(level, "Property"):
            name = self.name(element)
            column = self.identifier(element, "column")
            data_type = element.get("type", "String")
            if data_type not in LEVEL_DATA_TYPES:
                self.findings.add(element, f"type must be one of {list(LEVEL_DATA_TYPES)}, not {data_type!r}")
                return None
            if name in [p.name for p in found]:
                self.findings.add(element, f"repeats the property name {name!r}")
                return None
            if not (name and column):
                return None
            found.append(LevelProperty(name, column, table_alias, data_type, element.sourceline))
        return tuple(found)

    def closure(self, level, column: str | None) -> Closure | None:
        """The closure table of a parent-child level (one row per ancestor-descendant pair, itself included)."""
        closures = self.children(level, "Closure")
        if level.get("parentColumn") is None:
            for element in closures:
                self.findings.add(element, "belongs to a parent-child level; give the <Level> a 'parentColumn'")
            return None
        self.identifier(level, "parentColumn")
        if not closures:
            self.findings.add(
                level,
                "is a parent-child level ('parentColumn'): it needs a <Closure> table "
                "(one row per ancestor and descendant, each member its own ancestor)",
            )
            return None
        element = closures[0]
        tables = self.children(element, "Table")
        parent, child = self.identifier(element, "parentColumn"), self.identifier(element, "childColumn")
        table = self.table(tables[0]) if len(tables) == 1 else None
        if len(tables) != 1:
            self.findings.add(element, "needs exactly one <Table>")
        if column is None:
            self.findings.add(level, "a parent-child level needs 'column' (not a <KeyExpression>)")
        if not (parent and child and table and column):
            return None
        return Closure(table, parent, child, element.sourceline)


def _qualifier(tables: list[TableRef], default_alias: str | None):
    """Maps the table an expression's column names to a table alias of the hierarchy (its name or alias)."""
    by_name = {t.alias: t.alias for t in tables} | {
        t.name: t.alias for t in tables if t.name not in {u.alias for u in tables}
    }

    def qualify(written: str | None) -> str | None:
        if written is None:
            if tables and default_alias is None:
                raise ExpressionError("names a column without its table; write `table.column`")
            return default_alias
        if written not in by_name:
            raise ExpressionError(
                f"uses table {written!r}, which is not one of the hierarchy's tables {sorted(by_name)}"
            )
        return by_name[written]

    return qualify
