"""The one door to the Bolt server: sessions on the configured database, and a count of round trips.

Every Cypher statement of Weaver goes through `GraphClient`, so `round_trips` is the number of statements sent
to the server; the loader tests and the benchmark read it to prove batching.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

from neo4j import AsyncDriver, AsyncManagedTransaction
from neo4j.exceptions import ConnectionPoolError, ConstraintError, ServiceUnavailable, SessionExpired

from axiom.errors import ApiError

T = TypeVar("T")
GRAPH_UNAVAILABLE = "GRAPH_UNAVAILABLE"


@contextlib.contextmanager
def _graph_reachable() -> Iterator[None]:
    """The driver gave up reaching the Bolt server (its retries are bounded by `axiom.graph.graph_wait_seconds`):
    a coded error the client can act on, not a masked internal one."""
    try:
        yield
    except (ServiceUnavailable, SessionExpired, ConnectionPoolError) as exc:
        raise ApiError("the schema graph is unavailable now; try again shortly", code=GRAPH_UNAVAILABLE) from exc


class GraphTransaction:
    """A write transaction handed to a unit of work; counts each statement."""

    def __init__(self, tx: AsyncManagedTransaction, client: GraphClient):
        self._tx = tx
        self._client = client

    async def run(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        self._client.round_trips += 1
        result = await self._tx.run(cypher, params)
        return [record.data() async for record in result]


class GraphClient:
    def __init__(self, driver: AsyncDriver, database: str | None, constraint_retries: int = 3):
        self.driver = driver
        self.database = database
        self.round_trips = 0
        self._constraint_retries = constraint_retries

    async def read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        self.round_trips += 1

        async def work(tx: AsyncManagedTransaction):
            result = await tx.run(cypher, params)
            return [record.data() async for record in result]

        with _graph_reachable():
            async with self.driver.session(database=self.database) as session:
                return await session.execute_read(work)

    async def read_values(self, cypher: str, **params: Any) -> list[list[Any]]:
        """Like `read`, each record as its values in RETURN order: for large results, where building a dict per
        record (and the driver's recursive value transform behind `record.data()`) costs more than the query."""
        self.round_trips += 1

        async def work(tx: AsyncManagedTransaction):
            result = await tx.run(cypher, params)
            return [record.values() async for record in result]

        with _graph_reachable():
            async with self.driver.session(database=self.database) as session:
                return await session.execute_read(work)

    async def write(self, unit: Callable[[GraphTransaction], Awaitable[T]]) -> T:
        """Run `unit` in one write transaction: all of it commits or none of it does.

        Concurrent MERGEs of one key can fail with ConstraintError on ArcadeDB (ARCHITECTURE.md §6); the whole unit
        is idempotent by construction, so it is retried.
        """
        for attempt in range(self._constraint_retries + 1):
            try:
                with _graph_reachable():
                    async with self.driver.session(database=self.database) as session:
                        return await session.execute_write(lambda tx: unit(GraphTransaction(tx, self)))
            except ConstraintError:
                if attempt == self._constraint_retries:
                    raise
                await asyncio.sleep(0.05 * (attempt + 1))
        raise AssertionError("unreachable")

    async def run_schema(self, cypher: str) -> None:
        """Schema statements (constraints, indexes) run in their own auto-commit transaction."""
        self.round_trips += 1
        async with self.driver.session(database=self.database) as session:
            result = await session.run(cypher)
            await result.consume()
