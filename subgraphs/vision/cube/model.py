"""The cube model: what a Mondrian-style XML cube says, as plain frozen data.

Everything the SQL builders put into a statement as an identifier comes from here, and the parser only lets
through names that are valid SQL identifiers, so no client input ever becomes an identifier.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import Enum

from subgraphs.vision.cube.formula import Formula


class Aggregator(str, Enum):
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

    left: "TableRef | Join"
    right: "TableRef | Join"
    left_key: str
    left_alias: str
    right_key: str
    right_alias: str


Relation = TableRef | Join


def relation_tables(relation: Relation) -> list[TableRef]:
    """The tables of a relation, left to right."""
    if isinstance(relation, TableRef):
        return [relation]
    return relation_tables(relation.left) + relation_tables(relation.right)


@dataclass(frozen=True)
class Level:
    """One level of a hierarchy. `column` is the key (grouping, filters, sort); `name_column` the label."""

    name: str
    dimension: str
    column: str
    table_alias: str | None  # None: the column is on the fact table (degenerate dimension)
    name_column: str | None = None
    level_type: str = "Regular"
    data_type: str = "String"
    line: int | None = None

    @property
    def ref(self) -> str:
        """How pivot queries name this level: `Dimension.Level`."""
        return f"{self.dimension}.{self.name}"


@dataclass(frozen=True)
class Dimension:
    """A dimension with its (single) hierarchy: the relation joined to the fact table and its levels."""

    name: str
    type: str  # StandardDimension | TimeDimension
    foreign_key: str | None
    has_all: bool
    primary_key: str | None
    primary_key_alias: str | None
    relation: Relation | None  # None: the levels' columns are on the fact table
    levels: tuple[Level, ...]
    shared: bool = False
    line: int | None = None


@dataclass(frozen=True)
class Measure:
    name: str
    column: str
    aggregator: Aggregator
    format_string: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class CalculatedMember:
    """A measure computed from other measures by arithmetic (`formula` kept as written, `expression` parsed)."""

    name: str
    formula: str
    expression: Formula
    format_string: str | None = None
    line: int | None = None


@dataclass(frozen=True)
class CubeModel:
    name: str
    fact_schema: str | None
    fact_table: str
    dimensions: tuple[Dimension, ...]
    measures: tuple[Measure, ...]
    calculated_members: tuple[CalculatedMember, ...] = ()
    description: str | None = None
    line: int | None = None
    levels_by_ref: dict[str, Level] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        refs = {level.ref: level for dim in self.dimensions for level in dim.levels}
        object.__setattr__(self, "levels_by_ref", refs)

    def level(self, ref: str) -> Level | None:
        return self.levels_by_ref.get(ref)

    def measure(self, name: str) -> Measure | None:
        return next((m for m in self.measures if m.name == name), None)

    def calculated_member(self, name: str) -> CalculatedMember | None:
        return next((c for c in self.calculated_members if c.name == name), None)

    def dimension(self, name: str) -> Dimension | None:
        return next((d for d in self.dimensions if d.name == name), None)

    @property
    def member_names(self) -> list[str]:
        """Every name a pivot may ask for as a measure: stored measures, then calculated members."""
        return [m.name for m in self.measures] + [c.name for c in self.calculated_members]

    def to_dict(self) -> dict:
        """A JSON-ready description (stored next to the XML for inspection in SQL)."""
        data = asdict(self)
        data.pop("levels_by_ref", None)
        return data
