"""One event bus for long work: refresh runs and scenario solves publish their state changes on topics.

With Redis, events travel over pub/sub, so a job run by any worker reaches the subscribers of every Vision
replica. Each event gets a sequence number from Redis (`INCR`), and a topic may keep its latest event: a
subscriber opens its subscription first, then reads the latest event, then hears live ones, dropping those it
has already seen (by sequence). Without Redis (a single process, tests) events reach this process only.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

SUBSCRIBE_TIMEOUT = 5.0
QUEUE_LIMIT = 1000  # a subscriber further behind than this loses the oldest events, not the process's memory
LATEST_TTL = 7 * 24 * 3600  # the latest event of a topic outlives any job; PostgreSQL keeps the record


def _channel(topic: str) -> str:
    return f"vision:events:{topic}"


def _latest_key(topic: str) -> str:
    return f"vision:events:latest:{topic}"


def _sequence_key(topic: str) -> str:
    return f"vision:events:seq:{topic}"


class EventBus:
    def __init__(self, redis: Redis | None, subscriber: Redis | None = None):
        """`redis` publishes and reads the latest state; `subscriber` (default: `redis`) holds the subscriptions,
        which wait for events as long as they last and so must have no read timeout."""
        self._redis = redis
        self._subscriber = subscriber if subscriber is not None else redis
        self._local: dict[str, set[asyncio.Queue]] = {}
        self._local_latest: dict[str, dict] = {}
        self._local_sequence = itertools.count(1)

    async def publish(self, topic: str, event: dict, *, keep: bool = False) -> dict:
        """Send `event` (JSON-able) to the topic's subscribers; with `keep`, also as the topic's latest event.

        Returns the event with its sequence number (`seq`). Best effort: a Redis failure is logged, not raised,
        since the state itself is recorded in PostgreSQL by the caller.
        """
        if self._redis is None:
            event = {**event, "seq": next(self._local_sequence)}
            if keep:
                self._local_latest[topic] = event
            for queue in self._local.get(topic, ()):
                if queue.full():
                    queue.get_nowait()
                queue.put_nowait(event)
            return event
        try:
            event = {**event, "seq": await self._redis.incr(_sequence_key(topic))}
            raw = orjson.dumps(event)
            async with self._redis.pipeline(transaction=True) as pipe:
                if keep:
                    pipe.set(_latest_key(topic), raw, ex=LATEST_TTL)
                pipe.publish(_channel(topic), raw)
                await pipe.execute()
        except RedisError as exc:
            log.warning("event on %s not published: Redis failed (%s)", topic, type(exc).__name__)
        return event

    async def latest(self, topic: str) -> dict | None:
        """The latest event kept for the topic, if any."""
        if self._redis is None:
            return self._local_latest.get(topic)
        raw = await self._redis.get(_latest_key(topic))
        return orjson.loads(raw) if raw is not None else None

    def stream(self, topic: str) -> EventStream:
        return EventStream(self._subscriber, self._local.setdefault(topic, set()), topic)


class EventStream:
    """The events of one topic published after `open()` returns, until `close()`; seen sequences skipped."""

    def __init__(self, redis: Redis | None, local_queues: set[asyncio.Queue], topic: str):
        self._redis = redis
        self._local_queues = local_queues
        self._topic = topic
        self._queue: asyncio.Queue | None = None
        self._pubsub = None
        self.last_seq = 0

    async def open(self) -> None:
        if self._redis is None:
            self._queue = asyncio.Queue(QUEUE_LIMIT)
            self._local_queues.add(self._queue)
            return
        self._pubsub = self._redis.pubsub()
        await self._pubsub.subscribe(_channel(self._topic))
        # Wait for Redis to confirm: from then on no publication can slip past this stream.
        deadline = time.monotonic() + SUBSCRIBE_TIMEOUT
        while True:
            message = await self._pubsub.get_message(timeout=max(0.0, deadline - time.monotonic()))
            if message is not None and message["type"] == "subscribe":
                return
            if time.monotonic() >= deadline:
                raise RedisError("Redis did not confirm the subscription")

    def seen(self, event: dict) -> bool:
        """Mark the event as delivered; False when it (or a later one) was delivered already."""
        seq = event.get("seq", 0)
        if seq and seq <= self.last_seq:
            return False
        self.last_seq = max(self.last_seq, seq)
        return True

    async def __aiter__(self) -> AsyncIterator[dict]:
        async for event in self._raw():
            if self.seen(event):
                yield event

    async def _raw(self) -> AsyncIterator[dict]:
        if self._queue is not None:
            while True:
                yield await self._queue.get()
        async for message in self._pubsub.listen():
            if message["type"] == "message":
                yield orjson.loads(message["data"])

    async def close(self) -> None:
        if self._queue is not None:
            self._local_queues.discard(self._queue)
        if self._pubsub is not None:
            try:
                await self._pubsub.unsubscribe()
            finally:
                await self._pubsub.aclose()
