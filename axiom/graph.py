"""The Bolt driver (Neo4j 5 in production, ArcadeDB embedded) from NEO4J_URI."""

from __future__ import annotations

from neo4j import AsyncDriver, AsyncGraphDatabase

from axiom.settings import Settings


def create_driver(settings: Settings) -> AsyncDriver:
    if not settings.neo4j_uri:
        raise RuntimeError("NEO4J_URI is not set")
    return AsyncGraphDatabase.driver(settings.neo4j_uri, auth=(settings.neo4j_user, settings.neo4j_password))


async def ping(driver: AsyncDriver, database: str | None) -> None:
    async with driver.session(database=database) as session:
        result = await session.run("RETURN 1 AS one")
        await result.consume()
