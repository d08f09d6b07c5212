"""Clients over Server-Sent Events: GraphQL over SSE, "distinct connections" mode.

A request accepting `text/event-stream` gets one `next` event per result and a final
`complete` event; the stream ending (client disconnect) closes the upstream
subscription. Requests that cannot start are answered as plain JSON with their status.
"""

from __future__ import annotations

from typing import AsyncIterator

import orjson
from starlette.responses import Response, StreamingResponse

from gateway.engine import GraphQLResponse

EVENT_STREAM = "text/event-stream"


def wants_event_stream(accept: str) -> bool:
    return EVENT_STREAM in accept


def sse_response(result: GraphQLResponse | AsyncIterator[dict], json_media_type: str) -> Response:
    """An event stream for `result`, or the JSON error response when it did not start."""
    if isinstance(result, GraphQLResponse) and result.status != 200:
        return Response(orjson.dumps(result.body), status_code=result.status,
                        media_type=json_media_type, headers=result.headers)
    return StreamingResponse(
        _events(result), media_type=EVENT_STREAM,
        headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
    )


async def _events(result) -> AsyncIterator[bytes]:
    if isinstance(result, GraphQLResponse):
        yield _event("next", result.body)
    else:
        try:
            async for body in result:
                yield _event("next", body)
        finally:
            await result.aclose()
    yield b"event: complete\ndata:\n\n"


def _event(name: str, body: dict) -> bytes:
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(body) + b"\n\n"
