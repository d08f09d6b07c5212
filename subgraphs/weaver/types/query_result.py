"""Results of `runQuery`, column-wise (DESIGN.md §5: many small objects are slow to resolve)."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry.scalars import JSON


@strawberry.enum(description="Where a query runs.")
class QueryMode(Enum):
    DIRECT = "DIRECT"
    MINDSDB = "MINDSDB"


@strawberry.type(description="One result column with all its values, top to bottom.")
class ResultColumn:
    name: str = strawberry.field(description="Column name as the database returned it.")
    values: list[JSON] = strawberry.field(description="Values of the column, one per row (JSON: numbers, text, "
                                                      "booleans, null; dates and times as ISO text).")


@strawberry.type(description="The result of a read-only query.")
class QueryResultSet:
    columns: list[ResultColumn] = strawberry.field(description="Result columns, in select-list order.")
    row_count: int = strawberry.field(description="Number of rows returned (after the row cap).")
    truncated: bool = strawberry.field(description="True when more rows existed than the row cap allowed.")
    duration_ms: float = strawberry.field(description="Time the query took, in milliseconds.")
    mode: QueryMode = strawberry.field(description="Whether it ran directly or through MindsDB.")
