"""Results of `runQuery`, column-wise (ARCHITECTURE.md §7: many small objects are slow to resolve)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON


@strawberry.enum(description="Where a query runs.")
class QueryMode(Enum):
    DIRECT = strawberry.enum_value("DIRECT", description="On the datasource itself.")
    MINDSDB = strawberry.enum_value("MINDSDB", description="Through MindsDB (`MINDSDB_URL`).")


@strawberry.type(description="One result column with all its values, top to bottom.")
class ResultColumn:
    name: str = strawberry.field(description="Column name as the database returned it.")
    values: list[JSON | None] = strawberry.field(
        description=(
            "Values of the column, one per row; SQL NULL is null. Numbers, text and booleans as themselves; exact "
            "decimals a double cannot hold as their decimal text; NaN/Infinity as text; dates, times, timestamps as "
            'ISO 8601 text, ±infinity as "infinity"/"-infinity"; intervals as ISO 8601 durations '
            "(P1Y2M3DT4H5M6S); ranges as {lower, upper, bounds, empty} (a null bound is unbounded); arrays as lists; "
            "composite values as objects; json/jsonb as the JSON value; binary as lowercase hex; uuid and other types "
            "as their text."
        )
    )


@strawberry.type(description="The result of a read-only query.")
class QueryResultSet:
    columns: list[ResultColumn] = strawberry.field(description="Result columns, in select-list order.")
    row_count: int = strawberry.field(description="Number of rows returned (after the row cap).")
    truncated: bool = strawberry.field(description="True when more rows existed than the row cap allowed.")
    duration_ms: float = strawberry.field(description="Time the query took, in milliseconds.")
    mode: QueryMode = strawberry.field(description="Whether it ran directly or through MindsDB.")
