"""One event bus for long work: refresh runs and scenario solves publish their state changes on topics.

With Redis, events travel over pub/sub, so a job run by any worker reaches the subscribers of every Vision
replica. Each event gets a sequence number from Redis (`INCR`), and a topic may keep its latest event: a
subscriber opens its subscription first, then reads the latest event, then hears live ones, dropping those it
has already seen (by sequence). All the streams of a process share one pub/sub connection (`ChannelHub`).
Without Redis (a single process, tests) events reach this process only.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator

import orjson
from redis.asyncio import Redis
from redis.exceptions import RedisError

from subgraphs.vision.jobs.channels import ChannelHub, offer

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
        subscriber = subscriber if subscriber is not None else redis
        # Every stream of this bus shares one pub/sub connection (not one per subscription).
        self._channels = ChannelHub(subscriber, SUBSCRIBE_TIMEOUT) if subscriber is not None else None
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
                offer(queue, event)
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
        return EventStream(self._channels, self._local.setdefault(topic, set()), topic)

    async def close(self) -> None:
        """End the open streams (with an error) and close their Redis connection."""
        if self._channels is not None:
            await self._channels.close()


class EventStream:
    """The events of one topic published after `open()` returns, until `close()`; seen sequences skipped."""

    def __init__(self, channels: ChannelHub | None, local_queues: set[asyncio.Queue], topic: str):
        self._channels = channels
        self._local_queues = local_queues
        self._topic = topic
        self._queue: asyncio.Queue | None = None
        self.last_seq = 0

    async def open(self) -> None:
        """Start listening; with Redis, returns once Redis confirmed the subscription, so that no publication
        can slip past this stream (`RedisError` when it cannot)."""
        self._queue = asyncio.Queue(QUEUE_LIMIT)
        if self._channels is None:
            self._local_queues.add(self._queue)
        else:
            await self._channels.subscribe(_channel(self._topic), self._queue)

    def seen(self, event: dict) -> bool:
        """Mark the event as delivered; False when it (or a later one) was delivered already."""
        seq = event.get("seq", 0)
        if seq and seq <= self.last_seq:
            return False
        self.last_seq = max(self.last_seq, seq)
        return True

    async def __aiter__(self) -> AsyncIterator[dict]:
        if self._queue is None:
            raise RuntimeError("the stream is iterated before open()")
        while True:
            event = await self._queue.get()
            if isinstance(event, RedisError):  # the connection to Redis failed: this stream hears no more
                raise event
            if self.seen(event):
                yield event

    async def close(self) -> None:
        if self._queue is None:
            return
        if self._channels is None:
            self._local_queues.discard(self._queue)
        else:
            await self._channels.unsubscribe(_channel(self._topic), self._queue)
