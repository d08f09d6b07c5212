"""Identical subscriptions share one upstream subscription; the gateway fans events out.

Subscriptions are identical when their key is: the same normalized operation,
variables, active override labels and authorization scope (`Gateway` builds it; the
scope comes from the caller's verified claims, so two tenants never share). The first
subscriber starts one producer (upstream subscription, rest of the plan, response
shaping); every event body is handed to each subscriber present at that moment. A
subscriber that joins later gets the events produced after it joined, not the earlier
ones (e.g. not the "latest run" events a stream sends when it opens). The last
subscriber leaving cancels the producer, which closes the upstream subscription; the
upstream ending ends every subscriber's stream with what it sent last (its error, if any).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import deque
from collections.abc import AsyncIterable, Callable, Hashable, Mapping
from typing import Any, Protocol

logger = logging.getLogger("axiom.gateway")

# Bodies queued for one subscriber that reads slower than events come; beyond this its
# stream ends with SUBSCRIPTION_CLIENT_TOO_SLOW instead of growing without bound.
QUEUE_LIMIT = 1000

TOO_SLOW = {
    "errors": [
        {
            "message": "Subscription ended: the client did not keep up with its events.",
            "extensions": {"code": "SUBSCRIPTION_CLIENT_TOO_SLOW"},
        }
    ]
}


class ResponseStream(AsyncIterable[dict[str, Any]], Protocol):
    """A subscription's response bodies; closing it early (client gone) closes the upstream."""

    async def aclose(self) -> None: ...


# (headers of the newest subscriber) -> the shared stream's response bodies.
StartStream = Callable[[Callable[[], Mapping[str, str]]], ResponseStream]


def same_headers_scope(headers: Mapping[str, str], ignored: tuple[str, ...] = ()) -> Hashable:
    """Subscriptions may share when every forwarded header (credentials included) is the
    same; `ignored` headers (a per-operation tag) do not count."""
    return tuple(sorted((k, v) for k, v in headers.items() if k not in ignored))


class SharedSubscriptions:
    """The running shared streams of one gateway, by key."""

    def __init__(self, queue_limit: int = QUEUE_LIMIT) -> None:
        self._streams: dict[Hashable, _SharedStream] = {}
        self._queue_limit = queue_limit

    def join(self, key: Hashable, headers: Mapping[str, str], start: StartStream) -> Subscriber:
        """A subscriber of the stream for `key`, started with `start` when none runs."""
        stream = self._streams.get(key)
        if stream is None:
            stream = self._streams[key] = _SharedStream(self, key)
            stream.start(start)
        return stream.add(headers, self._queue_limit)

    def _ended(self, key: Hashable, stream: _SharedStream) -> None:
        if self._streams.get(key) is stream:
            del self._streams[key]

    @property
    def streams(self) -> int:
        """Shared streams running now (one upstream subscription each)."""
        return len(self._streams)

    @property
    def subscribers(self) -> int:
        """Client subscriptions served by the shared streams."""
        return sum(len(s.subscribers) for s in self._streams.values())


class _SharedStream:
    """One producer task and the subscribers it feeds.

    Subscribers are held weakly: one whose client went away without closing it (a
    response that never started) leaves when it is garbage collected."""

    def __init__(self, hub: SharedSubscriptions, key: Hashable) -> None:
        self.hub = hub
        self.key = key
        self.subscribers: weakref.WeakKeyDictionary[Subscriber, Mapping[str, str]] = weakref.WeakKeyDictionary()
        self._newest: Mapping[str, str] = {}
        self.task: asyncio.Task[Any] | None = None

    def start(self, start: StartStream) -> None:
        self.task = asyncio.ensure_future(self._produce(start(self.newest_headers)))

    def newest_headers(self) -> Mapping[str, str]:
        """Headers for the rest of the plan: the newest subscriber's (a fresh token
        rather than the first subscriber's, which may have expired meanwhile)."""
        return self._newest

    def add(self, headers: Mapping[str, str], queue_limit: int) -> Subscriber:
        subscriber = Subscriber(self, queue_limit)
        self.subscribers[subscriber] = self._newest = headers
        return subscriber

    def remove(self, subscriber: Subscriber) -> None:
        headers = self.subscribers.pop(subscriber, None)
        if self.subscribers:
            if headers is self._newest:
                self._newest = list(self.subscribers.values())[-1]
            return
        # The last one left: stop sharing this stream and close the upstream.
        self.hub._ended(self.key, self)
        if self.task is not None:
            self.task.cancel()

    async def _produce(self, bodies: ResponseStream) -> None:
        try:
            async for body in bodies:
                for subscriber in list(self.subscribers):
                    subscriber.deliver(body)
        except Exception:  # the body stream reports its own errors; this is a bug
            logger.exception("shared subscription failed")
        finally:
            self.hub._ended(self.key, self)
            for subscriber in list(self.subscribers):
                subscriber.end()
            # RuntimeError: the event loop is closing this coroutine with the
            # generator still running inside it; the generator is closed with it.
            with contextlib.suppress(RuntimeError):
                await bodies.aclose()


class Subscriber:
    """One client's view of a shared stream: an async iterator of response bodies.

    Leaving (`aclose`, or being garbage collected) unsubscribes."""

    def __init__(self, stream: _SharedStream, queue_limit: int) -> None:
        self._stream: _SharedStream | None = stream
        self._queue: deque[dict[str, Any] | None] = deque()
        self._limit = queue_limit
        self._ready = asyncio.Event()

    def deliver(self, body: dict[str, Any]) -> None:
        if len(self._queue) >= self._limit:
            self._queue.clear()
            self._queue.append(TOO_SLOW)
            self.end()
            self._leave()
            return
        self._queue.append(body)
        self._ready.set()

    def end(self) -> None:
        self._queue.append(None)
        self._ready.set()

    def __aiter__(self) -> Subscriber:
        return self

    async def __anext__(self) -> dict[str, Any]:
        while not self._queue:
            self._ready.clear()
            await self._ready.wait()
        body = self._queue.popleft()
        if body is None:
            self._leave()
            raise StopAsyncIteration
        return body

    async def aclose(self) -> None:
        self._leave()

    def _leave(self) -> None:
        stream, self._stream = self._stream, None
        if stream is not None:
            stream.remove(self)

    def __del__(self) -> None:
        # A subscriber dropped without `aclose` (its client task died) still leaves.
        with contextlib.suppress(RuntimeError):  # the event loop may be closed already
            self._leave()
