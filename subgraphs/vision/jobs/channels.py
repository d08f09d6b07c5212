"""Every event stream of a Vision process on one Redis pub/sub connection.

A pub/sub connection per stream made each open subscription (a dashboard watching refreshes, a client following
a solve) cost Redis a client and Vision a TCP handshake: a burst of a hundred subscriptions timed out connecting
on a loaded machine, and Redis's `maxclients` capped the number of watchers of all replicas together. Here one
connection carries the channels of every stream: a channel is subscribed when its first stream opens and
unsubscribed when its last one closes; a reader task hands each message to the queues of the channel's streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque

import orjson
from redis.asyncio import Redis
from redis.asyncio.client import PubSub
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


def offer(queue: asyncio.Queue, item: object) -> None:
    """Put without waiting: a full queue (a reader far behind) loses its oldest item."""
    if queue.full():
        queue.get_nowait()
    queue.put_nowait(item)


class ChannelHub:
    """Subscriptions of many local queues to Redis channels over one pub/sub connection, opened while any
    queue listens. A queue receives each message's decoded JSON; when the connection fails it receives a
    `RedisError` instead and hears nothing more."""

    def __init__(self, redis: Redis, confirm_timeout: float = 5.0):
        """`redis` must have no read timeout: the connection waits for messages as long as streams last."""
        self._redis = redis
        self._confirm_timeout = confirm_timeout
        self._queues: dict[str, set[asyncio.Queue]] = {}
        self._confirmed: dict[str, asyncio.Future] = {}
        # Per channel, one future per SUBSCRIBE sent and not yet confirmed, in the order Redis answers them.
        self._pending: dict[str, deque[asyncio.Future]] = {}
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task | None = None
        self._lock = asyncio.Lock()

    async def subscribe(self, channel: str, queue: asyncio.Queue) -> None:
        """Deliver the channel's messages into `queue`; returns once Redis confirmed the channel's subscription,
        so that nothing published afterwards can slip past. Raises `RedisError` when Redis cannot confirm."""
        async with self._lock:
            queues = self._queues.get(channel)
            if queues is None:
                await self._subscribe_channel(channel)
                queues = self._queues[channel] = set()
            queues.add(queue)
            confirmed = self._confirmed[channel]
        try:
            await asyncio.wait_for(asyncio.shield(confirmed), self._confirm_timeout)
        except BaseException as error:
            await self.unsubscribe(channel, queue)
            if isinstance(error, TimeoutError):
                raise RedisError("Redis did not confirm the subscription") from None
            raise

    async def _subscribe_channel(self, channel: str) -> None:
        confirmed = asyncio.get_running_loop().create_future()
        self._pending.setdefault(channel, deque()).append(confirmed)
        self._confirmed[channel] = confirmed
        try:
            if self._pubsub is None:
                self._pubsub = self._redis.pubsub()
            await self._pubsub.subscribe(channel)
        except BaseException:
            self._pending[channel].remove(confirmed)
            del self._confirmed[channel]
            if not self._queues:
                await self._disconnect()
            raise
        if self._reader is None:
            self._reader = asyncio.create_task(self._read(self._pubsub))

    async def unsubscribe(self, channel: str, queue: asyncio.Queue) -> None:
        """Stop delivering into `queue`; the channel's last queue leaving unsubscribes it (the last channel
        leaving closes the connection)."""
        async with self._lock:
            queues = self._queues.get(channel)
            if queues is None or queue not in queues:
                return
            queues.discard(queue)
            if queues:
                return
            del self._queues[channel], self._confirmed[channel]
            if not self._queues:
                await self._disconnect()
                return
            assert self._pubsub is not None  # subscribed channels remain, so the connection is open
            try:
                await self._pubsub.unsubscribe(channel)
            except (RedisError, OSError) as error:  # the reader notices a broken connection and ends every stream
                log.warning("unsubscribing %s failed: %s", channel, type(error).__name__)

    async def _read(self, pubsub: PubSub) -> None:
        try:
            while True:
                message = await pubsub.get_message(timeout=None)
                if message is not None:
                    self._dispatch(message)
        except asyncio.CancelledError:
            raise
        except Exception as error:  # Redis went away (or answered nonsense): every stream ends with an error
            log.warning("event subscriptions lost their Redis connection: %s", type(error).__name__)
            async with self._lock:
                if self._pubsub is pubsub:
                    self._fail(RedisError(f"the event subscriptions' Redis connection failed ({type(error).__name__})"))
                    self._reader = self._pubsub = None
            await _close_quietly(pubsub)

    def _dispatch(self, message: dict) -> None:
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else channel
        if message["type"] == "subscribe":
            pending = self._pending.get(channel)
            if pending:
                future = pending.popleft()
                if not future.done():
                    future.set_result(None)
                if not pending:
                    del self._pending[channel]
        elif message["type"] == "message" and channel in self._queues:
            try:
                event = orjson.loads(message["data"])
            except orjson.JSONDecodeError:
                log.warning("a message on %s is not JSON: skipped", channel)
                return
            for queue in self._queues[channel]:
                offer(queue, event)

    def _fail(self, error: RedisError) -> None:
        for queues in self._queues.values():
            for queue in queues:
                offer(queue, error)
        for pending in self._pending.values():
            for future in pending:
                if not future.done():
                    future.set_exception(error)
        self._queues.clear()
        self._confirmed.clear()
        self._pending.clear()

    async def _disconnect(self) -> None:
        reader, self._reader = self._reader, None
        pubsub, self._pubsub = self._pubsub, None
        self._pending.clear()
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if pubsub is not None:
            await _close_quietly(pubsub)

    async def close(self) -> None:
        """End every subscription and close the connection (the process is stopping)."""
        async with self._lock:
            self._fail(RedisError("the event bus closed"))
            await self._disconnect()


async def _close_quietly(pubsub: PubSub) -> None:
    try:
        await pubsub.aclose()
    except (RedisError, OSError) as error:
        log.debug("closing the event subscription connection failed: %s", type(error).__name__)
