"""Pivot results, column-wise: one header array per level and one value array per measure (ARCHITECTURE.md §7)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from subgraphs.vision.cube.model import CubeModel
from subgraphs.vision.pivot.query import PivotQuery
from subgraphs.vision.pivot.sql import GROUPING_COLUMN, TOTAL_COLUMN, level_alias, measure_alias


@dataclass
class Series:
    measure: str
    values: list[float | None]


@dataclass
class Subtotals:
    """Totals per distinct header tuple of one axis (over the other axis)."""

    headers: list[list[str | None]]
    values: list[Series]


@dataclass
class Totals:
    grand: list[Series]  # one value per measure
    row_subtotals: Subtotals | None = None
    column_subtotals: Subtotals | None = None


@dataclass
class PivotData:
    row_levels: list[str]
    column_levels: list[str]
    measures: list[str]
    row_headers: list[list[str | None]]
    column_headers: list[list[str | None]]
    values: list[Series]
    total_rows: int
    truncated: bool
    totals: Totals | None = None

    @classmethod
    def from_dict(cls, data: dict) -> PivotData:
        totals = data.get("totals")
        if totals is not None:
            totals = Totals(
                grand=[Series(**s) for s in totals["grand"]],
                row_subtotals=_subtotals(totals.get("row_subtotals")),
                column_subtotals=_subtotals(totals.get("column_subtotals")),
            )
        return cls(**{**data, "values": [Series(**s) for s in data["values"]], "totals": totals})


def _subtotals(data: dict | None) -> Subtotals | None:
    if data is None:
        return None
    return Subtotals(headers=data["headers"], values=[Series(**s) for s in data["values"]])


def _number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if isinstance(value, (Decimal, int, float)) else float(str(value))


def _header(row: Mapping[str, Any], cube: CubeModel, ref: str, index: int) -> str | None:
    level = cube.known_level(ref)
    value = row[level_alias(index) + "_label"] if level.has_label else row[level_alias(index)]
    return None if value is None else str(value)


def _axis(rows: Sequence[Mapping[str, Any]], cube: CubeModel, refs: Sequence[str], first: int) -> list[list]:
    return [[_header(row, cube, ref, first + i) for row in rows] for i, ref in enumerate(refs)]


def _series(rows: Sequence[Mapping[str, Any]], measures: Sequence[str]) -> list[Series]:
    return [Series(name, [_number(row[measure_alias(i)]) for row in rows]) for i, name in enumerate(measures)]


def shape_cells(
    cube: CubeModel, query: PivotQuery, rows: Sequence[Mapping[str, Any]], *, total_rows: int, row_cap: int
) -> PivotData:
    """Column-wise cells. `truncated` when MAX_ROWS cut rows the caller asked for (or did not limit)."""
    shown = min(query.limit or row_cap, row_cap)
    truncated = (query.limit is None or query.limit > row_cap) and total_rows - query.offset > shown
    return PivotData(
        row_levels=list(query.rows),
        column_levels=list(query.columns),
        measures=list(query.measures),
        row_headers=_axis(rows, cube, query.rows, 0),
        column_headers=_axis(rows, cube, query.columns, len(query.rows)),
        values=_series(rows, query.measures),
        total_rows=total_rows,
        truncated=truncated,
    )


def total_rows_of(rows: Sequence[Mapping[str, Any]]) -> int | None:
    """The cell count carried by each row (None when the page is empty)."""
    return int(rows[0][TOTAL_COLUMN]) if rows else None


def shape_totals(
    cube: CubeModel, query: PivotQuery, rows: Sequence[Mapping[str, Any]] | None, cells: PivotData
) -> Totals:
    """Split the GROUPING SETS rows into grand total and subtotals."""
    if rows is None:  # no levels: the single cell is the grand total
        return Totals(grand=[Series(s.measure, s.values[:1]) for s in cells.values])
    n_rows, n_cols = len(query.rows), len(query.columns)
    # GROUPING() sets a bit (first argument = most significant) for each level aggregated away.
    grand_mask = (1 << (n_rows + n_cols)) - 1
    row_mask = (1 << n_cols) - 1
    column_mask = ((1 << n_rows) - 1) << n_cols
    by_set: dict[int, list] = {}
    for row in rows:
        by_set.setdefault(int(row[GROUPING_COLUMN]), []).append(row)
    grand_rows = by_set.get(grand_mask, [])
    totals = Totals(grand=[Series(s.measure, s.values[:1] or [None]) for s in _series(grand_rows, query.measures)])
    if n_rows and n_cols:
        row_sub, column_sub = by_set.get(row_mask, []), by_set.get(column_mask, [])
        totals.row_subtotals = Subtotals(_axis(row_sub, cube, query.rows, 0), _series(row_sub, query.measures))
        totals.column_subtotals = Subtotals(
            _axis(column_sub, cube, query.columns, n_rows), _series(column_sub, query.measures)
        )
    return totals
