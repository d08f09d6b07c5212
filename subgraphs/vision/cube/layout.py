"""Where a cube's members live in SQL: the fact-to-dimension joins and the columns of its materialized view.

Pure functions of the cube model; every identifier is quoted, and identifiers only ever come from the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from subgraphs.vision.cube.model import Aggregator, CubeModel, Level, Measure, Relation, TableRef, relation_tables

FACT_ALIAS = "f"
MV_SCHEMA = "vision_mv"
FACT_ROWS_COLUMN = "fact_rows"
KEYS_COLUMN = "keys"
SIGNATURE_COLUMN = "signature"

# Partial aggregates kept in the cell view per aggregator; the pivot re-aggregates them (sum of sums, …).
# Distinct counts do not roll up from cells, so they get a view of their own (see `create_view_sql`).
PARTIALS: dict[Aggregator, tuple[str, ...]] = {
    Aggregator.SUM: ("sum",),
    Aggregator.COUNT: ("count",),
    Aggregator.MIN: ("min",),
    Aggregator.MAX: ("max",),
    Aggregator.AVG: ("sum", "count"),
    Aggregator.DISTINCT_COUNT: (),
}


def quote(identifier: str) -> str:
    """A double-quoted SQL identifier."""
    return '"' + identifier.replace('"', '""') + '"'


def qualified(schema: str | None, name: str) -> str:
    return f"{quote(schema)}.{quote(name)}" if schema else quote(name)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:40] or "x"


@dataclass(frozen=True)
class LevelColumns:
    key: str
    name: str | None


class CubeLayout:
    """SQL names and expressions for one cube: raw (fact joined to dimensions) and materialized."""

    def __init__(self, cube: CubeModel, cube_id: str):
        self.cube = cube
        self.view_name = f"mv_{cube_id.replace('-', '')}"
        self.levels: dict[str, LevelColumns] = {}
        number = 0
        for dim in cube.dimensions:
            for level in dim.levels:
                base = f"l{number}_{_slug(dim.name)}_{_slug(level.name)}"
                self.levels[level.ref] = LevelColumns(base, f"{base}_name" if level.name_column else None)
                number += 1
        self.partials: dict[str, dict[str, str]] = {
            m.name: {kind: f"m{i}_{_slug(m.name)}_{kind}" for kind in PARTIALS[m.aggregator]}
            for i, m in enumerate(cube.measures)
        }
        # One key-signature view per distinct-count measure (see `create_view_sql`).
        self.distinct_views: dict[str, str] = {
            m.name: f"{self.view_name}_k{i}" for i, m in enumerate(cube.measures)
            if m.aggregator is Aggregator.DISTINCT_COUNT
        }
        self._aliases = {
            (d.name, t.alias): f"d{i}_{t.alias}"
            for i, d in enumerate(cube.dimensions) if d.relation for t in relation_tables(d.relation)
        }

    @property
    def view(self) -> str:
        return qualified(MV_SCHEMA, self.view_name)

    @property
    def view_names(self) -> list[str]:
        """The cell view and the key-signature views, all in MV_SCHEMA."""
        return [self.view_name, *self.distinct_views.values()]

    def distinct_view(self, measure: str) -> str:
        return qualified(MV_SCHEMA, self.distinct_views[measure])

    # --- the raw star/snowflake join -------------------------------------------------------------------
    def fact_from(self) -> str:
        """`FROM` body: the fact table LEFT JOINed to each dimension's relation."""
        parts = [f"{qualified(self.cube.fact_schema, self.cube.fact_table)} AS {quote(FACT_ALIAS)}"]
        for dim in self.cube.dimensions:
            if dim.relation is None:
                continue
            target = f"{quote(self._aliases[(dim.name, dim.primary_key_alias)])}.{quote(dim.primary_key)}"
            parts.append(f"LEFT JOIN {self._relation(dim.name, dim.relation)} "
                         f"ON {quote(FACT_ALIAS)}.{quote(dim.foreign_key)} = {target}")
        return "\n  ".join(parts)

    def _relation(self, dimension: str, relation: Relation) -> str:
        if isinstance(relation, TableRef):
            return f"{qualified(relation.schema, relation.name)} AS {quote(self._aliases[(dimension, relation.alias)])}"
        left = self._relation(dimension, relation.left)
        right = self._relation(dimension, relation.right)
        condition = (f"{quote(self._aliases[(dimension, relation.left_alias)])}.{quote(relation.left_key)} = "
                     f"{quote(self._aliases[(dimension, relation.right_alias)])}.{quote(relation.right_key)}")
        return f"({left} JOIN {right} ON {condition})"

    def raw_level_expr(self, level: Level, *, name: bool = False) -> str:
        column = level.name_column if name else level.column
        alias = FACT_ALIAS if level.table_alias is None else self._aliases[(level.dimension, level.table_alias)]
        return f"{quote(alias)}.{quote(column)}"

    @staticmethod
    def raw_measure_column(measure: Measure) -> str:
        return f"{quote(FACT_ALIAS)}.{quote(measure.column)}"

    # --- the materialized view --------------------------------------------------------------------------
    def view_level_columns(self) -> list[str]:
        """Every grouping column of the view, in order (keys and labels)."""
        columns = []
        for cols in self.levels.values():
            columns.append(cols.key)
            if cols.name:
                columns.append(cols.name)
        return columns

    def create_view_sql(self) -> list[str]:
        """Statements creating the view (empty) and the unique index `REFRESH … CONCURRENTLY` needs."""
        selects, groups = [], []
        for ref, cols in self.levels.items():
            level = self.cube.level(ref)
            selects.append(f"{self.raw_level_expr(level)} AS {quote(cols.key)}")
            groups.append(self.raw_level_expr(level))
            if cols.name:
                selects.append(f"{self.raw_level_expr(level, name=True)} AS {quote(cols.name)}")
                groups.append(self.raw_level_expr(level, name=True))
        for measure in self.cube.measures:
            column = self.raw_measure_column(measure)
            for kind, name in self.partials[measure.name].items():
                selects.append(f"{kind}({column}) AS {quote(name)}")
        selects.append(f"count(*) AS {quote(FACT_ROWS_COLUMN)}")
        index_columns = ", ".join(quote(c) for c in self.view_level_columns())
        statements = [
            f"CREATE MATERIALIZED VIEW {self.view} AS\nSELECT " + ",\n  ".join(selects)
            + f"\nFROM {self.fact_from()}\nGROUP BY " + ", ".join(groups) + "\nWITH NO DATA",
            f"CREATE UNIQUE INDEX {quote(self.view_name + '_cell')} ON {self.view} ({index_columns}) NULLS NOT DISTINCT",
        ]
        for measure in self.cube.measures:
            if measure.name in self.distinct_views:
                statements += self._signature_view_sql(measure)
        return statements

    def _signature_view_sql(self, measure: Measure) -> list[str]:
        """The key-signature view of a distinct-count measure.

        A key's signature is the set of cells (level tuples) its fact rows fall in, kept as parallel arrays of
        the level columns; the view holds one row per distinct signature with how many keys share it. A pivot
        counts, per group, the keys whose signature has a cell passing the filters in that group: exact for any
        grouping and filter, and small because keys sharing a signature (orders of one month, region and
        customer segment with the same product categories) collapse into one row.
        """
        columns = [quote(c) for c in self.view_level_columns()]
        key = self.raw_measure_column(measure)
        raw = []
        for ref, cols in self.levels.items():
            level = self.cube.level(ref)
            raw.append(f"{self.raw_level_expr(level)} AS {quote(cols.key)}")
            if cols.name:
                raw.append(f"{self.raw_level_expr(level, name=True)} AS {quote(cols.name)}")
        order = ", ".join(columns)
        arrays = ", ".join(f"array_agg({c} ORDER BY {order}) AS {c}" for c in columns)
        name = self.distinct_views[measure.name]
        view = qualified(MV_SCHEMA, name)
        return [
            f"CREATE MATERIALIZED VIEW {view} AS\nSELECT {', '.join(columns)}, count(*) AS {quote(KEYS_COLUMN)}, "
            f"md5(CAST(ROW({', '.join(columns)}) AS text)) AS {quote(SIGNATURE_COLUMN)}\n"
            f"FROM (SELECT {arrays}\n  FROM (SELECT DISTINCT {key} AS {quote('key')}, {', '.join(raw)}\n"
            f"    FROM {self.fact_from()}\n    WHERE {key} IS NOT NULL) AS {quote('cells')}\n"
            f"  GROUP BY {quote('key')}) AS {quote('per_key')}\nGROUP BY {', '.join(columns)}\nWITH NO DATA",
            f"CREATE UNIQUE INDEX {quote(name + '_signature')} ON {view} ({quote(SIGNATURE_COLUMN)})",
        ]

    def refresh_view_sql(self, *, concurrently: bool) -> list[str]:
        """Statements refreshing every view of the cube (run in one transaction, so they agree)."""
        mode = "CONCURRENTLY " if concurrently else ""
        return [f"REFRESH MATERIALIZED VIEW {mode}{qualified(MV_SCHEMA, name)}" for name in self.view_names]

