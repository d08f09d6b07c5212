"""Profiling a datasource's tables on sync (views are not profiled: they may be arbitrarily expensive)."""

from __future__ import annotations

import logging

from subgraphs.weaver.adapters import adapter_for
from subgraphs.weaver.adapters.base import ConnectionParams
from subgraphs.weaver.catalog.model import TABLE, DatabaseCatalog
from subgraphs.weaver.statistics.profile import (
    TableStats,
    plan_columns,
    profile_sql,
    read_profile,
    sample_percent,
)

log = logging.getLogger(__name__)


async def collect_statistics(params: ConnectionParams, catalog: DatabaseCatalog, timeout: float) -> list[TableStats]:
    """Statistics of every base table; a table whose profile fails (timeout, permission) is skipped."""
    adapter = adapter_for(params.engine)
    targets = [(s.name, t) for s in catalog.schemas for t in s.tables if t.kind == TABLE and t.columns]
    if not targets:
        return []
    estimates = await adapter.estimate_rows(params, [s.name for s in catalog.schemas])
    plans, statements, percents = [], [], []
    for schema, table in targets:
        plan = plan_columns(table.columns)
        percent = sample_percent(estimates.get((schema, table.name)))
        plans.append(plan)
        percents.append(percent)
        statements.append(profile_sql(params.engine, schema, table.name, plan, percent))
    rows = await adapter.profile(params, statements, timeout)
    collected = []
    for (schema, table), plan, percent, row in zip(targets, plans, percents, rows, strict=False):
        if isinstance(row, Exception):
            log.warning("statistics of %s.%s skipped: %s", schema, table.name, type(row).__name__)
            continue
        collected.append(
            read_profile(
                schema, table.name, plan, row, estimates.get((schema, table.name)), sampled=percent is not None
            )
        )
    return collected
