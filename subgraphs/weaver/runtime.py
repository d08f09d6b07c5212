"""Process-wide resources of Weaver (engine, graph driver, Redis, stores), opened once and shared by requests."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncDriver
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine

from axiom.database import create_engine
from axiom.graph import create_driver
from axiom.secrets import SecretBox
from axiom.settings import Settings
from subgraphs.weaver.service.datasources import CatalogSync, DataSourceService
from subgraphs.weaver.service.request_guard import RequestGuard
from subgraphs.weaver.store.datasources import DataSourceStore
from subgraphs.weaver.store.graph_client import GraphClient
from subgraphs.weaver.store.guard_state import MemoryGuardState, RedisGuardState
from subgraphs.weaver.store.schema_graph import SchemaGraphStore
from subgraphs.weaver.store.snapshots import SnapshotStore

DEFAULT_RATE_LIMIT = 600  # requests per tenant per minute (WEAVER_RATE_LIMIT_PER_MINUTE)


@dataclass
class WeaverRuntime:
    settings: Settings
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

    @classmethod
    def open(cls, settings: Settings, *, rate_limit_per_minute: int = DEFAULT_RATE_LIMIT) -> "WeaverRuntime":
        """Create the clients (connections are made lazily, on first use)."""
        engine = create_engine(settings)
        driver = create_driver(settings)
        graph_client = GraphClient(driver, settings.neo4j_database)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        datasources = DataSourceStore(engine, SecretBox(settings.encryption_key))
        graph = SchemaGraphStore(graph_client)
        snapshots = SnapshotStore(engine)
        catalog_sync = CatalogSync(engine, datasources, graph, snapshots)
        guard = RequestGuard(RedisGuardState(redis) if redis is not None else MemoryGuardState(),
                             limit_per_minute=rate_limit_per_minute,
                             idempotency_ttl=settings.idempotency_ttl_seconds, secret=settings.encryption_key)
        return cls(settings=settings, engine=engine, driver=driver, graph_client=graph_client, redis=redis,
                   datasources=datasources, graph=graph, snapshots=snapshots, catalog_sync=catalog_sync,
                   datasource_service=DataSourceService(datasources, graph, catalog_sync), guard=guard)

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.driver.close()
        await self.engine.dispose()
