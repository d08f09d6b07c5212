"""Refresh runs as they start and end, for the `cubeRefreshes` subscription, on the event bus.

Runs travel on one topic per tenant, so a refresh run by any worker or process (the ETL cron job, a
`refreshCube` job, `axiom cubes refresh`) reaches subscribers on every Vision replica. Events are best effort:
a run is recorded in PostgreSQL whether or not anyone heard of it, and `Cube.refreshRuns` remains the record.
"""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import datetime

import orjson
from redis.asyncio import Redis

from subgraphs.vision.jobs.events import EventBus, EventStream
from subgraphs.vision.store.views import RefreshRun


def topic(tenant_id: str) -> str:
    return f"refresh-runs:{tenant_id}"


def encode(run: RefreshRun) -> bytes:
    return orjson.dumps(dataclasses.asdict(run))


def decode(raw: bytes | dict) -> RefreshRun:
    data = dict(orjson.loads(raw) if isinstance(raw, (bytes, str)) else raw)
    data.pop("seq", None)
    for name in ("started_at", "finished_at"):
        if data[name] is not None:
            data[name] = datetime.fromisoformat(data[name])
    return RefreshRun(**data)


class RefreshEvents:
    def __init__(self, redis: Redis | None = None, *, bus: EventBus | None = None):
        self.bus = bus if bus is not None else EventBus(redis)

    async def publish(self, run: RefreshRun) -> None:
        await self.bus.publish(topic(run.tenant_id), orjson.loads(encode(run)))

    def stream(self, tenant_id: str) -> RunStream:
        return RunStream(self.bus.stream(topic(tenant_id)))


class RunStream:
    """The runs of one tenant published after `open()` returns, until `close()`."""

    def __init__(self, events: EventStream):
        self._events = events

    async def open(self) -> None:
        await self._events.open()

    async def __aiter__(self) -> AsyncIterator[RefreshRun]:
        async for event in self._events:
            yield decode(event)

    async def close(self) -> None:
        await self._events.close()
