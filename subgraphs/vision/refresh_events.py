"""Refresh runs as they start and end, for the `cubeRefreshes` subscription.

With Redis, runs travel over pub/sub (one channel per tenant), so a refresh run by any Vision process (the
ETL loop, `refreshCube`, `axiom cubes refresh`) reaches subscribers on every process. Without Redis they reach
the subscribers of this process only. Events are best effort: a run is recorded in PostgreSQL whether or not
anyone heard of it, and `Cube.refreshRuns` remains the record.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import AsyncIterator
from datetime import datetime

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from subgraphs.vision.store.views import RefreshRun

log = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT = 5.0
QUEUE_LIMIT = 100  # a subscriber further behind than this loses the oldest events, not the process's memory


def channel(tenant_id: str) -> str:
    return f"vision:refresh-runs:{tenant_id}"


def encode(run: RefreshRun) -> bytes:
    return orjson.dumps(dataclasses.asdict(run))


def decode(raw: bytes) -> RefreshRun:
    data = orjson.loads(raw)
    for name in ("started_at", "finished_at"):
        if data[name] is not None:
            data[name] = datetime.fromisoformat(data[name])
    return RefreshRun(**data)


class RefreshEvents:
    def __init__(self, redis: Redis | None):
        self._redis = redis
        self._local: dict[str, set[asyncio.Queue]] = {}

    async def publish(self, run: RefreshRun) -> None:
        if self._redis is None:
            for queue in self._local.get(run.tenant_id, ()):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(run)
            return
        try:
            await self._redis.publish(channel(run.tenant_id), encode(run))
        except RedisError as exc:
            log.warning("refresh run %s not announced: Redis failed (%s)", run.id, type(exc).__name__)

    def stream(self, tenant_id: str) -> "RunStream":
        return RunStream(self._redis, self._local.setdefault(tenant_id, set()), tenant_id)


class RunStream:
    """The runs of one tenant published after `open()` returns, until `close()`."""

    def __init__(self, redis: Redis | None, local_queues: set[asyncio.Queue], tenant_id: str):
        self._redis = redis
        self._local_queues = local_queues
        self._tenant_id = tenant_id
        self._queue: asyncio.Queue | None = None
        self._pubsub = None

    async def open(self) -> None:
        if self._redis is None:
            self._queue = asyncio.Queue(QUEUE_LIMIT)
            self._local_queues.add(self._queue)
            return
        self._pubsub = self._redis.pubsub()
        await self._pubsub.subscribe(channel(self._tenant_id))
        # Wait for Redis to confirm: from then on no publication can slip past this stream.
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT
        while True:
            message = await self._pubsub.get_message(timeout=max(0.0, deadline - time.monotonic()))
            if message is not None and message["type"] == "subscribe":
                return
            if time.monotonic() >= deadline:
                raise RedisError("Redis did not confirm the subscription")

    async def __aiter__(self) -> AsyncIterator[RefreshRun]:
        if self._queue is not None:
            while True:
                yield await self._queue.get()
        async for message in self._pubsub.listen():
            if message["type"] == "message":
                yield decode(message["data"])

    async def close(self) -> None:
        if self._queue is not None:
            self._local_queues.discard(self._queue)
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe()
            finally:
                await self._pubsub.aclose()
