"""GraphQL input and output types of pivot queries."""

from __future__ import annotations

from enum import Enum

import strawberry

from subgraphs.vision.pivot.query import LevelFilter, MeasureFilter, PivotQuery, SortKey
from subgraphs.vision.pivot.result import Series, Subtotals, Totals


@strawberry.input(description="Inclusive bounds on a level's key; give one or both.")
class RangeInput:
    from_: str | None = strawberry.field(name="from", default=None, description="Lowest key kept.")
    to: str | None = strawberry.field(default=None, description="Highest key kept.")


@strawberry.input(description="Keep the fact rows whose level matches. Give exactly one of eq, in, range, contains.")
class LevelFilterInput:
    level: str = strawberry.field(description="The level, as `Dimension.Level`.")
    eq: str | None = strawberry.field(default=None, description="The level's key equals this value.")
    in_: list[str] | None = strawberry.field(name="in", default=None, description="The key is one of these.")
    range: RangeInput | None = strawberry.field(default=None, description="The key is within these bounds.")
    contains: str | None = strawberry.field(default=None, description="The label contains this text (any case).")

    def to_filter(self) -> LevelFilter:
        return LevelFilter(
            level=self.level,
            eq=self.eq,
            in_=tuple(self.in_) if self.in_ is not None else None,
            from_=self.range.from_ if self.range else None,
            to=self.range.to if self.range else None,
            contains=self.contains,
        )


@strawberry.enum(description="A comparison of a measure with a value.")
class ComparisonOp(Enum):
    _value_: str  # the wire value, as Vision stores and compares it
    GT = strawberry.enum_value("GT", description="Greater than.")
    GTE = strawberry.enum_value("GTE", description="Greater than or equal to.")
    LT = strawberry.enum_value("LT", description="Less than.")
    LTE = strawberry.enum_value("LTE", description="Less than or equal to.")
    EQ = strawberry.enum_value("EQ", description="Equal to.")
    NE = strawberry.enum_value("NE", description="Not equal to.")


@strawberry.input(description="Keep the cells whose measure compares to a value (SQL HAVING).")
class HavingInput:
    measure: str = strawberry.field(description="A measure or calculated member of the cube.")
    op: ComparisonOp = strawberry.field(description="The comparison.")
    value: float = strawberry.field(description="The value compared with.")


@strawberry.enum(description="Sort direction; empty values always sort last.")
class SortDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Smallest first.")
    DESC = strawberry.enum_value("DESC", description="Largest first.")


@strawberry.input(description="One sort key: a level or a measure of the query.")
class SortInput:
    by: str = strawberry.field(description="A level (`Dimension.Level`) or a measure of the query.")
    direction: SortDirection = strawberry.field(default=SortDirection.ASC, description="The direction.")


@strawberry.input(description="A pivot over a cube: group by levels on rows and columns, aggregate measures.")
class PivotInput:
    cube: str = strawberry.field(description="The cube's id or name.")
    measures: list[str] = strawberry.field(description="Measures or calculated members, in output order.")
    rows: list[str] = strawberry.field(default_factory=list, description="Levels on the rows (`Dimension.Level`).")
    columns: list[str] = strawberry.field(default_factory=list, description="Levels on the columns.")
    filters: list[LevelFilterInput] = strawberry.field(default_factory=list, description="Filters on levels.")
    having: list[HavingInput] = strawberry.field(default_factory=list, description="Filters on measures.")
    sort: list[SortInput] = strawberry.field(default_factory=list, description="Sort keys; then the levels, ascending.")
    limit: int | None = strawberry.field(default=None, description="Cells per page (capped by MAX_ROWS).")
    offset: int = strawberry.field(default=0, description="Cells skipped before the page.")
    totals: bool = strawberry.field(default=False, description="Also compute grand total and subtotals.")
    named_sets: list[str] = strawberry.field(
        default_factory=list, description="Named sets of the cube (saved member filters) to filter by."
    )

    def to_query(self) -> PivotQuery:
        return PivotQuery(
            rows=tuple(self.rows),
            columns=tuple(self.columns),
            measures=tuple(self.measures),
            filters=tuple(f.to_filter() for f in self.filters),
            having=tuple(MeasureFilter(h.measure, h.op.value, h.value) for h in self.having),
            sort=tuple(SortKey(s.by, s.direction is SortDirection.DESC) for s in self.sort),
            limit=self.limit,
            offset=self.offset,
            totals=self.totals,
            named_sets=tuple(self.named_sets),
        )


@strawberry.type(description="The values of one measure, aligned with the header arrays.")
class PivotSeries:
    measure: str = strawberry.field(description="The measure's name.")
    values: list[float | None] = strawberry.field(description="One value per cell (null: no data).")

    @classmethod
    def of(cls, series: Series) -> PivotSeries:
        return cls(measure=series.measure, values=series.values)


@strawberry.type(description="Subtotals of one axis: one header array per level, one value array per measure.")
class PivotSubtotals:
    headers: list[list[str | None]] = strawberry.field(description="One array per level of the axis.")
    values: list[PivotSeries] = strawberry.field(description="One series per measure.")

    @classmethod
    def of(cls, subtotals: Subtotals | None) -> PivotSubtotals | None:
        if subtotals is None:
            return None
        return cls(headers=subtotals.headers, values=[PivotSeries.of(s) for s in subtotals.values])


@strawberry.type(description="Totals over every cell that passes the filters (`having` applies to cells only).")
class PivotTotals:
    grand: list[PivotSeries] = strawberry.field(description="The grand total: one value per measure.")
    row_subtotals: PivotSubtotals | None = strawberry.field(
        description="Per row header, the total over the columns (when the pivot has rows and columns)."
    )
    column_subtotals: PivotSubtotals | None = strawberry.field(
        description="Per column header, the total over the rows (when the pivot has rows and columns)."
    )

    @classmethod
    def of(cls, totals: Totals | None) -> PivotTotals | None:
        if totals is None:
            return None
        return cls(
            grand=[PivotSeries.of(s) for s in totals.grand],
            row_subtotals=PivotSubtotals.of(totals.row_subtotals),
            column_subtotals=PivotSubtotals.of(totals.column_subtotals),
        )


@strawberry.type(
    description="A pivot result, column-wise: cell i has rowHeaders[*][i], columnHeaders[*][i] and values[*].values[i]."
)
class PivotResult:
    cube_id: strawberry.ID = strawberry.field(description="The cube queried.")
    row_levels: list[str] = strawberry.field(description="The row levels, as asked.")
    column_levels: list[str] = strawberry.field(description="The column levels, as asked.")
    measures: list[str] = strawberry.field(description="The measures, as asked.")
    row_headers: list[list[str | None]] = strawberry.field(description="One array of labels per row level.")
    column_headers: list[list[str | None]] = strawberry.field(description="One array of labels per column level.")
    values: list[PivotSeries] = strawberry.field(description="One series per measure.")
    totals: PivotTotals | None = strawberry.field(description="Totals, when asked for.")
    total_rows: int = strawberry.field(description="Cells matching the query before limit, offset and MAX_ROWS.")
    truncated: bool = strawberry.field(description="MAX_ROWS cut cells the query asked for.")
    cached: bool = strawberry.field(description="Served from the cache.")
    duration_ms: float = strawberry.field(description="Time spent answering, in milliseconds.")
    sql: str | None = strawberry.field(description="The generated SQL; only for callers with the admin role.")


@strawberry.type(description="A filter of a pivot the language model chose.")
class ChosenFilter:
    level: str = strawberry.field(description="The level filtered.")
    eq: str | None = strawberry.field(description="Equal to.")
    in_: list[str] | None = strawberry.field(name="in", description="One of.")
    from_: str | None = strawberry.field(name="from", description="Range start (inclusive).")
    to: str | None = strawberry.field(description="Range end (inclusive).")
    contains: str | None = strawberry.field(description="Label contains.")


@strawberry.type(description="A having condition of a pivot the language model chose.")
class ChosenHaving:
    measure: str = strawberry.field(description="The measure compared.")
    op: ComparisonOp = strawberry.field(description="The comparison.")
    value: float = strawberry.field(description="The value compared with.")


@strawberry.type(description="A sort key of a pivot the language model chose.")
class ChosenSort:
    by: str = strawberry.field(description="Level or measure.")
    direction: SortDirection = strawberry.field(description="The direction.")


@strawberry.type(description="The pivot query the language model chose (same meaning as PivotInput).")
class ChosenPivot:
    rows: list[str] = strawberry.field(description="Row levels.")
    columns: list[str] = strawberry.field(description="Column levels.")
    measures: list[str] = strawberry.field(description="Measures.")
    filters: list[ChosenFilter] = strawberry.field(description="Filters on levels.")
    having: list[ChosenHaving] = strawberry.field(description="Filters on measures.")
    sort: list[ChosenSort] = strawberry.field(description="Sort keys.")
    limit: int | None = strawberry.field(description="Cell limit.")

    @classmethod
    def of(cls, query: PivotQuery) -> ChosenPivot:
        return cls(
            rows=list(query.rows),
            columns=list(query.columns),
            measures=list(query.measures),
            filters=[
                ChosenFilter(
                    level=f.level,
                    eq=f.eq,
                    in_=list(f.in_) if f.in_ else None,
                    from_=f.from_,
                    to=f.to,
                    contains=f.contains,
                )
                for f in query.filters
            ],
            having=[ChosenHaving(measure=h.measure, op=ComparisonOp(h.op), value=h.value) for h in query.having],
            sort=[
                ChosenSort(by=s.by, direction=SortDirection.DESC if s.descending else SortDirection.ASC)
                for s in query.sort
            ],
            limit=query.limit,
        )


@strawberry.type(description="The answer to a question: the pivot chosen, why, and its result.")
class AskPivotResult:
    question: str = strawberry.field(description="The question, as asked.")
    pivot: ChosenPivot = strawberry.field(description="The pivot query the model chose (validated).")
    explanation: str = strawberry.field(description="The model's one-sentence explanation.")
    result: PivotResult = strawberry.field(description="The pivot's result.")
