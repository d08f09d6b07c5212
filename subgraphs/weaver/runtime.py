"""Process-wide resources of Weaver (engine, graph driver, Redis, stores), opened once and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncDriver
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from axiom.database import DatabaseSettings, create_engine
from axiom.graph import create_driver
from axiom.guard_state import FallbackGuardState, MemoryGuardState, RedisGuardState
from axiom.secrets import SecretBox
from axiom.settings import Settings
from subgraphs.weaver.adapters.mindsdb import MindsDBClient
from subgraphs.weaver.service.datasources import CatalogSync, DataSourceService
from subgraphs.weaver.service.glossary import GlossaryService
from subgraphs.weaver.service.queries import QueryService
from subgraphs.weaver.service.request_guard import RequestGuard
from subgraphs.weaver.settings import WeaverSettings
from subgraphs.weaver.store.datasources import DataSourceStore
from subgraphs.weaver.store.glossary import GlossaryStore
from subgraphs.weaver.store.graph_client import GraphClient
from subgraphs.weaver.store.idempotency_keys import PostgresGuardState
from subgraphs.weaver.store.schema_graph import SchemaGraphStore, catalog_rows
from subgraphs.weaver.store.snapshots import SnapshotStore
from subgraphs.weaver.store.statistics import StatisticsStore

REDIS_TIMEOUT = 1.0


@dataclass
class WeaverRuntime:
    settings: WeaverSettings
    engine: AsyncEngine
    driver: AsyncDriver
    graph_client: GraphClient
    redis: Redis | None
    datasources: DataSourceStore
    graph: SchemaGraphStore
    snapshots: SnapshotStore
    catalog_sync: CatalogSync
    datasource_service: DataSourceService
    guard: RequestGuard
    glossary: GlossaryStore
    glossary_service: GlossaryService
    query_service: QueryService
    statistics: StatisticsStore
    mindsdb: MindsDBClient | None

    @classmethod
    def open(cls, settings: Settings, *, rate_limit_per_minute: int | None = None) -> WeaverRuntime:
        """Create the clients (connections are made lazily, on first use); the runtime keeps Weaver's settings.

        `rate_limit_per_minute`: requests per tenant per minute, by default WEAVER_RATE_LIMIT_PER_MINUTE."""
        weaver = WeaverSettings.of(settings)
        engine = create_engine(DatabaseSettings.of(settings, subgraph="weaver"))
        driver = create_driver(settings)
        graph_client = GraphClient(driver, weaver.neo4j_database)
        # Short socket timeouts: a hung Redis makes the request guard fall back in process instead of hanging.
        redis = (
            Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
            if settings.redis_url
            else None
        )
        datasources = DataSourceStore(engine, SecretBox(weaver.encryption_key))
        graph = SchemaGraphStore(graph_client)
        snapshots = SnapshotStore(engine)
        catalog_sync = CatalogSync(engine, datasources, graph, snapshots, weaver.query_timeout)
        glossary = GlossaryStore(engine)
        mindsdb = (
            MindsDBClient(weaver.mindsdb_url, weaver.mindsdb_timeout, weaver.mindsdb_user, weaver.mindsdb_password)
            if weaver.mindsdb_url
            else None
        )
        datasource_service = DataSourceService(datasources, graph, catalog_sync)
        if mindsdb is not None:
            datasource_service.on_delete.append(mindsdb.drop_mirror)
        catalog_sync.after_sync.append(prune_glossary_links)
        state = FallbackGuardState(RedisGuardState(redis)) if redis is not None else MemoryGuardState()
        guard = RequestGuard(
            state,
            limit_per_minute=rate_limit_per_minute or weaver.rate_limit_per_minute,
            idempotency_ttl=weaver.idempotency_ttl_seconds,
            secret=weaver.encryption_key,
            idempotency_state=PostgresGuardState(engine),
        )
        return cls(
            settings=weaver,
            engine=engine,
            driver=driver,
            graph_client=graph_client,
            redis=redis,
            datasources=datasources,
            graph=graph,
            snapshots=snapshots,
            catalog_sync=catalog_sync,
            datasource_service=datasource_service,
            guard=guard,
            glossary=glossary,
            glossary_service=GlossaryService(glossary, graph),
            query_service=QueryService(weaver, datasources, mindsdb),
            statistics=StatisticsStore(engine),
            mindsdb=mindsdb,
        )

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.driver.close()
        await self.engine.dispose()


async def prune_glossary_links(record, params, catalog, conn) -> None:
    """After a sync, links to tables or columns that disappeared go too (nothing dangles)."""
    rows = catalog_rows(record.tenant_id, record.id, catalog)
    await GlossaryStore.prune_links(conn, record.id, [r["key"] for r in rows["tables"] + rows["columns"]])
