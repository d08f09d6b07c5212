"""A pivot query as plain data, validated against a cube before any SQL is built.

Client values (filter values, thresholds, limits) stay values: they are coerced to the level's type here and
travel to the database only as bind parameters. Names (levels, measures) must match the cube's members.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation

import orjson

from axiom.errors import BadUserInput
from subgraphs.vision.cube.model import Aggregator, CubeModel, Level

COMPARISONS = {"GT": ">", "GTE": ">=", "LT": "<", "LTE": "<=", "EQ": "=", "NE": "<>"}
MAX_LEVELS = 8
MAX_MEASURES = 20
MAX_FILTER_VALUES = 500


class PivotInputError(BadUserInput):
    """The pivot does not fit the cube; `field` says which part of the input."""

    def __init__(self, message: str, field: str):
        super().__init__(message, field=field)
        self.field = field


@dataclass(frozen=True)
class LevelFilter:
    """Exactly one of eq / in_ / range (from_, to) / contains."""

    level: str
    eq: str | None = None
    in_: tuple[str, ...] | None = None
    from_: str | None = None
    to: str | None = None
    contains: str | None = None

    @property
    def kind(self) -> str:
        kinds = [k for k, v in (("eq", self.eq), ("in", self.in_), ("contains", self.contains)) if v is not None]
        if self.from_ is not None or self.to is not None:
            kinds.append("range")
        return kinds[0] if len(kinds) == 1 else ("none" if not kinds else "several")


@dataclass(frozen=True)
class MeasureFilter:
    """`having`: keep cells whose measure compares to a value."""

    measure: str
    op: str
    value: float


@dataclass(frozen=True)
class SortKey:
    by: str  # a level ref or a measure name
    descending: bool = False


@dataclass(frozen=True)
class PivotQuery:
    rows: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    measures: tuple[str, ...] = ()
    filters: tuple[LevelFilter, ...] = ()
    having: tuple[MeasureFilter, ...] = ()
    sort: tuple[SortKey, ...] = ()
    limit: int | None = None
    offset: int = 0
    totals: bool = False
    named_sets: tuple[str, ...] = ()  # the cube's named sets, applied as filters
    levels: tuple[str, ...] = field(default=(), init=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "levels", self.rows + self.columns)

    def normalized(self) -> bytes:
        """A canonical encoding: equal queries give equal bytes (filters and having are order-free)."""
        data = asdict(self)
        data.pop("levels")
        data["filters"] = sorted(data["filters"], key=lambda f: orjson.dumps(f, option=orjson.OPT_SORT_KEYS))
        data["having"] = sorted(data["having"], key=lambda h: orjson.dumps(h, option=orjson.OPT_SORT_KEYS))
        return orjson.dumps(data, option=orjson.OPT_SORT_KEYS)

    def fingerprint(self) -> str:
        return hashlib.sha256(self.normalized()).hexdigest()


def apply_named_sets(cube: CubeModel, query: PivotQuery) -> PivotQuery:
    """The query with each named set it names turned into an `in` filter on the set's level."""
    if len(query.named_sets) > MAX_MEASURES:
        raise PivotInputError(f"at most {MAX_MEASURES} named sets", "namedSets")
    filters = list(query.filters)
    for name in query.named_sets:
        named = cube.named_set(name)
        if named is None:
            known = ", ".join(s.name for s in cube.named_sets) or "none"
            raise PivotInputError(f"unknown named set {name!r}; the cube's named sets: {known}", "namedSets")
        filters.append(LevelFilter(level=named.level, in_=named.keys))
    return dataclasses.replace(query, filters=tuple(filters), named_sets=())


def coerce_value(level: Level, raw: str, field_name: str):
    """A client string as a value of the level's type (the bind parameter's Python type)."""
    try:
        if level.data_type == "Integer":
            return int(raw)
        if level.data_type == "Numeric":
            return Decimal(raw)
        if level.data_type == "Date":
            return dt.date.fromisoformat(raw)
        if level.data_type == "Boolean":
            if raw.lower() not in ("true", "false"):
                raise ValueError(raw)
            return raw.lower() == "true"
    except (ValueError, InvalidOperation) as exc:
        raise PivotInputError(f"{raw!r} is not a valid {level.data_type} for level {level.ref!r}", field_name) from exc
    return raw


def validate_pivot(cube: CubeModel, query: PivotQuery, *, max_rows: int) -> None:
    """Raise PivotInputError naming the offending input unless the query fits the cube."""
    known_levels = ", ".join(cube.levels_by_ref)
    for part in ("rows", "columns"):
        for ref in getattr(query, part):
            if cube.level(ref) is None:
                raise PivotInputError(f"unknown level {ref!r}; known levels: {known_levels}", part)
    if len(set(query.levels)) != len(query.levels):
        raise PivotInputError("a level may appear only once across rows and columns", "rows")
    if len(query.levels) > MAX_LEVELS:
        raise PivotInputError(f"at most {MAX_LEVELS} levels across rows and columns", "rows")
    if not query.measures:
        raise PivotInputError("ask for at least one measure", "measures")
    if len(query.measures) > MAX_MEASURES or len(set(query.measures)) != len(query.measures):
        raise PivotInputError(f"at most {MAX_MEASURES} distinct measures", "measures")
    members = cube.member_names
    for name in query.measures:
        if name not in members:
            raise PivotInputError(f"unknown measure {name!r}; known measures: {', '.join(members)}", "measures")
    for item in query.filters:
        _validate_filter(cube, item)
    for having in query.having:
        if having.measure not in members:
            raise PivotInputError(f"unknown measure {having.measure!r} in having", "having")
        if having.op not in COMPARISONS:
            raise PivotInputError(f"unknown comparison {having.op!r}", "having")
    _validate_parent_child(cube, query)
    for key in query.sort:
        if key.by not in query.levels and key.by not in query.measures:
            raise PivotInputError(f"sort by {key.by!r}: sort by a level or measure of the query", "sort")
    if query.limit is not None and not 1 <= query.limit <= 100_000:
        raise PivotInputError("limit must be between 1 and 100000", "limit")
    if not 0 <= query.offset <= 1_000_000:
        raise PivotInputError("offset must be between 0 and 1000000", "offset")
    if max_rows < 1:
        raise PivotInputError("MAX_ROWS must be positive", "limit")


def _validate_parent_child(cube: CubeModel, query: PivotQuery) -> None:
    for item in query.filters:
        if cube.known_level(item.level).closure and item.kind not in ("eq", "in"):  # filters are validated
            raise PivotInputError(
                f"{item.level!r} is a parent-child level: filter it with eq or in (the members whose subtrees to keep)",
                "filters",
            )
    distinct = [m.name for m in cube.measures if m.aggregator is Aggregator.DISTINCT_COUNT]
    if distinct and any(cube.known_level(ref).closure for ref in query.levels):
        raise PivotInputError(
            f"a parent-child level cannot be grouped by in a cube with distinct-count measures ({', '.join(distinct)})",
            "rows",
        )


def _validate_filter(cube: CubeModel, item: LevelFilter) -> None:
    level = cube.level(item.level)
    if level is None:
        raise PivotInputError(f"unknown level {item.level!r} in filters", "filters")
    if item.kind in ("none", "several"):
        raise PivotInputError(f"filter on {item.level!r} needs exactly one of eq, in, range, contains", "filters")
    if item.kind == "in" and not 1 <= len(item.in_ or ()) <= MAX_FILTER_VALUES:
        raise PivotInputError(f"`in` takes 1 to {MAX_FILTER_VALUES} values", "filters")
    for raw in [item.eq, item.from_, item.to, *(item.in_ or ())]:
        if raw is not None:
            coerce_value(level, raw, "filters")
