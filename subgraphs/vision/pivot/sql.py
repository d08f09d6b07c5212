"""The pivot SQL builder: a pure function of (cube model, layout, pivot query).

Identifiers come only from the cube model (quoted); every client value is a bind parameter. The same query can
be built over the cube's materialized views (re-aggregating the cell view's partial aggregates, and counting
distinct keys on the key-signature views) or over the raw fact join (for comparisons and benchmarks).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from subgraphs.vision.cube.formula import BinaryOp, Formula, MemberRef, Negate, Number, member_refs
from subgraphs.vision.cube.layout import ANCESTOR, ANCESTOR_LABEL, DESCENDANT, KEYS_COLUMN, CubeLayout, quote
from subgraphs.vision.cube.model import Aggregator, Level, Measure
from subgraphs.vision.pivot.query import COMPARISONS, PivotQuery, coerce_value

Source = Literal["view", "fact"]
VIEW_ALIAS = quote("v")
CELLS_ALIAS = quote("c")
TOTAL_COLUMN = "__total"
GROUPING_COLUMN = "__grouping"


@dataclass(frozen=True)
class PivotStatement:
    sql: str
    params: dict[str, object]


def level_alias(index: int) -> str:
    return f"a{index}"


def measure_alias(index: int) -> str:
    return f"m{index}"


class _Params:
    def __init__(self) -> None:
        self.values: dict[str, object] = {}

    def add(self, value: object) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f":{name}"


class PivotSqlBuilder:
    """Builds the cells statement and the totals statement of a (validated) pivot query."""

    def __init__(self, layout: CubeLayout, *, source: Source = "view"):
        self.layout = layout
        self.cube = layout.cube
        self.source = source
        self._stored: list[Measure] = []
        self._distinct: list[Measure] = []
        self._outer: dict[str, str] | None = None  # stored measure → column of the joined cells query

    # --- public ---------------------------------------------------------------------------------------------
    def cells(self, query: PivotQuery, *, row_cap: int) -> PivotStatement:
        """One row per cell (row levels × column levels) with each measure, paged, plus the cell count."""
        self._prepare(query)
        params = _Params()
        levels = [self.cube.known_level(ref) for ref in query.levels]
        sql = self._grouped(query, levels, levels, params, [f"count(*) OVER () AS {quote(TOTAL_COLUMN)}"])
        having = [self._having(item, params) for item in query.having]
        if having:
            sql.append(("WHERE " if self._joins_distinct() else "HAVING ") + " AND ".join(having))
        order = self._order(query)
        if order:
            sql.append(f"ORDER BY {order}")
        limit = min(query.limit or row_cap, row_cap)
        sql.append(f"LIMIT {params.add(limit)} OFFSET {params.add(query.offset)}")
        return PivotStatement("\n".join(sql), params.values)

    def totals(self, query: PivotQuery, *, row_cap: int) -> PivotStatement | None:
        """Grand total, and with both rows and columns the row and column subtotals, over the filtered data.

        `having` applies to cells, not to totals. None when the query has no levels (its one cell is the total).
        """
        if not query.levels:
            return None
        self._prepare(query)
        params = _Params()
        levels = [self.cube.known_level(ref) for ref in query.levels]
        rows, columns = levels[: len(query.rows)], levels[len(query.rows) :]
        # one axis: its subtotals are the cells themselves, only the grand total is new
        sets = [rows, columns, []] if rows and columns else [[]]
        order = ", ".join(
            [quote(GROUPING_COLUMN)] + [f"{quote(level_alias(i))} ASC NULLS LAST" for i in range(len(levels))]
        )
        if self._joins_distinct() or not (rows and columns) or any(level.closure for level in levels):
            # A distinct count is counted per grouping set, and a parent-child level joins its closure only in
            # the sets grouped by it: one grouped query each.
            parts = []
            for grouped in sets:
                grouping = sum(1 << (len(levels) - 1 - i) for i, level in enumerate(levels) if level not in grouped)
                part = self._grouped(query, grouped, levels, params, [f"{grouping} AS {quote(GROUPING_COLUMN)}"])
                parts.append("(" + "\n".join(part) + ")")
            sql = ["SELECT * FROM (" + "\nUNION ALL\n".join(parts) + f") AS {quote('totals')}"]
        else:
            keys = ", ".join(self._level_expr(level) for level in levels)
            select = self._level_selects(levels) + self._measure_selects(query)
            select.append(f"GROUPING({keys}) AS {quote(GROUPING_COLUMN)}")
            sql = [f"SELECT {', '.join(select)}", f"FROM {self._from()}"]
            sql += self._where(query, params)
            grouping_sets = ", ".join(f"({', '.join(self._group_exprs(g))})" for g in sets)
            sql.append(f"GROUP BY GROUPING SETS ({grouping_sets})")
        sql.append(f"ORDER BY {order}")
        sql.append(f"LIMIT {params.add(2 * row_cap + 1)}")
        return PivotStatement("\n".join(sql), params.values)

    def _grouped(
        self, query: PivotQuery, grouped: list[Level], levels: list[Level], params: _Params, extra: list[str]
    ) -> list[str]:
        """`SELECT … FROM … WHERE … GROUP BY …` of the measures grouped by `grouped`; the other `levels` are NULL.

        On the views with distinct counts: the cell view's aggregates, LEFT JOINed to one count per distinct
        measure from its key-signature view, on the group's levels.
        """
        pairs = [self._level_select(i, level, level in grouped) for i, level in enumerate(levels)]
        level_selects = [item for pair in pairs for item in pair]
        if not self._joins_distinct():
            sql = [
                f"SELECT {', '.join(level_selects + self._measure_selects(query) + extra)}",
                f"FROM {self._from(grouped)}",
            ]
            sql += self._where(query, params)
            if grouped:
                sql.append(f"GROUP BY {', '.join(self._group_exprs(grouped))}")
            return sql
        aliases = [alias for i, level in enumerate(levels) if level in grouped for alias in _aliases(i, level)]
        additive = [m for m in self._stored if m not in self._distinct]
        inner = [
            f"{self._level_expr(level, label=label)} AS {quote(alias)}"
            for i, level in enumerate(levels)
            if level in grouped
            for alias, label in zip(_aliases(i, level), (False, True), strict=False)
        ]
        inner += [f"{self._view_measure(m)} AS {quote(f'x{k}')}" for k, m in enumerate(additive)]
        # `count(*)`: with neither levels nor additive measures, still one aggregate row
        cells = [
            f"SELECT {', '.join(inner) or 'count(*) AS rows'}",
            f"FROM {self._from(grouped)}",
            *self._where(query, params),
        ]
        if grouped:
            cells.append(f"GROUP BY {', '.join(self._group_exprs(grouped))}")
        joins = []
        for j, measure in enumerate(self._distinct):
            alias = quote(f"d{j}")
            condition = (
                " AND ".join(f"{CELLS_ALIAS}.{quote(a)} IS NOT DISTINCT FROM {alias}.{quote(a)}" for a in aliases)
                or "true"
            )
            joins.append(
                f"LEFT JOIN ({self._distinct_count(measure, query, grouped, levels, params)}) AS {alias} ON {condition}"
            )
        self._outer = {m.name: f"{CELLS_ALIAS}.{quote(f'x{k}')}" for k, m in enumerate(additive)}
        self._outer.update(
            {m.name: f"coalesce({quote(f'd{j}')}.{quote('n')}, 0)" for j, m in enumerate(self._distinct)}
        )
        outer_levels = [
            f"{CELLS_ALIAS}.{quote(a)}" if a in aliases else f"NULL AS {quote(a)}"
            for i, level in enumerate(levels)
            for a in _aliases(i, level)
        ]
        sql = [
            f"SELECT {', '.join(outer_levels + self._measure_selects(query) + extra)}",
            f"FROM ({' '.join(cells)}) AS {CELLS_ALIAS}",
            *joins,
        ]
        return sql

    def _distinct_count(
        self, measure: Measure, query: PivotQuery, grouped: list[Level], levels: list[Level], params: _Params
    ) -> str:
        """Distinct keys per group: each signature row adds its key count once to every group one of its cells
        (passing the filters) falls in."""
        used = [
            self.cube.known_level(ref)
            for ref in dict.fromkeys([*(level.ref for level in grouped), *(f.level for f in query.filters)])
        ]
        columns = [c for level in used for c in _view_columns(self.layout, level)]
        view = f"{self.layout.distinct_view(measure.name)} AS {quote('s')}"
        keys = f"sum({quote('s')}.{quote(KEYS_COLUMN)}) AS {quote('n')}"
        if not columns:
            return f"SELECT {keys} FROM {view}"
        group_columns = [
            f"{self._level_expr(level, label=label)} AS {quote(alias)}"
            for i, level in enumerate(levels)
            if level in grouped
            for alias, label in zip(_aliases(i, level), (False, True), strict=False)
        ]
        arrays = ", ".join(f"{quote('s')}.{quote(c)}" for c in columns)
        names = ", ".join(quote(c) for c in columns)
        cells = (
            f"SELECT DISTINCT {', '.join(group_columns) or 'true AS hit'} FROM unnest({arrays}) "
            f"AS {VIEW_ALIAS}({names}) {' '.join(self._where(query, params))}"
        )
        group_aliases = [
            f"{quote('g')}.{quote(alias)}"
            for i, level in enumerate(levels)
            if level in grouped
            for alias in _aliases(i, level)
        ]
        sql = f"SELECT {', '.join([*group_aliases, keys])} FROM {view} CROSS JOIN LATERAL ({cells}) AS {quote('g')}"
        return sql + (f" GROUP BY {', '.join(group_aliases)}" if group_aliases else "")

    # --- pieces ---------------------------------------------------------------------------------------------
    def _prepare(self, query: PivotQuery) -> None:
        names: list[str] = []
        for name in list(query.measures) + [h.measure for h in query.having]:
            names.extend(self._stored_names(name))
        self._stored = [m for m in self.cube.measures if m.name in names]
        self._distinct = [m for m in self._stored if m.aggregator is Aggregator.DISTINCT_COUNT]
        self._outer = None

    def _stored_names(self, name: str) -> list[str]:
        member = self.cube.calculated_member(name)
        if member is None:
            return [name]
        return [n for ref in member_refs(member.expression) for n in self._stored_names(ref)]

    def _joins_distinct(self) -> bool:
        return self.source == "view" and bool(self._distinct)

    def _from(self, grouped: Sequence[Level] = ()) -> str:
        """The view (or the raw join), with the closure view of each parent-child level grouped by: a fact row
        then counts once under each of its member's ancestors."""
        if self.source == "fact":
            if any(level.closure for level in grouped):
                raise ValueError("raw-join pivots do not expand parent-child levels")
            return self.layout.fact_from()
        joins = [
            f"JOIN {self.layout.closure_view(level.ref)} AS {_closure_alias(level)} ON "
            f"{_closure_alias(level)}.{quote(DESCENDANT)} = {self._member_key(level)}"
            for level in grouped
            if level.closure
        ]
        return " ".join([f"{self.layout.view} AS {VIEW_ALIAS}", *joins])

    def _member_key(self, level: Level) -> str:
        """The key of the member a fact row belongs to (for a parent-child level: the row's own member)."""
        return f"{VIEW_ALIAS}.{quote(self.layout.levels[level.ref].key)}"

    def _level_expr(self, level: Level, *, label: bool = False) -> str:
        if level.closure and self.source == "view":
            return f"{_closure_alias(level)}.{quote(ANCESTOR_LABEL if label else ANCESTOR)}"
        if self.source == "fact":
            return self.layout.raw_level_expr(level, name=label and level.has_label)
        columns = self.layout.levels[level.ref]
        return f"{VIEW_ALIAS}.{quote(columns.name if label and columns.name else columns.key)}"

    def _group_exprs(self, levels: list[Level]) -> list[str]:
        exprs = []
        for level in levels:
            exprs.append(self._level_expr(level))
            if level.has_label:
                exprs.append(self._level_expr(level, label=True))
        return exprs

    def _level_selects(self, levels: list[Level]) -> list[str]:
        return [item for i, level in enumerate(levels) for item in self._level_select(i, level, True)]

    def _level_select(self, index: int, level: Level, grouped: bool) -> list[str]:
        return [
            f"{self._level_expr(level, label=label) if grouped else 'NULL'} AS {quote(alias)}"
            for alias, label in zip(_aliases(index, level), (False, True), strict=False)
        ]

    def _measure_selects(self, query: PivotQuery) -> list[str]:
        return [f"{self.measure_sql(name)} AS {quote(measure_alias(i))}" for i, name in enumerate(query.measures)]

    def measure_sql(self, name: str) -> str:
        """The aggregate expression of a stored measure or calculated member."""
        member = self.cube.calculated_member(name)
        if member is not None:
            return self._formula_sql(member.expression)
        measure = self.cube.measure(name)
        assert measure is not None, name
        if self._outer is not None:
            return self._outer[name]
        return self._fact_measure(measure) if self.source == "fact" else self._view_measure(measure)

    def _fact_measure(self, measure: Measure) -> str:
        column = self.layout.raw_measure_column(measure)
        if measure.aggregator is Aggregator.DISTINCT_COUNT:
            return f"count(DISTINCT {column})"
        return f"{measure.aggregator.value}({column})"

    def _view_measure(self, measure: Measure) -> str:
        partials = {
            kind: f"{VIEW_ALIAS}.{quote(column)}" for kind, column in self.layout.partials[measure.name].items()
        }
        aggregator = measure.aggregator
        if aggregator is Aggregator.SUM:
            return f"sum({partials['sum']})"
        if aggregator is Aggregator.COUNT:
            return f"coalesce(sum({partials['count']}), 0)"
        if aggregator in (Aggregator.MIN, Aggregator.MAX):
            return f"{aggregator.value}({partials[aggregator.value]})"
        assert aggregator is Aggregator.AVG, aggregator  # distinct counts come from their signature view
        return f"(CAST(sum({partials['sum']}) AS numeric) / NULLIF(sum({partials['count']}), 0))"

    def _formula_sql(self, node: Formula) -> str:
        if isinstance(node, Number):
            return repr(float(node.value))
        if isinstance(node, MemberRef):
            return f"CAST({self.measure_sql(node.name)} AS numeric)"
        if isinstance(node, Negate):
            return f"(-{self._formula_sql(node.operand)})"
        assert isinstance(node, BinaryOp)
        left, right = self._formula_sql(node.left), self._formula_sql(node.right)
        if node.op == "/":
            return f"({left} / NULLIF({right}, 0))"
        return f"({left} {node.op} {right})"

    def _where(self, query: PivotQuery, params: _Params) -> list[str]:
        conditions = []
        for item in query.filters:
            level = self.cube.known_level(item.level)
            if level.closure:  # the fact rows of the members' subtrees
                members = [item.eq] if item.eq is not None else list(item.in_ or ())  # eq or in: validated
                values = [coerce_value(level, v, "filters") for v in members]
                conditions.append(
                    f"{self._member_key(level)} IN (SELECT {quote(DESCENDANT)} FROM "
                    f"{self.layout.closure_view(level.ref)} WHERE {quote(ANCESTOR)} = "
                    f"ANY({params.add(values)}))"
                )
                continue
            key = self._level_expr(level)
            if level.data_type == "String":
                key = f"CAST({key} AS text)"
            kind = item.kind
            if kind == "eq" and item.eq is not None:  # the kind says it is set
                conditions.append(f"{key} = {params.add(coerce_value(level, item.eq, 'filters'))}")
            elif kind == "in":
                values = [coerce_value(level, v, "filters") for v in item.in_ or ()]
                conditions.append(f"{key} = ANY({params.add(values)})")
            elif kind == "range":
                if item.from_ is not None:
                    conditions.append(f"{key} >= {params.add(coerce_value(level, item.from_, 'filters'))}")
                if item.to is not None:
                    conditions.append(f"{key} <= {params.add(coerce_value(level, item.to, 'filters'))}")
            else:
                label = f"CAST({self._level_expr(level, label=True)} AS text)"
                pattern = (
                    "%" + (item.contains or "").replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                )
                conditions.append(f"{label} ILIKE {params.add(pattern)} ESCAPE '\\'")
        return ["WHERE " + " AND ".join(conditions)] if conditions else []

    def _having(self, item, params: _Params) -> str:
        return (
            f"CAST({self.measure_sql(item.measure)} AS double precision) {COMPARISONS[item.op]} "
            f"CAST({params.add(float(item.value))} AS double precision)"
        )

    def _order(self, query: PivotQuery) -> str:
        keys = []
        for key in query.sort:
            if key.by in query.levels:
                alias = level_alias(query.levels.index(key.by))
            else:
                alias = measure_alias(query.measures.index(key.by))
            keys.append(f"{quote(alias)} {'DESC' if key.descending else 'ASC'} NULLS LAST")
        keys += [f"{quote(level_alias(i))} ASC NULLS LAST" for i in range(len(query.levels))]
        return ", ".join(keys)


def _closure_alias(level: Level) -> str:
    return quote("pc_" + level.ref)


def _aliases(index: int, level: Level) -> list[str]:
    """Output columns of a level: its key, and its label when it has a name column."""
    return [level_alias(index)] + ([level_alias(index) + "_label"] if level.has_label else [])


def _view_columns(layout: CubeLayout, level: Level) -> list[str]:
    columns = layout.levels[level.ref]
    return [columns.key] + ([columns.name] if columns.name else [])
