"""Parse Mondrian-style cube XML into `CubeModel`s.

Accepted shape: a `<Schema>` holding shared `<Dimension>`s and `<Cube>`s (or a lone `<Cube>`). A cube has a
`<Table schema name>`, private `<Dimension>`s or `<DimensionUsage source foreignKey>` of shared ones, each
with one `<Hierarchy hasAll primaryKey primaryKeyTable>` over a `<Table>` or `<Join>` and its `<Level>`s,
`<Measure column aggregator formatString>`s and `<CalculatedMember formula>`s. Every problem names the
element and its line; all problems of a file are reported together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from subgraphs.vision.cube.formula import FormulaError, member_refs, parse_formula
from subgraphs.vision.cube.model import (
    LEVEL_DATA_TYPES,
    Aggregator,
    CalculatedMember,
    CubeModel,
    Dimension,
    Join,
    Level,
    Measure,
    Relation,
    TableRef,
    relation_tables,
)

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")
_LEVEL_TYPES = frozenset({"Regular", "TimeYears", "TimeHalfYears", "TimeQuarters", "TimeMonths", "TimeWeeks",
                          "TimeDays"})
_DIMENSION_TYPES = frozenset({"StandardDimension", "TimeDimension"})


@dataclass(frozen=True)
class Problem:
    source: str
    line: int | None
    element: str
    message: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line else self.source
        return f"{where}: <{self.element}> {self.message}"


class CubeXmlError(ValueError):
    """A cube file is invalid. `problems` lists each with its element and line."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


class _Problems:
    def __init__(self, source: str):
        self.source = source
        self.items: list[Problem] = []

    def add(self, element, message: str) -> None:
        self.items.append(Problem(self.source, element.sourceline, element.tag, message))


def _children(element, tag: str) -> list:
    return [child for child in element if isinstance(child.tag, str) and child.tag == tag]


class _CubeReader:
    """Reads one `<Cube>` (with the schema's shared dimensions), recording problems instead of stopping."""

    def __init__(self, problems: _Problems, shared: dict[str, object]):
        self.problems = problems
        self.shared = shared

    def name(self, element, attribute: str = "name") -> str | None:
        value = (element.get(attribute) or "").strip()
        if not value:
            self.problems.add(element, f"needs a non-empty '{attribute}'")
            return None
        if "." in value or len(value) > 100 or any(ord(c) < 32 for c in value):
            self.problems.add(element, f"{attribute} {value!r} must be at most 100 characters without '.'")
            return None
        return value

    def identifier(self, element, attribute: str, required: bool = True) -> str | None:
        value = element.get(attribute)
        if value is None:
            if required:
                self.problems.add(element, f"needs '{attribute}'")
            return None
        if not _IDENTIFIER.match(value):
            self.problems.add(element, f"{attribute} {value!r} is not a plain SQL identifier ([A-Za-z_][A-Za-z0-9_]*)")
            return None
        return value

    def boolean(self, element, attribute: str, default: bool) -> bool:
        value = element.get(attribute)
        if value is None:
            return default
        if value.lower() not in ("true", "false"):
            self.problems.add(element, f"{attribute} must be 'true' or 'false', not {value!r}")
            return default
        return value.lower() == "true"

    def table(self, element) -> TableRef | None:
        name = self.identifier(element, "name")
        schema = self.identifier(element, "schema", required=False)
        alias = self.identifier(element, "alias", required=False) or name
        return TableRef(schema, name, alias) if name else None

    def relation(self, element) -> Relation | None:
        if element.tag == "Table":
            return self.table(element)
        sides = [child for child in element if isinstance(child.tag, str) and child.tag in ("Table", "Join")]
        if len(sides) != 2:
            self.problems.add(element, "needs exactly two children, each a <Table> or a <Join>")
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
        return Join(left, right, left_key, left_alias, right_key, right_alias)

    def alias_in(self, element, attribute: str, side: Relation) -> str | None:
        aliases = [t.alias for t in relation_tables(side)]
        value = element.get(attribute)
        if value is None:
            return aliases[0]
        if value not in aliases:
            self.problems.add(element, f"{attribute} {value!r} is not one of the joined tables {aliases}")
            return None
        return value

    def dimension(self, element, *, foreign_key: str | None, shared: bool, name: str | None = None) -> Dimension | None:
        name = name or self.name(element)
        dim_type = element.get("type", "StandardDimension")
        if dim_type not in _DIMENSION_TYPES:
            self.problems.add(element, f"type must be one of {sorted(_DIMENSION_TYPES)}, not {dim_type!r}")
        hierarchies = _children(element, "Hierarchy")
        if len(hierarchies) != 1:
            self.problems.add(element, f"needs exactly one <Hierarchy>, found {len(hierarchies)}")
            return None
        hierarchy = hierarchies[0]
        relations = [c for c in hierarchy if isinstance(c.tag, str) and c.tag in ("Table", "Join")]
        if len(relations) > 1:
            self.problems.add(hierarchy, "may hold one <Table> or <Join>, not several")
        relation = self.relation(relations[0]) if relations else None
        primary_key = primary_alias = None
        if relations:
            primary_key = self.identifier(hierarchy, "primaryKey")
            if foreign_key is None:
                self.problems.add(element, "needs 'foreignKey' (the fact table column joined to the hierarchy)")
            if relation is not None:
                primary_alias = self.alias_in(hierarchy, "primaryKeyTable", relation)
        tables = relation_tables(relation) if relation else []
        aliases = [t.alias for t in tables]
        if len(set(aliases)) != len(aliases):
            self.problems.add(hierarchy, f"joins a table twice; give each an alias ({aliases})")
        levels = self.levels(hierarchy, name, tables)
        if not levels:
            self.problems.add(hierarchy, "needs at least one <Level>")
        if name is None:
            return None
        return Dimension(name, dim_type, foreign_key, self.boolean(hierarchy, "hasAll", True), primary_key,
                         primary_alias, relation, tuple(levels), shared, element.sourceline)

    def levels(self, hierarchy, dimension: str | None, tables: list[TableRef]) -> list[Level]:
        levels: list[Level] = []
        seen: set[str] = set()
        for element in _children(hierarchy, "Level"):
            name = self.name(element)
            column = self.identifier(element, "column")
            name_column = self.identifier(element, "nameColumn", required=False)
            level_type = element.get("levelType", "Regular")
            data_type = element.get("type", "String")
            if level_type not in _LEVEL_TYPES:
                self.problems.add(element, f"levelType must be one of {sorted(_LEVEL_TYPES)}, not {level_type!r}")
            if data_type not in LEVEL_DATA_TYPES:
                self.problems.add(element, f"type must be one of {list(LEVEL_DATA_TYPES)}, not {data_type!r}")
            table_alias = self.level_table(element, tables)
            if name in seen:
                self.problems.add(element, f"repeats the level name {name!r}")
            if name and column and dimension:
                seen.add(name)
                levels.append(Level(name, dimension, column, table_alias, name_column, level_type, data_type,
                                    element.sourceline))
        return levels

    def level_table(self, element, tables: list[TableRef]) -> str | None:
        if not tables:
            return None
        table = element.get("table")
        if table is None:
            if len(tables) == 1:
                return tables[0].alias
            self.problems.add(element, "needs 'table' to say which joined table holds its column")
            return None
        if table not in [t.alias for t in tables]:
            self.problems.add(element, f"table {table!r} is not one of the hierarchy's tables")
            return None
        return table

    def measure(self, element) -> Measure | None:
        name = self.name(element)
        column = self.identifier(element, "column")
        raw = element.get("aggregator")
        try:
            aggregator = Aggregator(raw)
        except ValueError:
            self.problems.add(element, f"aggregator must be one of {[a.value for a in Aggregator]}, not {raw!r}")
            return None
        if not (name and column):
            return None
        return Measure(name, column, aggregator, element.get("formatString"), element.sourceline)

    def calculated_member(self, element) -> CalculatedMember | None:
        name = self.name(element)
        if element.get("dimension", "Measures") != "Measures":
            self.problems.add(element, "only calculated members of dimension 'Measures' are supported")
            return None
        formula_children = _children(element, "Formula")
        text = element.get("formula") or (formula_children[0].text if formula_children else None)
        if not text or not text.strip():
            self.problems.add(element, "needs a 'formula' attribute or a <Formula> child")
            return None
        try:
            expression = parse_formula(text)
        except FormulaError as exc:
            self.problems.add(element, f"formula {text.strip()!r}: {exc}")
            return None
        if not name:
            return None
        return CalculatedMember(name, text.strip(), expression, element.get("formatString"), element.sourceline)

    def cube(self, element) -> CubeModel | None:
        before = len(self.problems.items)
        name = self.name(element)
        tables = _children(element, "Table")
        fact = self.table(tables[0]) if len(tables) == 1 else None
        if len(tables) != 1:
            self.problems.add(element, "needs exactly one <Table> (the fact table)")
        dimensions = self.cube_dimensions(element)
        if not any(e.tag in ("Dimension", "DimensionUsage") for e in element if isinstance(e.tag, str)):
            self.problems.add(element, "needs at least one <Dimension> or <DimensionUsage>")
        measures = [m for m in map(self.measure, _children(element, "Measure")) if m]
        if not _children(element, "Measure"):
            self.problems.add(element, "needs at least one <Measure>")
        calculated = [c for c in map(self.calculated_member, _children(element, "CalculatedMember")) if c]
        self.check_members(element, measures, calculated)
        if len(self.problems.items) > before or not (name and fact):
            return None
        description = element.get("description") or element.get("caption")
        return CubeModel(name, fact.schema, fact.name, tuple(dimensions), tuple(measures), tuple(calculated),
                         description, element.sourceline)

    def cube_dimensions(self, cube) -> list[Dimension]:
        dimensions: list[Dimension] = []
        for element in cube:
            if not isinstance(element.tag, str):
                continue
            if element.tag == "Dimension":
                dim = self.dimension(element, foreign_key=element.get("foreignKey"), shared=False)
            elif element.tag == "DimensionUsage":
                dim = self.usage(element)
            else:
                continue
            if dim and any(d.name == dim.name for d in dimensions):
                self.problems.add(element, f"repeats the dimension name {dim.name!r}")
            elif dim:
                dimensions.append(dim)
        return dimensions

    def usage(self, element) -> Dimension | None:
        source = element.get("source")
        shared = self.shared.get(source or "")
        if shared is None:
            self.problems.add(element, f"source {source!r} is not a shared dimension of this schema")
            return None
        name = element.get("name") or source
        return self.dimension(shared, foreign_key=self.identifier(element, "foreignKey"), shared=True, name=name)

    def check_members(self, cube, measures: list[Measure], calculated: list[CalculatedMember]) -> None:
        names = [m.name for m in measures] + [c.name for c in calculated]
        if len(set(names)) != len(names):
            self.problems.add(cube, f"measures and calculated members need distinct names ({names})")
        formulas = {c.name: member_refs(c.expression) for c in calculated}
        for member in calculated:
            unknown = [r for r in formulas[member.name] if r not in names]
            if unknown:
                element = _element_at(cube, "CalculatedMember", member.line)
                self.problems.add(element, f"formula uses unknown measures {unknown}")
            elif _has_cycle(member.name, formulas):
                element = _element_at(cube, "CalculatedMember", member.line)
                self.problems.add(element, "formula refers to itself through other calculated members")


def _element_at(parent, tag: str, line: int | None):
    return next(e for e in _children(parent, tag) if e.sourceline == line)


def _has_cycle(start: str, formulas: dict[str, list[str]]) -> bool:
    stack, seen = list(formulas.get(start, [])), set()
    while stack:
        name = stack.pop()
        if name == start:
            return True
        if name not in seen:
            seen.add(name)
            stack.extend(formulas.get(name, []))
    return False


def parse_cube_xml(text: str | bytes, source: str = "<string>") -> list[CubeModel]:
    """Parse a schema or cube document; raises CubeXmlError listing every problem with its line."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)
    try:
        root = etree.fromstring(text.encode() if isinstance(text, str) else text, parser)
    except etree.XMLSyntaxError as exc:
        raise CubeXmlError([Problem(source, exc.lineno, "xml", exc.msg)]) from exc
    problems = _Problems(source)
    if root.tag == "Cube":
        cube_elements, shared_elements = [root], []
    elif root.tag == "Schema":
        cube_elements, shared_elements = _children(root, "Cube"), _children(root, "Dimension")
        if not cube_elements:
            problems.add(root, "holds no <Cube>")
    else:
        raise CubeXmlError([Problem(source, root.sourceline, root.tag, "root must be <Schema> or <Cube>")])
    reader = _CubeReader(problems, {e.get("name"): e for e in shared_elements if e.get("name")})
    cubes = [cube for cube in map(reader.cube, cube_elements) if cube]
    names = [c.name for c in cubes]
    for element in cube_elements:
        if names.count(element.get("name")) > 1:
            problems.add(element, f"repeats the cube name {element.get('name')!r}")
    if problems.items:
        raise CubeXmlError(problems.items)
    return cubes


def parse_cube_file(path: Path) -> list[CubeModel]:
    """Parse one cube file; problems name the file."""
    return parse_cube_xml(path.read_bytes(), source=path.name)
