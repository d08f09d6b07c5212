"""`weaver.table_stats` / `column_stats`: statistics per sync, so that their history is kept."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from subgraphs.weaver.catalog.keys import column_key, table_key
from subgraphs.weaver.statistics.profile import TableStats


@dataclass(frozen=True)
class TableStatsRecord:
    table_key: str
    row_count: int
    sampled: bool
    sample_size: int | None
    computed_at: dt.datetime
    snapshot_id: str


@dataclass(frozen=True)
class ColumnStatsRecord:
    column_key: str
    null_count: int
    null_ratio: float | None
    distinct_count: int | None
    min_value: str | None
    max_value: str | None
    sampled: bool
    computed_at: dt.datetime


class StatisticsStore:
    def __init__(self, engine: AsyncEngine):
        self._engine = engine

    @staticmethod
    async def add(
        conn: AsyncConnection,
        tenant_id: str,
        datasource_id: str,
        snapshot_id: str,
        at: dt.datetime,
        tables: Sequence[TableStats],
    ) -> None:
        """Insert one sync's statistics inside the sync's transaction (batched: two statements per table)."""
        for t in tables:
            stats_id = (
                await conn.execute(
                    text(
                        """INSERT INTO weaver.table_stats (tenant_id, datasource_id, snapshot_id, table_key, row_count,
                                                  sampled, sample_size, computed_at)
                   VALUES (:t, :ds, :snap, :key, :rows, :sampled, :size, :at) RETURNING id"""
                    ),
                    {
                        "t": tenant_id,
                        "ds": datasource_id,
                        "snap": snapshot_id,
                        "key": table_key(datasource_id, t.schema, t.table),
                        "rows": t.row_count,
                        "sampled": t.sampled,
                        "size": t.sample_size,
                        "at": at,
                    },
                )
            ).scalar_one()
            if t.columns:
                await conn.execute(
                    text(
                        """INSERT INTO weaver.column_stats (table_stats_id, column_key, null_count, null_ratio,
                                                       distinct_count, min_value, max_value)
                       VALUES (:id, :key, :nulls, :ratio, :distinct, :min, :max)"""
                    ),
                    [
                        {
                            "id": stats_id,
                            "key": column_key(datasource_id, t.schema, t.table, c.name),
                            "nulls": c.null_count,
                            "ratio": c.null_ratio,
                            "distinct": c.distinct_count,
                            "min": c.min_value,
                            "max": c.max_value,
                        }
                        for c in t.columns
                    ],
                )

    async def history_of_tables(self, tenant_id: str, keys: Sequence[str]) -> dict[str, list[TableStatsRecord]]:
        """All statistics of the given tables, newest first."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """SELECT table_key, row_count, sampled, sample_size, computed_at, snapshot_id
                   FROM weaver.table_stats WHERE tenant_id = :t AND table_key = ANY(:keys)
                   ORDER BY computed_at DESC, id DESC"""
                    ),
                    {"t": tenant_id, "keys": list(keys)},
                )
            ).all()
        grouped: dict[str, list[TableStatsRecord]] = defaultdict(list)
        for r in rows:
            grouped[r.table_key].append(
                TableStatsRecord(r.table_key, r.row_count, r.sampled, r.sample_size, r.computed_at, str(r.snapshot_id))
            )
        return dict(grouped)

    async def latest_of_columns(self, tenant_id: str, keys: Sequence[str]) -> dict[str, ColumnStatsRecord]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """SELECT DISTINCT ON (c.column_key) c.column_key, c.null_count, c.null_ratio, c.distinct_count,
                          c.min_value, c.max_value, s.sampled, s.computed_at
                   FROM weaver.column_stats c JOIN weaver.table_stats s ON s.id = c.table_stats_id
                   WHERE s.tenant_id = :t AND c.column_key = ANY(:keys)
                   ORDER BY c.column_key, s.computed_at DESC, s.id DESC"""
                    ),
                    {"t": tenant_id, "keys": list(keys)},
                )
            ).all()
        return {r.column_key: ColumnStatsRecord(*r) for r in rows}
