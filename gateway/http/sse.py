"""Clients over Server-Sent Events: GraphQL over SSE, "distinct connections" mode (see `sse_single_connection`
for the other mode).

A request accepting `text/event-stream` gets one `next` event per result and a final `complete` event; the stream
ending (client disconnect) closes the upstream subscription. Requests that cannot start are answered as plain
JSON with their status, except a refused token: graphql-sse clients retry any non-2xx answer for ~30 s with their
default settings, so that one gets a stream whose only event carries the error (`UNAUTHENTICATED`, with the reason)
and ends, which a client reads at once. An idle stream carries a comment line every `heartbeat` seconds, so that
proxies and load balancers do not take it for dead and cut it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import orjson
from starlette.responses import Response, StreamingResponse

from gateway.engine import GraphQLResponse
from gateway.executor.fanout import ResponseStream

EVENT_STREAM = "text/event-stream"
HEARTBEAT_SECONDS = 12.0  # under the 15 s after which common proxies drop a silent connection
HEARTBEAT = b": heartbeat\n\n"
COMPLETE = b"event: complete\ndata:\n\n"
STREAM_HEADERS = {"cache-control": "no-cache", "x-accel-buffering": "no"}


def wants_event_stream(accept: str) -> bool:
    return EVENT_STREAM in accept


def sse_response(
    result: GraphQLResponse | ResponseStream, json_media_type: str, heartbeat: float = HEARTBEAT_SECONDS
) -> Response:
    """An event stream for `result`, or the JSON error response when it did not start."""
    if isinstance(result, GraphQLResponse) and result.status != 200:
        return Response(
            orjson.dumps(result.body), status_code=result.status, media_type=json_media_type, headers=result.headers
        )
    channel = EventChannel()
    return event_stream_response(channel.stream(heartbeat, producer=channel.pump(_events(result))))


def error_event_stream(body: dict[str, Any]) -> StreamingResponse:
    """A stream of one `next` event carrying `body` (a GraphQL response with errors), then `complete`."""

    async def events() -> AsyncIterator[bytes]:
        yield encode_event("next", body)
        yield COMPLETE

    return event_stream_response(events())


def event_stream_response(chunks: AsyncIterator[bytes]) -> StreamingResponse:
    return StreamingResponse(chunks, media_type=EVENT_STREAM, headers=STREAM_HEADERS)


class EventChannel:
    """Encoded events on their way to one SSE connection; producers put, the connection's response reads."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[bytes | None] = asyncio.Queue()

    def put(self, chunk: bytes) -> None:
        self.queue.put_nowait(chunk)

    def close(self) -> None:
        """End the stream once what is queued has been sent."""
        self.queue.put_nowait(None)

    async def pump(self, chunks: AsyncIterator[bytes]) -> None:
        """Put every chunk, then close (also when the chunks fail, so the client is not left hanging)."""
        try:
            async for chunk in chunks:
                self.put(chunk)
        finally:
            self.close()

    async def stream(self, heartbeat: float, producer: Awaitable[None] | None = None) -> AsyncIterator[bytes]:
        """The chunks, with a heartbeat whenever none came for `heartbeat` seconds; the producer task (if any)
        is cancelled when the client goes away."""
        task = asyncio.ensure_future(producer) if producer is not None else None
        try:
            while True:
                try:
                    chunk = await asyncio.wait_for(self.queue.get(), heartbeat)
                except TimeoutError:
                    yield HEARTBEAT
                    continue
                if chunk is None:
                    return
                yield chunk
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def _events(result: GraphQLResponse | ResponseStream) -> AsyncIterator[bytes]:
    if isinstance(result, GraphQLResponse):
        yield encode_event("next", result.body)
    else:
        try:
            async for body in result:
                yield encode_event("next", body)
        finally:
            await result.aclose()
    yield COMPLETE


def encode_event(name: str, body: dict[str, Any]) -> bytes:
    """One SSE event carrying `body` as JSON."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(body) + b"\n\n"
