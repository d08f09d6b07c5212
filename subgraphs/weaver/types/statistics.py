"""Table and column statistics computed on sync."""

from __future__ import annotations

import datetime as dt

import strawberry

from subgraphs.weaver.store.statistics import ColumnStatsRecord, TableStatsRecord


@strawberry.type(description="Size of a table as measured by one sync.")
class TableStatistics:
    row_count: int = strawberry.field(description="Rows in the table (the planner's estimate when sampled).")
    sampled: bool = strawberry.field(
        description="True when the table was too big to read whole and column statistics come from a sample."
    )
    sample_size: int | None = strawberry.field(description="Rows read for the sample, when sampled.")
    computed_at: dt.datetime = strawberry.field(description="When the statistics were computed.")
    snapshot_id: strawberry.ID = strawberry.field(description="The snapshot of the sync that computed them.")

    @classmethod
    def from_record(cls, r: TableStatsRecord) -> TableStatistics:
        return cls(
            row_count=r.row_count,
            sampled=r.sampled,
            sample_size=r.sample_size,
            computed_at=r.computed_at,
            snapshot_id=strawberry.ID(r.snapshot_id),
        )


@strawberry.type(description="Profile of a column's values as measured by the last sync.")
class ColumnStatistics:
    null_count: int = strawberry.field(description="Rows where the column is NULL (in the sample, if sampled).")
    null_ratio: float | None = strawberry.field(description="Share of NULL rows, 0 to 1 (null for an empty table).")
    distinct_count: int | None = strawberry.field(
        description="Number of distinct non-null values (null when the type has no equality, e.g. json)."
    )
    min: str | None = strawberry.field(description="Smallest value as text, for orderable types.")
    max: str | None = strawberry.field(description="Largest value as text, for orderable types.")
    sampled: bool = strawberry.field(description="True when computed on a sample of the table.")
    computed_at: dt.datetime = strawberry.field(description="When the statistics were computed.")

    @classmethod
    def from_record(cls, r: ColumnStatsRecord) -> ColumnStatistics:
        return cls(
            null_count=r.null_count,
            null_ratio=r.null_ratio,
            distinct_count=r.distinct_count,
            min=r.min_value,
            max=r.max_value,
            sampled=r.sampled,
            computed_at=r.computed_at,
        )
