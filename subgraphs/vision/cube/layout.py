"""Where a cube's members live in SQL: the fact-to-dimension joins and the columns of its materialized view.

Pure functions of the cube model; every identifier is quoted, and identifiers only ever come from the model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from subgraphs.vision.cube.expressions import render
from subgraphs.vision.cube.model import (
    Aggregator,
    CubeModel,
    Hierarchy,
    Level,
    Measure,
    Relation,
    TableRef,
    relation_tables,
)

FACT_ALIAS = "f"
MV_SCHEMA = "vision_mv"
FACT_ROWS_COLUMN = "fact_rows"
KEYS_COLUMN = "keys"
SIGNATURE_COLUMN = "signature"
ANCESTOR, DESCENDANT, ANCESTOR_LABEL = "ancestor", "descendant", "ancestor_label"  # closure view columns

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


@dataclass(frozen=True)
class UniqueKey:
    """A column that must be unique in its table, or joining it would repeat fact rows (fan-out).

    `origin` names the cube file element that makes the join, for the error message.
    """

    table: TableRef
    column: str
    origin: str


def _unique_keys(relation: Relation, anchor: str, dimension: str) -> list[UniqueKey]:
    """The keys that keep `relation` at one row per row of its `anchor` table.

    Each join reaches from the anchor's side to the other side, whose join key must then be unique (and the other
    side itself free of fan-out, from that key's table on).
    """
    if isinstance(relation, TableRef):
        return []
    left_aliases = [t.alias for t in relation_tables(relation.left)]
    if anchor in left_aliases:
        near, far, far_alias, far_key = relation.left, relation.right, relation.right_alias, relation.right_key
    else:
        near, far, far_alias, far_key = relation.right, relation.left, relation.left_alias, relation.left_key
    table = next(t for t in relation_tables(far) if t.alias == far_alias)
    where = f" at line {relation.line}" if relation.line else ""
    origin = f"<Join>{where} of dimension {dimension!r} ({far_alias}.{far_key})"
    return [
        *_unique_keys(near, anchor, dimension),
        UniqueKey(table, far_key, origin),
        *_unique_keys(far, far_alias, dimension),
    ]


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
                self.levels[level.ref] = LevelColumns(base, f"{base}_name" if level.has_label else None)
                number += 1
        self.partials: dict[str, dict[str, str]] = {
            m.name: {kind: f"m{i}_{_slug(m.name)}_{kind}" for kind in PARTIALS[m.aggregator]}
            for i, m in enumerate(cube.measures)
        }
        # One key-signature view per distinct-count measure (see `create_view_sql`).
        self.distinct_views: dict[str, str] = {
            m.name: f"{self.view_name}_k{i}"
            for i, m in enumerate(cube.measures)
            if m.aggregator is Aggregator.DISTINCT_COUNT
        }
        # A virtual cube's fact rows: each base cube's fact join, stacked (see `fact_from`).
        self.parts = [(part, CubeLayout(part.cube, cube_id)) for part in cube.parts]
        self.measure_columns = {m.name: f"mc{i}" for i, m in enumerate(cube.measures)}
        # Members views: one per level with properties (see `_members_view_sql`).
        self.member_views: dict[str, str] = {
            level.ref: f"{self.view_name}_p{i}"
            for i, level in enumerate(self.cube.levels_by_ref.values())
            if level.properties
        }
        # Closure views: one per parent-child level (see `_closure_view_sql`).
        self.closure_views: dict[str, str] = {
            level.ref: f"{self.view_name}_c{i}"
            for i, level in enumerate(self.cube.levels_by_ref.values())
            if level.closure
        }
        self._aliases = {
            (d.name, h.name, t.alias): f"d{i}_{t.alias}" if j == 0 else f"d{i}h{j}_{t.alias}"
            for i, d in enumerate(cube.dimensions)
            for j, h in enumerate(d.hierarchies)
            if h.relation
            for t in relation_tables(h.relation)
        }

    @property
    def view(self) -> str:
        return qualified(MV_SCHEMA, self.view_name)

    @property
    def view_names(self) -> list[str]:
        """The cell view, the key-signature views and the members views, all in MV_SCHEMA."""
        return [
            self.view_name,
            *self.distinct_views.values(),
            *self.member_views.values(),
            *self.closure_views.values(),
        ]

    def closure_view(self, ref: str) -> str:
        return qualified(MV_SCHEMA, self.closure_views[ref])

    def member_view(self, ref: str) -> str:
        return qualified(MV_SCHEMA, self.member_views[ref])

    def distinct_view(self, measure: str) -> str:
        return qualified(MV_SCHEMA, self.distinct_views[measure])

    # --- the raw star/snowflake join -------------------------------------------------------------------
    def _joined(self) -> list[tuple[str, Hierarchy]]:
        return [(d.name, h) for d in self.cube.dimensions for h in d.hierarchies if h.relation is not None]

    def fact_from(self) -> str:
        """`FROM` body: the fact table LEFT JOINed to each hierarchy's relation; for a virtual cube, the stacked
        rows of its base cubes, one column per level key, label and measure."""
        if self.parts:
            stacked = " UNION ALL ".join(self._part_select(part, layout) for part, layout in self.parts)
            return f"({stacked}) AS {quote(FACT_ALIAS)}"
        parts = [f"{qualified(self.cube.fact_schema, self.cube.fact_table)} AS {quote(FACT_ALIAS)}"]
        for dimension, hierarchy in self._joined():
            foreign_key = self.cube.dimension(dimension).foreign_key
            alias = self._aliases[(dimension, hierarchy.name, hierarchy.primary_key_alias)]
            target = f"{quote(alias)}.{quote(hierarchy.primary_key)}"
            parts.append(
                f"LEFT JOIN {self._relation(dimension, hierarchy.name, hierarchy.relation)} "
                f"ON {quote(FACT_ALIAS)}.{quote(foreign_key)} = {target}"
            )
        return "\n  ".join(parts)

    def _relation(self, dimension: str, hierarchy: str | None, relation: Relation) -> str:
        if isinstance(relation, TableRef):
            alias = self._aliases[(dimension, hierarchy, relation.alias)]
            return f"{qualified(relation.schema, relation.name)} AS {quote(alias)}"
        left = self._relation(dimension, hierarchy, relation.left)
        right = self._relation(dimension, hierarchy, relation.right)
        condition = (
            f"{quote(self._aliases[(dimension, hierarchy, relation.left_alias)])}.{quote(relation.left_key)} "
            f"= {quote(self._aliases[(dimension, hierarchy, relation.right_alias)])}."
            f"{quote(relation.right_key)}"
        )
        return f"({left} JOIN {right} ON {condition})"

    def unique_keys(self) -> list[UniqueKey]:
        """Every key that must be unique for the fact join to keep one row per fact row (Mondrian requires the
        hierarchy's primary key to be unique in its table chain; a many-to-many bridge breaks that)."""
        keys: list[UniqueKey] = []
        for dimension, hierarchy in self._joined():
            relation, anchor = hierarchy.relation, hierarchy.primary_key_alias
            table = next(t for t in relation_tables(relation) if t.alias == anchor)
            where = f" at line {hierarchy.line}" if hierarchy.line else ""
            keys.append(
                UniqueKey(
                    table,
                    hierarchy.primary_key,
                    f"<Hierarchy>{where} of dimension {dimension!r} (primaryKey {anchor}.{hierarchy.primary_key})",
                )
            )
            keys += _unique_keys(relation, anchor, dimension)
        return keys

    def _part_select(self, part, layout: CubeLayout) -> str:
        columns = []
        for ref, cols in self.levels.items():
            own = part.cube.level(ref) if self.cube.level(ref).dimension in part.dimensions else None
            columns.append(f"{layout.raw_level_expr(own) if own else 'NULL'} AS {quote(cols.key)}")
            if cols.name:
                columns.append(f"{layout.raw_level_expr(own, name=True) if own else 'NULL'} AS {quote(cols.name)}")
        for measure in self.cube.measures:
            value = layout.raw_measure_column(measure) if measure.name in part.measures else "NULL"
            columns.append(f"{value} AS {quote(self.measure_columns[measure.name])}")
        return f"SELECT {', '.join(columns)} FROM {layout.fact_from()}"

    def raw_level_expr(self, level: Level, *, name: bool = False) -> str:
        """The level's key (or label) over the fact join."""
        if self.parts:
            cols = self.levels[level.ref]
            return f"{quote(FACT_ALIAS)}.{quote(cols.name if name else cols.key)}"
        return self.dimension_level_expr(level, name=name)

    def dimension_level_expr(self, level: Level, *, name: bool = False) -> str:
        """The level's key (or label) over its hierarchy's tables (aliased as in the fact join)."""
        expression = level.name_expression if name else level.key_expression
        column = level.name_column if name else level.column
        if expression is not None:
            return render(
                expression,
                lambda table: FACT_ALIAS if table is None else self._aliases[(level.dimension, level.hierarchy, table)],
            )
        if level.table_alias is None:
            alias = FACT_ALIAS
        else:
            alias = self._aliases[(level.dimension, level.hierarchy, level.table_alias)]
        return f"{quote(alias)}.{quote(column)}"

    def raw_measure_column(self, measure: Measure) -> str:
        """The measure's value per fact row."""
        if self.parts:
            return f"{quote(FACT_ALIAS)}.{quote(self.measure_columns[measure.name])}"
        if measure.expression is not None:
            return render(measure.expression, lambda _table: FACT_ALIAS)
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
            f"CREATE MATERIALIZED VIEW {self.view} AS\nSELECT "
            + ",\n  ".join(selects)
            + f"\nFROM {self.fact_from()}\nGROUP BY "
            + ", ".join(groups)
            + "\nWITH NO DATA",
            f"CREATE UNIQUE INDEX {quote(self.view_name + '_cell')} ON {self.view} ({index_columns}) NULLS NOT DISTINCT",
        ]
        for measure in self.cube.measures:
            if measure.name in self.distinct_views:
                statements += self._signature_view_sql(measure)
        for ref in self.member_views:
            statements += self._members_view_sql(self.cube.level(ref))
        for ref in self.closure_views:
            statements += self._closure_view_sql(self.cube.level(ref))
        return statements

    def _closure_view_sql(self, level: Level) -> list[str]:
        """(ancestor, descendant, ancestor's label) of a parent-child level, from its closure table: a pivot
        grouped by the level joins the cell view's member key to `descendant` and groups by `ancestor`, so each
        member rolls up its subtree while totals (not grouped by it) still count each fact row once."""
        closure = level.closure
        source = self._owner_of(level)
        hierarchy = next(h for h in self.cube.dimension(level.dimension).hierarchies if h.name == level.hierarchy)
        table = source._relation(level.dimension, level.hierarchy, hierarchy.relation)
        pairs = quote("pairs")
        columns = [
            f"{pairs}.{quote(closure.parent_column)} AS {quote(ANCESTOR)}",
            f"{pairs}.{quote(closure.child_column)} AS {quote(DESCENDANT)}",
        ]
        if level.has_label:
            columns.append(f"{source.dimension_level_expr(level, name=True)} AS {quote(ANCESTOR_LABEL)}")
        name = self.closure_views[level.ref]
        view = qualified(MV_SCHEMA, name)
        return [
            f"CREATE MATERIALIZED VIEW {view} AS\nSELECT DISTINCT {', '.join(columns)}\n"
            f"FROM {qualified(closure.table.schema, closure.table.name)} AS {pairs}\n"
            f"LEFT JOIN {table} ON {source.dimension_level_expr(level)} = {pairs}.{quote(closure.parent_column)}\n"
            f"WITH NO DATA",
            f"CREATE UNIQUE INDEX {quote(name + '_pair')} ON {view} ({quote(ANCESTOR)}, {quote(DESCENDANT)}) "
            f"NULLS NOT DISTINCT",
        ]

    def property_column(self, index: int) -> str:
        return f"p{index}"

    def _members_view_sql(self, level: Level) -> list[str]:
        """The members of a level with its properties, read from the hierarchy's tables (one row per key)."""
        dimension = self.cube.dimension(level.dimension)
        hierarchy = next(h for h in dimension.hierarchies if h.name == level.hierarchy)
        source = self._owner_of(level)
        if hierarchy.relation is None:
            table = f"{qualified(source.cube.fact_schema, source.cube.fact_table)} AS {quote(FACT_ALIAS)}"
        else:
            table = source._relation(level.dimension, level.hierarchy, hierarchy.relation)
        key = source.dimension_level_expr(level)
        columns = [f"{key} AS {quote('key')}"]
        if level.has_label:
            columns.append(f"{source.dimension_level_expr(level, name=True)} AS {quote('name')}")
        for i, prop in enumerate(level.properties):
            alias = (
                FACT_ALIAS
                if prop.table_alias is None
                else source._aliases[(level.dimension, level.hierarchy, prop.table_alias)]
            )
            columns.append(f"{quote(alias)}.{quote(prop.column)} AS {quote(self.property_column(i))}")
        name = self.member_views[level.ref]
        view = qualified(MV_SCHEMA, name)
        return [
            f"CREATE MATERIALIZED VIEW {view} AS\nSELECT DISTINCT ON ({key}) {', '.join(columns)}\nFROM {table}\n"
            f"ORDER BY {key}\nWITH NO DATA",
            f"CREATE UNIQUE INDEX {quote(name + '_key')} ON {view} ({quote('key')}) NULLS NOT DISTINCT",
        ]

    def _owner_of(self, level: Level) -> CubeLayout:
        """The layout whose fact table the level's hierarchy joins (a base cube's, for a virtual cube)."""
        for part, layout in self.parts:
            if level.dimension in part.dimensions:
                return layout
        return self

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
