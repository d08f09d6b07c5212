"""The pivot use case: validate against the cube, serve from the cache or run on the view, record metrics."""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass

import orjson
from sqlalchemy.ext.asyncio import AsyncEngine

from axiom.errors import ApiError
from subgraphs.vision.metrics import PIVOT_QUERY_DURATION, record_cache_lookup
from subgraphs.vision.pivot.query import PivotQuery, apply_named_sets, validate_pivot
from subgraphs.vision.pivot.result import PivotData, shape_cells, shape_totals, total_rows_of
from subgraphs.vision.pivot.sql import PivotSqlBuilder
from subgraphs.vision.settings import VisionSettings
from subgraphs.vision.store.cache import PivotCache
from subgraphs.vision.store.cubes import StoredCube
from subgraphs.vision.store.pivots import PivotRunner

CUBE_NOT_READY = "CUBE_NOT_READY"


@dataclass
class PivotOutcome:
    data: PivotData
    cached: bool
    duration_ms: float
    sql: str | None  # only for callers allowed to see it


class PivotService:
    def __init__(self, settings: VisionSettings, engine: AsyncEngine, cache: PivotCache | None):
        self.max_rows = settings.max_rows
        self.runner = PivotRunner(engine, settings.query_timeout)
        self.cache = cache

    async def run(self, cube: StoredCube, query: PivotQuery, *, include_sql: bool = False) -> PivotOutcome:
        """Answer a pivot on the cube's materialized view; raises BAD_USER_INPUT, TIMEOUT or CUBE_NOT_READY."""
        started = time.perf_counter()
        model = cube.model
        query = apply_named_sets(model, query)
        validate_pivot(model, query, max_rows=self.max_rows)
        refreshed_at = cube.last_refreshed_at
        if not cube.view_ready or refreshed_at is None:
            raise ApiError(f"cube {cube.name!r} has no materialized data yet; run refreshCube", code=CUBE_NOT_READY)
        builder = PivotSqlBuilder(cube.layout)
        cells = builder.cells(query, row_cap=self.max_rows)
        totals = builder.totals(query, row_cap=self.max_rows) if query.totals else None
        sql = cells.sql + (f";\n\n{totals.sql}" if totals else "") if include_sql else None
        key = None
        cache = self.cache
        if cache is not None:
            key = PivotCache.key(
                cube.tenant_id,
                cube.id,
                cube.version,
                refreshed_at.isoformat(),
                f"{self.max_rows}:{query.fingerprint()}",
            )
            hit = await cache.get(key)
            record_cache_lookup(hit is not None)
            if hit is not None:
                data = PivotData.from_dict(orjson.loads(hit))
                return self._outcome(data, True, started, sql, "cache")
        cell_rows, total_rows = await self.runner.run(cells, totals)
        count = total_rows_of(cell_rows)
        if count is None:
            count = await self._count(builder, query) if query.offset else 0
        data = shape_cells(model, query, cell_rows, total_rows=count, row_cap=self.max_rows)
        if query.totals:
            data.totals = shape_totals(model, query, total_rows, data)
        if cache is not None and key is not None:
            await cache.put(key, orjson.dumps(data))
        return self._outcome(data, False, started, sql, "view")

    async def _count(self, builder: PivotSqlBuilder, query: PivotQuery) -> int:
        # The asked page is past the end: count the cells with a one-row page from the start.
        probe = builder.cells(dataclasses.replace(query, offset=0, limit=1), row_cap=1)
        rows, _ = await self.runner.run(probe)
        return total_rows_of(rows) or 0

    @staticmethod
    def _outcome(data: PivotData, cached: bool, started: float, sql: str | None, source: str) -> PivotOutcome:
        elapsed = time.perf_counter() - started
        PIVOT_QUERY_DURATION.labels(source).observe(elapsed)
        return PivotOutcome(data, cached, round(elapsed * 1000, 3), sql)
