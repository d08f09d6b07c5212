"""The Bolt driver (Neo4j 5 in production, ArcadeDB embedded) from NEO4J_URI."""

from __future__ import annotations

from neo4j import AsyncDriver, AsyncGraphDatabase

from axiom.settings import Settings


def graph_wait_seconds(settings: Settings) -> float:
    """How long one graph operation may keep retrying or waiting for a connection: half of SUBGRAPH_TIMEOUT, so a
    dead Bolt server yields Weaver's own coded error well before the gateway gives up on Weaver (the driver's
    defaults, 30 s of retries and 60 s for a connection, outlast it), and a Bolt server that restarts within it
    is waited for instead of failing the request."""
    return settings.subgraph_timeout / 2


def create_driver(settings: Settings) -> AsyncDriver:
    if not settings.neo4j_uri:
        raise RuntimeError("NEO4J_URI is not set")
    wait = graph_wait_seconds(settings)
    return AsyncGraphDatabase.driver(
        settings.neo4j_uri,
        auth=(settings.neo4j_user, settings.neo4j_password),
        max_transaction_retry_time=wait,
        # The driver's retries wait 1, 2, 4 s: a read that failed while the Bolt server restarted would sleep up
        # to 4 s past its return. Shorter, gentler steps (0.2, 0.3, 0.45, … s) retry within a fraction of a
        # second of it; `wait` still bounds the whole.
        initial_retry_delay=0.2,
        retry_delay_multiplier=1.5,
        connection_acquisition_timeout=wait,
        connection_timeout=wait,
    )


async def ping(driver: AsyncDriver, database: str | None) -> None:
    async with driver.session(database=database) as session:
        result = await session.run("RETURN 1 AS one")
        await result.consume()
