"""The pivot SQL builder: a pure function of (cube model, layout, pivot query).

Identifiers come only from the cube model (quoted); every client value is a bind parameter. The same query can
be built over the cube's materialized view (re-aggregating its partial aggregates) or over the raw fact join
(for comparisons and benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Literal

from subgraphs.vision.cube.formula import BinaryOp, Formula, MemberRef, Negate, Number, member_refs
from subgraphs.vision.cube.layout import CubeLayout, quote
from subgraphs.vision.cube.model import Aggregator, Level, Measure
from subgraphs.vision.pivot.query import COMPARISONS, PivotQuery, coerce_value

Source = Literal["view", "fact"]
VIEW_ALIAS = quote("v")
UNNEST_ALIAS = quote("u")
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
        self._distinct: list[Measure] = []

    # --- public ---------------------------------------------------------------------------------------------
    def cells(self, query: PivotQuery, *, row_cap: int) -> PivotStatement:
        """One row per cell (row levels × column levels) with each measure, paged, plus the cell count."""
        self._prepare(query)
        params = _Params()
        levels = [self.cube.level(ref) for ref in query.levels]
        select = self._level_selects(levels) + self._measure_selects(query)
        select.append(f"count(*) OVER () AS {quote(TOTAL_COLUMN)}")
        sql = [f"SELECT {', '.join(select)}", f"FROM {self._from()}"]
        sql += self._where(query, params)
        if levels:
            sql.append(f"GROUP BY {', '.join(self._group_exprs(levels))}")
        having = [self._having(item, params) for item in query.having]
        if having:
            sql.append("HAVING " + " AND ".join(having))
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
        levels = [self.cube.level(ref) for ref in query.levels]
        rows, columns = levels[: len(query.rows)], levels[len(query.rows):]
        if rows and columns:
            keys = ", ".join(self._level_expr(level) for level in levels)
            select = self._level_selects(levels)
            grouping = f"GROUPING({keys})"
            sets = [f"({', '.join(self._group_exprs(rows))})", f"({', '.join(self._group_exprs(columns))})", "()"]
        else:  # one axis: its subtotals are the cells themselves, only the grand total is new
            select = [f"NULL AS {quote(level_alias(i) + suffix)}" for i, level in enumerate(levels)
                      for suffix in ([""] + (["_label"] if level.name_column else []))]
            grouping, sets = str((1 << len(levels)) - 1), []
        select += self._measure_selects(query)
        select.append(f"{grouping} AS {quote(GROUPING_COLUMN)}")
        sql = [f"SELECT {', '.join(select)}", f"FROM {self._from()}"]
        sql += self._where(query, params)
        if sets:
            sql.append(f"GROUP BY GROUPING SETS ({', '.join(sets)})")
        order = ", ".join([quote(GROUPING_COLUMN)] + [f"{quote(level_alias(i))} ASC NULLS LAST"
                                                      for i in range(len(levels))])
        sql.append(f"ORDER BY {order}")
        sql.append(f"LIMIT {params.add(2 * row_cap + 1)}")
        return PivotStatement("\n".join(sql), params.values)

    # --- pieces ---------------------------------------------------------------------------------------------
    def _prepare(self, query: PivotQuery) -> None:
        names: list[str] = []
        for name in list(query.measures) + [h.measure for h in query.having]:
            names.extend(self._stored_names(name))
        self._distinct = [m for m in self.cube.measures
                          if m.name in names and m.aggregator is Aggregator.DISTINCT_COUNT]

    def _stored_names(self, name: str) -> list[str]:
        member = self.cube.calculated_member(name)
        if member is None:
            return [name]
        return [n for ref in member_refs(member.expression) for n in self._stored_names(ref)]

    def _unnesting(self) -> bool:
        return self.source == "view" and bool(self._distinct)

    def _from(self) -> str:
        if self.source == "fact":
            return self.layout.fact_from()
        source = f"{self.layout.view} AS {VIEW_ALIAS}"
        if self._unnesting():
            arrays = ", ".join(f"{VIEW_ALIAS}.{quote(self.layout.partials[m.name]['keys'])}" for m in self._distinct)
            names = ", ".join([quote(f"k{i}") for i in range(len(self._distinct))] + [quote("ord")])
            source += f"\nCROSS JOIN LATERAL unnest({arrays}) WITH ORDINALITY AS {UNNEST_ALIAS}({names})"
        return source

    def _level_expr(self, level: Level, *, label: bool = False) -> str:
        if self.source == "fact":
            return self.layout.raw_level_expr(level, name=label and level.name_column is not None)
        columns = self.layout.levels[level.ref]
        return f"{VIEW_ALIAS}.{quote(columns.name if label and columns.name else columns.key)}"

    def _group_exprs(self, levels: list[Level]) -> list[str]:
        exprs = []
        for level in levels:
            exprs.append(self._level_expr(level))
            if level.name_column:
                exprs.append(self._level_expr(level, label=True))
        return exprs

    def _level_selects(self, levels: list[Level]) -> list[str]:
        selects = []
        for i, level in enumerate(levels):
            selects.append(f"{self._level_expr(level)} AS {quote(level_alias(i))}")
            if level.name_column:
                selects.append(f"{self._level_expr(level, label=True)} AS {quote(level_alias(i) + '_label')}")
        return selects

    def _measure_selects(self, query: PivotQuery) -> list[str]:
        return [f"{self.measure_sql(name)} AS {quote(measure_alias(i))}" for i, name in enumerate(query.measures)]

    def measure_sql(self, name: str) -> str:
        """The aggregate expression of a stored measure or calculated member."""
        member = self.cube.calculated_member(name)
        if member is not None:
            return self._formula_sql(member.expression)
        measure = self.cube.measure(name)
        assert measure is not None, name
        return self._fact_measure(measure) if self.source == "fact" else self._view_measure(measure)

    def _fact_measure(self, measure: Measure) -> str:
        column = self.layout.raw_measure_column(measure)
        if measure.aggregator is Aggregator.DISTINCT_COUNT:
            return f"count(DISTINCT {column})"
        return f"{measure.aggregator.value}({column})"

    def _view_measure(self, measure: Measure) -> str:
        partials = {kind: f"{VIEW_ALIAS}.{quote(column)}" for kind, column in self.layout.partials[measure.name].items()}
        # With distinct counts the view rows are repeated once per key; additive partials count once (ord = 1).
        once: Callable[[str], str] = (lambda e: f"CASE WHEN {UNNEST_ALIAS}.{quote('ord')} = 1 THEN {e} END") \
            if self._unnesting() else (lambda e: e)
        aggregator = measure.aggregator
        if aggregator is Aggregator.SUM:
            return f"sum({once(partials['sum'])})"
        if aggregator is Aggregator.COUNT:
            return f"coalesce(sum({once(partials['count'])}), 0)"
        if aggregator in (Aggregator.MIN, Aggregator.MAX):
            return f"{aggregator.value}({partials[aggregator.value]})"
        if aggregator is Aggregator.AVG:
            return (f"(CAST(sum({once(partials['sum'])}) AS numeric) / "
                    f"NULLIF(sum({once(partials['count'])}), 0))")
        index = self._distinct.index(measure)
        return f"count(DISTINCT {UNNEST_ALIAS}.{quote(f'k{index}')})"

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
            level = self.cube.level(item.level)
            key = self._level_expr(level)
            if level.data_type == "String":
                key = f"CAST({key} AS text)"
            kind = item.kind
            if kind == "eq":
                conditions.append(f"{key} = {params.add(coerce_value(level, item.eq, 'filters'))}")
            elif kind == "in":
                values = [coerce_value(level, v, "filters") for v in item.in_]
                conditions.append(f"{key} = ANY({params.add(values)})")
            elif kind == "range":
                if item.from_ is not None:
                    conditions.append(f"{key} >= {params.add(coerce_value(level, item.from_, 'filters'))}")
                if item.to is not None:
                    conditions.append(f"{key} <= {params.add(coerce_value(level, item.to, 'filters'))}")
            else:
                label = f"CAST({self._level_expr(level, label=True)} AS text)"
                pattern = "%" + item.contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                conditions.append(f"{label} ILIKE {params.add(pattern)} ESCAPE '\\'")
        return ["WHERE " + " AND ".join(conditions)] if conditions else []

    def _having(self, item, params: _Params) -> str:
        return (f"CAST({self.measure_sql(item.measure)} AS double precision) {COMPARISONS[item.op]} "
                f"CAST({params.add(float(item.value))} AS double precision)")

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

