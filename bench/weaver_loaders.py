"""Weaver loader benchmark: a deep catalog walk over N = 10, 100, 1000 tables, with N = 10 as the baseline.

    uv run python bench/weaver_loaders.py [N ...]

Uses DATABASE_URL / NEO4J_URI when set, otherwise starts embedded PostgreSQL and ArcadeDB in a temporary
folder. The query walks datasource → schemas → a page of tables (FK neighbours, glossary terms) → columns (FK
references and referencing columns, FK paths up to 3 hops, glossary terms); each level is one batched loader call.
`Schema.tables` is a connection of at most 100 tables, so a catalog of N tables takes ceil(N / 100) requests,
each following the previous one's `endCursor`; "walk" is the time of all of them. Round trips are per request
(they must not grow with N); "CPU ms" is this process's CPU per walk (p50), steadier than wall time on a shared
machine. "page 100" is one 100-table page from the middle of the largest catalog.
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
from axiom.embedded import EmbeddedServices, EmbeddedSettings
from axiom.migrate import upgrade
from axiom.settings import Settings
from subgraphs.weaver.app import settle_heap
from subgraphs.weaver.catalog.synthetic import synthetic_catalog
from subgraphs.weaver.context import WeaverContext
from subgraphs.weaver.diagnostics import RoundTrips, count_round_trips
from subgraphs.weaver.loaders import Loaders
from subgraphs.weaver.runtime import WeaverRuntime
from subgraphs.weaver.schema import schema

QUERY = """query($id: ID!, $first: Int!, $after: String) { dataSource(id: $id) { name schemas { name
    tables(first: $first, after: $after) { pageInfo { hasNextPage endCursor } edges { node {
    name glossaryTerms { name } relatedTables { direction table { name } }
    columns { name glossaryTerms { name } references { constraintName column { name } table { name } }
              referencedBy { column { name } } referencePaths(maxDepth: 3) { length columns { name } } } } } } } } }"""
PAGE = 100
RUNS = 5
# Walks before timing: a freshly started ArcadeDB (a JVM) takes 20-30 page statements to compile them (measured:
# p50 124 ms over the first ten, 63 over the next ten, ~40 from then on), and a 1000-table walk sends ten.
WARM_UP = 3


async def request(
    runtime: WeaverRuntime, tenant: str, datasource_id: str, after: str | None, trips: RoundTrips
) -> dict:
    """One request of the walk, with a fresh context (loaders live for one request), adding its round trips."""
    context = WeaverContext(principal=Principal(tenant, "bench"), runtime=runtime, loaders=Loaders(runtime, tenant))
    with count_round_trips(runtime) as counted:
        result = await schema.execute(
            QUERY, variable_values={"id": datasource_id, "first": PAGE, "after": after}, context_value=context
        )
    assert result.errors is None, result.errors
    trips.graph += counted.graph
    trips.sql += counted.sql
    return result.data["dataSource"]["schemas"][0]["tables"]


async def walk(runtime: WeaverRuntime, tenant: str, datasource_id: str, n: int) -> tuple[float, float, int, RoundTrips]:
    """Every page of the catalog: elapsed ms, CPU ms of this process, requests, round trips in total."""
    trips, after, requests, tables = RoundTrips(), None, 0, 0
    started, cpu_started = time.perf_counter(), time.process_time()
    while True:
        page = await request(runtime, tenant, datasource_id, after, trips)
        requests += 1
        tables += len(page["edges"])
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu_started) * 1000
    assert tables == n, (tables, n)
    return elapsed, cpu, requests, trips


async def bench(settings: Settings, sizes: list[int]) -> None:
    runtime = WeaverRuntime.open(settings)
    settle_heap()  # as Weaver's app does once its runtime is open
    tenant = f"bench-{uuid.uuid4().hex[:8]}"
    baseline = None
    try:
        print(
            f"{'N tables':>9} {'columns':>8} {'requests':>9} {'graph RT/req':>13} {'SQL RT/req':>11} "
            f"{'walk p50 ms':>12} {'min ms':>8} {'x N=10':>7} {'ms/table':>9} {'CPU ms':>7} {'sync s':>7}"
        )
        largest = None
        for n in sizes:
            record = await runtime.datasources.create(
                tenant, name=f"bench-{n}", engine="postgresql", host="h", port=1, database="d", username="u"
            )
            started = time.perf_counter()
            await runtime.graph.replace_catalog(tenant, record.id, record.name, synthetic_catalog(n))
            sync_s = time.perf_counter() - started
            term = await runtime.glossary.create(tenant, {"name": f"Identifier {n}"})
            await runtime.glossary.link(tenant, term.id, record.id, "COLUMN", f"{record.id}/bench/t00001/id")
            for _ in range(WARM_UP):  # connections, server-side plan caches, the Bolt server's JIT
                await walk(runtime, tenant, record.id, n)
            runs = [await walk(runtime, tenant, record.id, n) for _ in range(RUNS)]
            timings = [elapsed for elapsed, _, _, _ in runs]
            _, _, requests, trips = runs[-1]
            p50, cpu = statistics.median(timings), statistics.median(cpu for _, cpu, _, _ in runs)
            baseline = baseline or p50
            print(
                f"{n:>9} {3 * n:>8} {requests:>9} {trips.graph / requests:>13.1f} {trips.sql / requests:>11.1f} "
                f"{p50:>12.1f} {min(timings):>8.1f} {p50 / baseline:>7.1f} {p50 / n:>9.2f} {cpu:>7.1f} {sync_s:>7.2f}"
            )
            if largest is not None:
                await runtime.datasource_service.delete(tenant, largest[0])
            largest = (record.id, n)
        if largest is not None and largest[1] > PAGE:
            await page_latency(runtime, tenant, *largest)
            await runtime.datasource_service.delete(tenant, largest[0])
    finally:
        await runtime.close()


async def page_latency(runtime: WeaverRuntime, tenant: str, datasource_id: str, n: int) -> None:
    """p50 of one deep 100-table page from the middle of the largest catalog."""
    trips, after = RoundTrips(), None
    for _ in range(n // PAGE // 2):
        after = (await request(runtime, tenant, datasource_id, after, trips))["pageInfo"]["endCursor"]
    timings = []
    for _ in range(RUNS * 2):
        started = time.perf_counter()
        page = await request(runtime, tenant, datasource_id, after, RoundTrips())
        timings.append((time.perf_counter() - started) * 1000)
        assert len(page["edges"]) == PAGE
    print(
        f"page {PAGE} (of {n} tables, after table {n // PAGE // 2 * PAGE}): p50 {statistics.median(timings):.1f} ms, "
        f"min {min(timings):.1f} ms"
    )


def main() -> None:
    sizes = [int(a) for a in sys.argv[1:]] or [10, 100, 1000]
    base = Settings.from_env()
    with tempfile.TemporaryDirectory() as folder:
        services = EmbeddedServices(Path(folder), preferred_ports=False, durable=False)
        wanted = base.replace(redis_url=base.redis_url or "redis://unused")
        services.start(EmbeddedSettings.of(wanted))
        settings = services.apply(wanted)
        try:
            upgrade(settings.database_url)
            asyncio.run(bench(settings.replace(redis_url=base.redis_url), sizes))
        finally:
            services.stop()


if __name__ == "__main__":
    main()
