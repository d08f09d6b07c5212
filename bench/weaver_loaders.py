"""Weaver loader benchmark: round trips and latency of one deep catalog query for N = 10, 100, 1000 tables.

    uv run python bench/weaver_loaders.py [N ...]

Uses DATABASE_URL / NEO4J_URI when set, otherwise starts embedded PostgreSQL and ArcadeDB in a temporary
folder. The query walks datasource → schemas → tables (FK neighbours, glossary terms) → columns (FK references
and referencing columns, FK paths up to 3 hops, glossary terms); each level is one batched loader call.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from axiom.auth import Principal
from axiom.embedded import EmbeddedServices
from axiom.migrate import upgrade
from axiom.settings import Settings
from subgraphs.weaver.catalog.synthetic import synthetic_catalog
from subgraphs.weaver.context import WeaverContext
from subgraphs.weaver.diagnostics import count_round_trips
from subgraphs.weaver.loaders import Loaders
from subgraphs.weaver.runtime import WeaverRuntime
from subgraphs.weaver.schema import schema

QUERY = """query($id: ID!) { dataSource(id: $id) { name schemas { name tables {
    name glossaryTerms { name } relatedTables { direction table { name } }
    columns { name glossaryTerms { name } references { constraintName column { name } table { name } }
              referencedBy { column { name } } referencePaths(maxDepth: 3) { length columns { name } } } } } } }"""
RUNS = 5


async def bench(settings: Settings, sizes: list[int]) -> None:
    runtime = WeaverRuntime.open(settings)
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    try:
        print(f"{'N tables':>9} {'columns':>8} {'graph RT':>9} {'SQL RT':>7} {'p50 ms':>8} {'min ms':>8} {'sync s':>7}")
        for n in sizes:
            record = await runtime.datasources.create(tenant, name=f"bench-{n}", engine="postgresql", host="h",
                                                      port=1, database="d", username="u")
            started = time.perf_counter()
            await runtime.graph.replace_catalog(tenant, record.id, record.name, synthetic_catalog(n))
            sync_s = time.perf_counter() - started
            term = await runtime.glossary.create(tenant, {"name": f"Identifier {n}"})
            await runtime.glossary.link(tenant, term.id, record.id, "COLUMN", f"{record.id}/bench/t00001/id")
            timings, trips = [], None
            for _ in range(RUNS):
                context = WeaverContext(principal=Principal(tenant, "bench"), runtime=runtime,
                                        loaders=Loaders(runtime, tenant))
                t0 = time.perf_counter()
                with count_round_trips(runtime) as trips:
                    result = await schema.execute(QUERY, variable_values={"id": record.id}, context_value=context)
                timings.append((time.perf_counter() - t0) * 1000)
                assert result.errors is None, result.errors
            print(f"{n:>9} {3 * n:>8} {trips.graph:>9} {trips.sql:>7} {statistics.median(timings):>8.1f} "
                  f"{min(timings):>8.1f} {sync_s:>7.2f}")
            await runtime.datasource_service.delete(tenant, record.id)
    finally:
        await runtime.close()


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10, 100, 1000]
    base = Settings.from_env()
    with tempfile.TemporaryDirectory() as folder:
        services = EmbeddedServices(Path(folder), preferred_ports=False, durable=False)
        settings = services.start(base.replace(redis_url=base.redis_url or "redis://unused"))
        try:
            upgrade(settings.database_url)
            asyncio.run(bench(settings.replace(redis_url=base.redis_url), sizes))
        finally:
            services.stop()


if __name__ == "__main__":
    main()
