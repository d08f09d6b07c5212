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
from subgraphs.weaver.service.datasources import CatalogSync
from subgraphs.weaver.store.datasources import DataSourceStore
from subgraphs.weaver.store.graph_client import GraphClient
from subgraphs.weaver.store.schema_graph import SchemaGraphStore


@dataclass
class WeaverRuntime:
    settings: Settings
    engine: AsyncEngine
    driver: AsyncDriver
    graph_client: GraphClient
    redis: Redis | None
    datasources: DataSourceStore
    graph: SchemaGraphStore
    catalog_sync: CatalogSync

    @classmethod
    def open(cls, settings: Settings) -> "WeaverRuntime":
        """Create the clients (connections are made lazily, on first use)."""
        engine = create_engine(settings)
        driver = create_driver(settings)
        graph_client = GraphClient(driver, settings.neo4j_database)
        redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
        datasources = DataSourceStore(engine, SecretBox(settings.encryption_key))
        graph = SchemaGraphStore(graph_client)
        return cls(settings=settings, engine=engine, driver=driver, graph_client=graph_client, redis=redis,
                   datasources=datasources, graph=graph, catalog_sync=CatalogSync(datasources, graph))

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
        await self.driver.close()
        await self.engine.dispose()
