"""Counting round trips to the graph server and PostgreSQL, for the loader test and benchmark."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import event

from subgraphs.weaver.runtime import WeaverRuntime


@dataclass
class RoundTrips:
    graph: int = 0
    sql: int = 0


@contextlib.contextmanager
def count_round_trips(runtime: WeaverRuntime) -> Iterator[RoundTrips]:
    """Counts Cypher statements (through GraphClient) and SQL statements while the block runs."""
    counts = RoundTrips()
    graph_start = runtime.graph_client.round_trips

    def on_sql(*_args) -> None:
        counts.sql += 1

    event.listen(runtime.engine.sync_engine, "before_cursor_execute", on_sql)
    try:
        yield counts
    finally:
        event.remove(runtime.engine.sync_engine, "before_cursor_execute", on_sql)
        counts.graph = runtime.graph_client.round_trips - graph_start
