"""GraphQL over SSE, "single connection" mode (graphql-sse's PROTOCOL.md): one event stream per client carries the
results of all its operations, which HTTP/1 browsers need (they open at most 6 connections per host).

- `PUT /graphql` makes a reservation: 201 with a token in the body.
- `GET /graphql` with the token (`X-GraphQL-Event-Stream-Token` header or `?token=`) opens its one stream.
- `POST /graphql` with the token starts an operation named by `extensions.operationId`: 202, and its results
  arrive on the stream as `next {id, payload}` then `complete {id}`; a request that cannot start is answered
  like any GraphQL-over-HTTP request (4xx with errors).
- `DELETE /graphql?operationId=…` with the token stops one operation.

A reservation belongs to the `Authorization` it was made with; the stream ending stops its operations.
"""

from __future__ import annotations

import asyncio
import hmac
import secrets
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response

from gateway.engine import GraphQLRequest, GraphQLResponse
from gateway.executor.fanout import ResponseStream
from gateway.http.request_parsing import BadRequest, from_json_body
from gateway.http.sse import EventChannel, encode_event, event_stream_response, wants_event_stream

TOKEN_HEADER = "x-graphql-event-stream-token"
MAX_RESERVATIONS = 1000
MAX_OPERATIONS_PER_STREAM = 100
MAX_OPERATION_ID_LENGTH = 128
UNCLAIMED_RESERVATION_SECONDS = 60.0

# (request, forwarded headers) → the operation's results, or the response refusing it.
StartOperation = Callable[[GraphQLRequest, Mapping[str, str]], Awaitable["GraphQLResponse | ResponseStream"]]


@dataclass
class _Reservation:
    owner: str
    created: float
    channel: EventChannel = field(default_factory=EventChannel)
    connected: bool = False
    operations: dict[str, asyncio.Task[Any]] = field(default_factory=dict)


def stream_token(request: Request) -> str | None:
    """The reservation token a request carries, if any."""
    return request.headers.get(TOKEN_HEADER) or request.query_params.get("token")


def is_single_connection_request(request: Request) -> bool:
    """PUT/DELETE, or anything carrying a reservation token."""
    return request.method in ("PUT", "DELETE") or stream_token(request) is not None


class SingleConnectionStreams:
    """The reservations of this gateway process and their streams."""

    def __init__(self, heartbeat: float) -> None:
        self.heartbeat = heartbeat
        self.reservations: dict[str, _Reservation] = {}

    async def handle(
        self,
        request: Request,
        body: Callable[[], Awaitable[bytes]],
        start: StartOperation,
        headers: Mapping[str, str],
        media_type: str,
    ) -> Response:
        """Answer one single-connection-mode request (already authenticated); errors in `media_type`."""

        def error(status: int, code: str, message: str) -> Response:
            body = {"errors": [{"message": message, "extensions": {"code": code}}]}
            return Response(orjson.dumps(body), status_code=status, media_type=media_type)

        owner = request.headers.get("authorization", "")
        if request.method == "PUT":
            return self._reserve(owner, error)
        token = stream_token(request)
        reservation = self.reservations.get(token or "")
        if token is None or reservation is None or not hmac.compare_digest(reservation.owner, owner):
            return error(404, "STREAM_NOT_FOUND", "No event stream reservation for this token.")
        if request.method == "GET":
            return self._connect(token, reservation, request, error)
        if request.method == "DELETE":
            task = reservation.operations.pop(request.query_params.get("operationId", ""), None)
            if task is not None:
                task.cancel()
            return Response(status_code=200)
        return await self._start(reservation, await body(), start, headers, error, media_type)

    def _reserve(self, owner: str, error: Callable[..., Response]) -> Response:
        self._drop_unclaimed()
        if len(self.reservations) >= MAX_RESERVATIONS:
            return error(503, "TOO_MANY_STREAMS", "Too many open event streams; try again later.")
        token = secrets.token_urlsafe(24)
        self.reservations[token] = _Reservation(owner, time.monotonic())
        return PlainTextResponse(token, status_code=201)

    def _drop_unclaimed(self) -> None:
        cutoff = time.monotonic() - UNCLAIMED_RESERVATION_SECONDS
        for token, reservation in list(self.reservations.items()):
            if not reservation.connected and reservation.created < cutoff:
                self._release(token, reservation)

    def _connect(
        self, token: str, reservation: _Reservation, request: Request, error: Callable[..., Response]
    ) -> Response:
        if not wants_event_stream(request.headers.get("accept", "")):
            return error(400, "BAD_REQUEST", "The stream needs 'Accept: text/event-stream'.")
        if reservation.connected:
            return error(409, "STREAM_ALREADY_OPEN", "This reservation's stream is already open.")
        reservation.connected = True
        return event_stream_response(self._serve(token, reservation))

    async def _serve(self, token: str, reservation: _Reservation) -> AsyncIterator[bytes]:
        try:
            async for chunk in reservation.channel.stream(self.heartbeat):
                yield chunk
        finally:  # the client went away: nobody reads the results any more
            self._release(token, reservation)

    def _release(self, token: str, reservation: _Reservation) -> None:
        self.reservations.pop(token, None)
        for task in reservation.operations.values():
            task.cancel()
        reservation.operations.clear()

    async def _start(
        self,
        reservation: _Reservation,
        raw: bytes,
        start: StartOperation,
        headers: Mapping[str, str],
        error: Callable[..., Response],
        media_type: str,
    ) -> Response:
        try:
            parsed = from_json_body(raw)
        except BadRequest as problem:
            return error(400, "BAD_REQUEST", str(problem))
        operation_id = (parsed.extensions or {}).get("operationId")
        if not isinstance(operation_id, str) or not 0 < len(operation_id) <= MAX_OPERATION_ID_LENGTH:
            return error(
                400,
                "BAD_REQUEST",
                f"'extensions.operationId' must be a string of 1 to {MAX_OPERATION_ID_LENGTH} characters.",
            )
        if operation_id in reservation.operations:
            return error(409, "OPERATION_ID_IN_USE", f"Operation '{operation_id}' is already running.")
        if len(reservation.operations) >= MAX_OPERATIONS_PER_STREAM:
            return error(
                429, "TOO_MANY_OPERATIONS", f"At most {MAX_OPERATIONS_PER_STREAM} operations may run on one stream."
            )
        result = await start(parsed, headers)
        if isinstance(result, GraphQLResponse) and result.status != 200:
            return Response(orjson.dumps(result.body), status_code=result.status, media_type=media_type)
        task = asyncio.create_task(_deliver(reservation, operation_id, result))
        reservation.operations[operation_id] = task
        return Response(status_code=202)


async def _deliver(reservation: _Reservation, operation_id: str, result: GraphQLResponse | ResponseStream) -> None:
    """One operation's results onto the shared stream, then its `complete`."""
    try:
        if isinstance(result, GraphQLResponse):
            reservation.channel.put(encode_event("next", {"id": operation_id, "payload": result.body}))
        else:
            try:
                async for body in result:
                    reservation.channel.put(encode_event("next", {"id": operation_id, "payload": body}))
            finally:
                await result.aclose()
        reservation.channel.put(encode_event("complete", {"id": operation_id}))
    finally:
        reservation.operations.pop(operation_id, None)
