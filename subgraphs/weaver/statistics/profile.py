"""Which statistics a column gets, the single SQL statement that profiles a table, and reading its result.

One statement per table: `count(*)`, then per column `count(col)` (non-null), `count(DISTINCT col)` where the
type supports equality, and `min(col)`, `max(col)` as text where the type is orderable. Above a row threshold the
table is sampled (PostgreSQL `TABLESAMPLE SYSTEM`, MySQL a `LIMIT` sub-select) and the result says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from subgraphs.weaver.catalog.model import ColumnMeta

SAMPLE_THRESHOLD = 100_000  # rows; bigger tables are profiled on a sample of about this many rows

_ORDERABLE = re.compile(
    r"^(smallint|integer|bigint|int|tinyint|mediumint|decimal|numeric|real|double|float|money|date|time|"
    r"timestamp|datetime|year|interval|character|char|varchar|text|tinytext|mediumtext|longtext|citext|uuid|"
    r"inet|enum)\b",
    re.IGNORECASE,
)
_NO_EQUALITY = re.compile(
    r"^(json\b|xml|point|line|lseg|box|path|polygon|circle|geometry|geography|blob|"
    r"longblob|mediumblob|tinyblob)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ColumnPlan:
    name: str
    distinct: bool
    min_max: bool
    # An enum's min/max must follow the enum's order: MySQL's min() compares an enum as text, and PostgreSQL
    # has no min() for a domain over an enum. So an enum column is measured by its label's position and the
    # position read back as the label.
    labels_by_index: tuple[str, ...] = ()


@dataclass(frozen=True)
class ColumnStats:
    name: str
    null_count: int
    null_ratio: float | None
    distinct_count: int | None
    min_value: str | None
    max_value: str | None


@dataclass(frozen=True)
class TableStats:
    schema: str
    table: str
    row_count: int
    sampled: bool
    sample_size: int | None
    columns: tuple[ColumnStats, ...]


def plan_columns(columns: tuple[ColumnMeta, ...]) -> list[ColumnPlan]:
    """What to measure of each column; enum columns get min/max in the enum's order."""
    plans = []
    for c in columns:
        base = c.data_type.strip().lower()
        array = base.endswith("[]")
        plans.append(
            ColumnPlan(
                c.name,
                distinct=not _NO_EQUALITY.match(base),
                min_max=not array and (bool(c.enum_labels) or bool(_ORDERABLE.match(base))),
                labels_by_index=c.enum_labels,
            )
        )
    return plans


def quote(engine: str, name: str) -> str:
    if engine in ("mysql", "mariadb"):
        return "`" + name.replace("`", "``") + "`"
    return '"' + name.replace('"', '""') + '"'


def _label_position(engine: str, col: str, labels: tuple[str, ...]) -> str:
    """SQL for the 1-based position of a column's enum label."""
    if engine in ("mysql", "mariadb"):
        return f"{col} + 0"  # MySQL's own enum index (0 for its "invalid value" entry)
    # E'' strings read the same whatever standard_conforming_strings says, once \ and ' are doubled.
    literals = ", ".join("E'" + label.replace("\\", "\\\\").replace("'", "''") + "'" for label in labels)
    return f"array_position(ARRAY[{literals}]::text[], {col}::text)"


def sample_percent(estimated_rows: int | None) -> float | None:
    """Percentage of a big table to sample, or None to read it whole."""
    if not estimated_rows or estimated_rows <= SAMPLE_THRESHOLD:
        return None
    return max(0.01, min(100.0, 100.0 * SAMPLE_THRESHOLD / estimated_rows))


def profile_sql(engine: str, schema: str, table: str, plans: list[ColumnPlan], percent: float | None) -> str:
    as_text = "CHAR" if engine in ("mysql", "mariadb") else "text"
    parts = ["count(*)"]
    for p in plans:
        col = quote(engine, p.name)
        parts.append(f"count({col})")
        parts.append(f"count(DISTINCT {col})" if p.distinct else "NULL")
        measured = _label_position(engine, col, p.labels_by_index) if p.labels_by_index else col
        parts += (
            [f"CAST(min({measured}) AS {as_text})", f"CAST(max({measured}) AS {as_text})"]
            if p.min_max
            else ["NULL", "NULL"]
        )
    source = f"{quote(engine, schema)}.{quote(engine, table)}"
    if percent is not None:
        if engine in ("mysql", "mariadb"):
            source = f"(SELECT * FROM {source} LIMIT {SAMPLE_THRESHOLD}) AS sampled"
        else:
            source = f"{source} TABLESAMPLE SYSTEM ({percent:.4f})"
    return f"SELECT {', '.join(parts)} FROM {source}"


def read_profile(
    schema: str, table: str, plans: list[ColumnPlan], row: list, estimated_rows: int | None, sampled: bool
) -> TableStats:
    """Turn the single result row of `profile_sql` into statistics (ratios from the rows actually read)."""
    counted = int(row[0])
    stats = []
    for i, p in enumerate(plans):
        non_null, distinct, low, high = row[1 + 4 * i : 5 + 4 * i]
        nulls = counted - int(non_null)
        stats.append(
            ColumnStats(
                p.name,
                null_count=nulls,
                null_ratio=(nulls / counted) if counted else None,
                distinct_count=int(distinct) if distinct is not None else None,
                min_value=_bound(p, low),
                max_value=_bound(p, high),
            )
        )
    row_count = int(estimated_rows) if sampled and estimated_rows else counted
    return TableStats(schema, table, row_count, sampled, counted if sampled else None, tuple(stats))


def _bound(plan: ColumnPlan, value) -> str | None:
    if value is None:
        return None
    if plan.labels_by_index:
        index = int(value)  # 0 is MySQL's "invalid value" entry, which has no label
        return plan.labels_by_index[index - 1] if 1 <= index <= len(plan.labels_by_index) else None
    return str(value)
