"""The cube model: what a Mondrian-style XML cube says, as plain frozen data.

Everything the SQL builders put into a statement as an identifier comes from here, and the parser only lets
through names that are valid SQL identifiers, so no client input ever becomes an identifier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum

from subgraphs.vision.cube.expressions import SqlExpression
from subgraphs.vision.cube.formula import Formula


class Aggregator(StrEnum):
    SUM = "sum"
    COUNT = "count"
    MIN = "min"
    MAX = "max"
    AVG = "avg"
    DISTINCT_COUNT = "distinct-count"


LEVEL_DATA_TYPES = ("String", "Integer", "Numeric", "Date", "Boolean")


@dataclass(frozen=True)
class TableRef:
    """A table of the datasource; `alias` names it inside its hierarchy (defaults to the table name)."""

    schema: str | None
    name: str
    alias: str


@dataclass(frozen=True)
class Join:
    """`left JOIN right ON left_alias.left_key = right_alias.right_key` (Mondrian's `<Join>`)."""

    left: TableRef | Join
    right: TableRef | Join
    left_key: str
    left_alias: str
    right_key: str
    right_alias: str
    line: int | None = None


Relation = TableRef | Join


def relation_tables(relation: Relation) -> list[TableRef]:
    """The tables of a relation, left to right."""
    if isinstance(relation, TableRef):
        return [relation]
    return relation_tables(relation.left) + relation_tables(relation.right)


@dataclass(frozen=True)
class LevelProperty:
    """A `<Property>` of a level's members: a column of the level's table (e.g. a store's square footage)."""

    name: str
    column: str
    table_alias: str | None
    data_type: str = "String"
    line: int | None = None


@dataclass(frozen=True)
class Closure:
    """The closure table of a parent-child level: one row per (ancestor, descendant), each member its own
    ancestor, so a member's value rolls up the fact rows of its whole subtree."""

    table: TableRef
    parent_column: str
    child_column: str
    line: int | None = None


@dataclass(frozen=True)
class Level:
    """One level of a hierarchy. The key (grouping, filters, sort) is `column` or `key_expression`; the label
    `name_column` or `name_expression`."""

    name: str
    dimension: str
    column: str | None
    table_alias: str | None  # None: the column is on the fact table (degenerate dimension)
    name_column: str | None = None
    level_type: str = "Regular"
    data_type: str = "String"
    line: int | None = None
    hierarchy: str | None = None  # None: the dimension's default hierarchy
    key_expression: SqlExpression | None = None
    name_expression: SqlExpression | None = None
    properties: tuple[LevelProperty, ...] = ()
    closure: Closure | None = None  # set on the level of a parent-child hierarchy

    @property
    def ref(self) -> str:
        """How pivot queries name this level: `Dimension.Level`, or `Dimension.Hierarchy.Level` for the levels
        of a dimension's other (named) hierarchies."""
        if self.hierarchy is None:
            return f"{self.dimension}.{self.name}"
        return f"{self.dimension}.{self.hierarchy}.{self.name}"

    @property
    def has_label(self) -> bool:
        """Whether members show a label other than their key."""
        return self.name_column is not None or self.name_expression is not None


@dataclass(frozen=True)
class Hierarchy:
    """One hierarchy of a dimension: the relation joined to the fact table (on `primary_key`) and its levels."""

    name: str | None  # None: the default hierarchy, whose levels are named `Dimension.Level`
    has_all: bool
    primary_key: str | None
    primary_key_alias: str | None
    relation: Relation | None  # None: the levels' columns are on the fact table
    levels: tuple[Level, ...]
    line: int | None = None


@dataclass(frozen=True)
class Dimension:
    """A dimension: the fact table column its hierarchies join on, and the hierarchies (the default first)."""

    name: str
    type: str  # StandardDimension | TimeDimension
    foreign_key: str | None
    hierarchies: tuple[Hierarchy, ...]
    shared: bool = False
    line: int | None = None

    @property
    def levels(self) -> tuple[Level, ...]:
        """The levels of every hierarchy, the default hierarchy's first."""
        return tuple(level for hierarchy in self.hierarchies for level in hierarchy.levels)

    @property
    def has_all(self) -> bool:
        return self.hierarchies[0].has_all


@dataclass(frozen=True)
class Measure:
    """A fact table `column` (or `expression` over the fact table's columns) and how it aggregates."""

    name: str
    column: str | None
    aggregator: Aggregator
    format_string: str | None = None
    line: int | None = None
    expression: SqlExpression | None = None


@dataclass(frozen=True)
class CalculatedMember:
    """A measure computed from other measures by arithmetic (`formula` kept as written, `expression` parsed)."""

    name: str
    formula: str
    expression: Formula
    format_string: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class NamedSet:
    """A `<NamedSet>` of explicit members of one level, kept as a saved filter: the level's key is one of `keys`."""

    name: str
    level: str  # the level's ref
    keys: tuple[str, ...]
    line: int | None = None


@dataclass(frozen=True)
class VirtualPart:
    """One base cube of a virtual cube: the measures taken from it and the virtual cube's dimensions it has."""

    cube: CubeModel
    measures: tuple[str, ...]
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class CubeModel:
    """A cube. A virtual cube (`parts` not empty) stacks the fact rows of its base cubes: each part fills the
    levels of the dimensions it has and its own measures, and leaves the others empty."""

    name: str
    fact_schema: str | None
    fact_table: str
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    calculated_members: tuple[CalculatedMember, ...] = ()
    description: str | None = None
    named_sets: tuple[NamedSet, ...] = ()
    parts: tuple[VirtualPart, ...] = ()
    line: int | None = None
    levels_by_ref: dict[str, Level] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        refs = {level.ref: level for dim in self.dimensions for level in dim.levels}
        object.__setattr__(self, "levels_by_ref", refs)

    def level(self, ref: str) -> Level | None:
        return self.levels_by_ref.get(ref)

    def known_level(self, ref: str) -> Level:
        """The level `ref` names, for a ref already validated against this cube (KeyError if it is not one)."""
        return self.levels_by_ref[ref]

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def calculated_member(self, name: str) -> CalculatedMember | None:
        return next((c for c in self.calculated_members if c.name == name), None)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)

    def named_set(self, name: str) -> NamedSet | None:
        return next((s for s in self.named_sets if s.name == name), None)

    @property
    def member_names(self) -> list[str]:
        """Every name a pivot may ask for as a measure: stored measures, then calculated members."""
        return [m.name for m in self.measures] + [c.name for c in self.calculated_members]

    def to_dict(self) -> dict:
        """A JSON-ready description (stored next to the XML for inspection in SQL)."""
        data = asdict(self)
        data.pop("levels_by_ref", None)
        return data
