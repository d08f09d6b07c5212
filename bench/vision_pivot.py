"""Pivot latency: the same pivot via the raw fact join, via the cube's materialized view, and as a cache hit.

Seeds a `bench_sales` schema shaped like the demo `sales` schema with ≥ 1M order lines (deterministic:
`setseed`), stores the demo cube over it, builds its view, then times each path and prints medians and ratios.
Uses DATABASE_URL / REDIS_URL when set, else starts embedded PostgreSQL and Valkey in a temporary folder.

    uv run python bench/vision_pivot.py [--lines 1000000] [--repeats 7]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg
from redis.asyncio import Redis
from sqlalchemy import text

from axiom.database import DatabaseSettings, create_engine
from axiom.db_roles import CUBE_BUILDER_ROLE, grant_source_schema
from axiom.embedded import EmbeddedServices, EmbeddedSettings
from axiom.migrate import upgrade
from axiom.settings import Settings
from subgraphs.vision.cube import parse_cube_xml
from subgraphs.vision.pivot.query import LevelFilter, PivotQuery
from subgraphs.vision.pivot.sql import PivotSqlBuilder
from subgraphs.vision.service.loading import CUBES_FOLDER
from subgraphs.vision.service.pivots import PivotService
from subgraphs.vision.store.cache import PivotCache
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.pivots import PivotRunner
from subgraphs.vision.store.views import ViewStore

SCHEMA = "bench_sales"
TENANT = "bench"

SEED_SQL = """
DROP SCHEMA IF EXISTS {s} CASCADE;
CREATE SCHEMA {s};
CREATE TABLE {s}.regions (region_id integer PRIMARY KEY, region_name text NOT NULL, country text NOT NULL);
CREATE TABLE {s}.customers (customer_id integer PRIMARY KEY, customer_name text NOT NULL, segment text NOT NULL,
                            region_id integer NOT NULL REFERENCES {s}.regions);
CREATE TABLE {s}.products (product_id integer PRIMARY KEY, product_name text NOT NULL, category text NOT NULL,
                           unit_price numeric(10, 2) NOT NULL);
CREATE TABLE {s}.dates (date_id integer PRIMARY KEY, calendar_date date NOT NULL, year integer NOT NULL,
                        quarter integer NOT NULL, month integer NOT NULL, month_name text NOT NULL);
CREATE TABLE {s}.orders (order_id integer PRIMARY KEY, customer_id integer NOT NULL REFERENCES {s}.customers,
                         date_id integer NOT NULL REFERENCES {s}.dates, status text NOT NULL);
CREATE TABLE {s}.order_lines (order_id integer NOT NULL, line_no integer NOT NULL, product_id integer NOT NULL,
                              quantity integer NOT NULL, amount numeric(12, 2) NOT NULL, discount numeric(12, 2),
                              PRIMARY KEY (order_id, line_no));
SELECT setseed(0.42);
INSERT INTO {s}.regions VALUES (1, 'North', 'DE'), (2, 'South', 'DE'), (3, 'East', 'PL'), (4, 'West', 'FR'),
                               (5, 'Central', 'AT');
INSERT INTO {s}.customers SELECT i, 'Customer ' || i, (ARRAY['Consumer', 'Corporate', 'Small Business'])[1 + i % 3],
                                 1 + i % 5 FROM generate_series(1, 5000) AS i;
INSERT INTO {s}.products SELECT i, 'Product ' || i, (ARRAY['Hardware', 'Software', 'Services', 'Accessories'])[1 + i % 4],
                                round((5 + (i * 37 % 200))::numeric, 2) FROM generate_series(1, 40) AS i;
INSERT INTO {s}.dates SELECT to_char(d, 'YYYYMMDD')::integer, d, extract(year FROM d), extract(quarter FROM d),
                             extract(month FROM d), to_char(d, 'Mon')
                      FROM generate_series(DATE '2024-01-01', DATE '2025-12-31', INTERVAL '1 day') AS g(d);
INSERT INTO {s}.orders SELECT i, 1 + floor(random() * 5000)::int,
                              to_char(DATE '2024-01-01' + floor(random() * 731)::int, 'YYYYMMDD')::integer, 'completed'
                       FROM generate_series(1, {orders}) AS i;
INSERT INTO {s}.order_lines
SELECT o.order_id, n, p.product_id, q.quantity, round(p.unit_price * q.quantity, 2), NULL
FROM {s}.orders o
CROSS JOIN LATERAL generate_series(1, 1 + (o.order_id % 4)) AS n
CROSS JOIN LATERAL (SELECT 1 + floor(random() * 40)::int AS product_id, 1 + floor(random() * 9)::int AS quantity
                    OFFSET 0 * n) AS q
JOIN {s}.products p ON p.product_id = q.product_id;
ANALYZE {s}.regions, {s}.customers, {s}.products, {s}.dates, {s}.orders, {s}.order_lines;
"""

SCENARIOS = {
    "additive (sum, avg)": PivotQuery(
        rows=("Region.Region",),
        columns=("Time.Year",),
        measures=("Amount", "Quantity", "Avg Amount"),
        filters=(LevelFilter("Product.Category", in_=("Hardware", "Software")),),
        totals=True,
    ),
    "with distinct count": PivotQuery(
        rows=("Region.Region",),
        columns=("Time.Year",),
        measures=("Amount", "Order Count", "Avg Order Value"),
        filters=(LevelFilter("Product.Category", in_=("Hardware", "Software")),),
        totals=True,
    ),
}


async def seed(database_url: str, lines: int) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        orders = lines * 2 // 5 + 1  # 1 to 4 lines per order: 2.5 on average
        await conn.execute(SEED_SQL.format(s=SCHEMA, orders=orders))
        await grant_source_schema(conn, SCHEMA)  # the cube views read it as the cube builder role
        return await conn.fetchval(f"SELECT count(*) FROM {SCHEMA}.order_lines")
    finally:
        await conn.close()


async def median_ms(action, repeats: int) -> float:
    timings = []
    for _ in range(repeats):
        started = time.perf_counter()
        await action()
        timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings)


async def run(settings: Settings, lines: int, repeats: int) -> None:
    started = time.perf_counter()
    fact_rows = await seed(settings.database_url, lines)
    print(f"seeded {fact_rows:,} fact rows in {time.perf_counter() - started:.1f}s")
    xml = (CUBES_FOLDER / "sales.xml").read_text().replace('schema="sales"', f'schema="{SCHEMA}"')
    [model] = parse_cube_xml(xml)
    engine = create_engine(DatabaseSettings.of(settings), pool_size=4, max_overflow=0)
    redis = Redis.from_url(settings.redis_url)
    try:
        cubes, views = CubeStore(engine), ViewStore(engine)
        async with engine.begin() as conn:
            stored, _ = await cubes.save(TENANT, str(uuid.uuid4()), model, xml, conn=conn)
        started = time.perf_counter()
        await views.ensure(stored)
        stored = await cubes.get(TENANT, stored.id)
        signatures = {}
        async with engine.connect() as conn:
            for measure in stored.layout.distinct_views:
                view = stored.layout.distinct_view(measure)
                signatures[measure] = (await conn.execute(text(f"SELECT count(*) FROM {view}"))).scalar_one()
        print(
            f"built the materialized views in {time.perf_counter() - started:.1f}s: cells "
            f"{(await views.runs(TENANT, stored.id))[0].rows:,} rows; key signatures "
            + ", ".join(f"{name} {rows:,} rows" for name, rows in signatures.items())
        )
        runner = PivotRunner(engine, settings.query_timeout, role=CUBE_BUILDER_ROLE)  # the raw join reads sources
        uncached = PivotService(settings, engine, None)
        cache = PivotCache(redis, settings.redis_cache_ttl)
        cached = PivotService(settings, engine, cache)
        print(f"\nmedians of {repeats} runs (ms); the MV and cache paths include the full PivotService call")
        print(f"{'scenario':<22} {'raw join':>10} {'MV':>9} {'cache hit':>10} {'raw/MV':>8} {'raw/cache':>10}")
        for name, query in SCENARIOS.items():
            raw_builder = PivotSqlBuilder(stored.layout, source="fact")
            raw = [
                raw_builder.cells(query, row_cap=settings.max_rows),
                raw_builder.totals(query, row_cap=settings.max_rows),
            ]
            await cache.invalidate_cube(TENANT, stored.id)
            first = await cached.run(stored, query)
            assert not first.cached
            assert (await cached.run(stored, query)).cached
            raw_ms = await median_ms(lambda raw=raw: runner.run(*raw), repeats)
            mv_ms = await median_ms(lambda query=query: uncached.run(stored, query), repeats)
            hit_ms = await median_ms(lambda query=query: cached.run(stored, query), repeats)
            print(
                f"{name:<22} {raw_ms:>10.1f} {mv_ms:>9.2f} {hit_ms:>10.2f} {raw_ms / mv_ms:>7.0f}x "
                f"{raw_ms / hit_ms:>9.0f}x"
            )
    finally:
        await redis.aclose()
        await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1_000_000, help="fact rows to seed (at least)")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    base = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="vision-bench-") as folder:
        services = EmbeddedServices(Path(folder), preferred_ports=False, durable=False)
        # The benchmark needs no graph server: a placeholder NEO4J_URI keeps the embedded one from starting.
        wanted = base.replace(neo4j_uri=base.neo4j_uri or "bolt://127.0.0.1:1")
        services.start(EmbeddedSettings.of(wanted))
        settings = services.apply(wanted)
        try:
            upgrade(settings.database_url)
            asyncio.run(run(settings, args.lines, args.repeats))
        finally:
            services.stop()


if __name__ == "__main__":
    main()
