"""Clients over WebSocket: the `graphql-transport-ws` protocol (graphql-ws library).

Per connection: `connection_init` (authenticated from its payload's Authorization, or
the handshake headers) → `connection_ack`; then any number of `subscribe`s, each a
task streaming `next` messages and a `complete`. `complete` from the client, or the
socket closing, cancels the task, which closes the upstream subscription.

A missing, bad or expired token closes the connection with 4401 and the reason ("Unauthorized: token expired"):
graphql-ws clients give up at once on 4401, while they retry 4403 for ~40 s with their default settings
("might grant access after retry"), so a client would learn of an expired token only after that.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson
from starlette.websockets import WebSocket, WebSocketDisconnect

from gateway.engine import Gateway, GraphQLRequest, GraphQLResponse
from gateway.http.persisted_queries import PersistedQueryError
from gateway.http.request_parsing import BadRequest, from_payload

logger = logging.getLogger("axiom.gateway")
PROTOCOL = "graphql-transport-ws"

# Called with headers (Authorization from the connection_init payload): (principal, "") or (None, a reason safe
# to show the client).
Authenticate = Callable[[Mapping[str, str]], Awaitable[tuple[Any, str]]]
MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes, 2 of them the code


def upstream_init_payload(forwarded_headers: Mapping[str, str], token: str | None = None) -> dict[str, Any] | None:
    """The `connection_init` payload for subgraph subscriptions: the client's token, whether it came in its own
    `connection_init` or as a header (SSE, or a WebSocket client that sent one), where subgraphs look for it."""
    token = token or forwarded_headers.get("authorization")
    return {"Authorization": token} if token else None


class GraphQLWebSocketSession:
    """One client connection speaking graphql-transport-ws."""

    def __init__(
        self,
        websocket: WebSocket,
        gateway: Gateway,
        authenticate: Authenticate | None,
        forwarded: Callable[[Mapping[str, str]], dict[str, Any]],
        resolve: Callable[[GraphQLRequest], Awaitable[GraphQLRequest]],
        *,
        init_timeout: float = 10.0,
        keepalive: float | None = 12.0,
        client_of: Callable[[Any], str | None] | None = None,
        tag: Callable[[dict[str, Any]], dict[str, Any]] = dict,
    ) -> None:
        self.ws = websocket
        self.tag = tag  # adds a fresh request tag to the upstream headers of each subscription
        self.gateway = gateway
        self.authenticate = authenticate
        self.forwarded = forwarded
        self.resolve = resolve  # persisted queries
        self.init_timeout = init_timeout
        self.keepalive = keepalive
        self.client_of = client_of  # the rate-limited client (tenant) of the connection's principal
        self.client: str | None = None
        self.headers: dict[str, str] = {}
        self.init_payload: dict[str, Any] | None = None
        self.acknowledged = False
        self.operations: dict[str, asyncio.Task[Any]] = {}
        self._send_lock = asyncio.Lock()

    async def run(self) -> None:
        """Serve the connection until either side closes it."""
        if PROTOCOL not in self.ws.scope.get("subprotocols", ()):
            await self.ws.close(code=4406, reason="Subprotocol not acceptable")
            return
        await self.ws.accept(subprotocol=PROTOCOL)
        pinger = asyncio.create_task(self._ping_forever(self.keepalive)) if self.keepalive else None
        try:
            await asyncio.wait_for(self._until_acknowledged(), self.init_timeout)
            while True:
                await self._handle(await self._receive())
        except TimeoutError:
            await self._close(4408, "Connection initialisation timeout")
        except _Closing as closing:
            await self._close(closing.code, closing.reason)
        except WebSocketDisconnect:
            pass
        finally:
            if pinger is not None:
                pinger.cancel()
            for task in list(self.operations.values()):
                task.cancel()  # the client left: unsubscribe upstream

    async def _until_acknowledged(self) -> None:
        while not self.acknowledged:
            await self._handle(await self._receive())

    async def _receive(self) -> dict[str, Any]:
        message = await self.ws.receive()
        if message["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(message.get("code", 1000))
        raw = message.get("text") or message.get("bytes") or b""
        try:
            decoded = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise _Closing(4400, "Invalid message received") from None
        if not isinstance(decoded, dict) or not isinstance(decoded.get("type"), str):
            raise _Closing(4400, "Invalid message received")
        return decoded

    async def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "connection_init":
            await self._connection_init(message.get("payload"))
        elif kind == "ping":
            await self.send({"type": "pong"})
        elif kind == "pong":
            return
        elif kind == "subscribe":
            self._subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            raise _Closing(4400, f"Unexpected message type '{kind}'")

    async def _connection_init(self, payload: Any) -> None:
        if self.acknowledged:
            raise _Closing(4429, "Too many initialisation requests")
        payload = payload if isinstance(payload, dict) else {}
        headers = {k.lower(): v for k, v in self.ws.headers.items()}
        token = payload.get("Authorization") or payload.get("authorization")
        if isinstance(token, str):
            headers["authorization"] = token
        if self.authenticate is not None:
            principal, reason = await self.authenticate(headers)
            if principal is None:
                raise _Closing(4401, close_reason(f"Unauthorized: {reason}"))
            self.ws.state.principal = principal
            self.client = self.client_of(principal) if self.client_of is not None else None
        self.headers = self.forwarded(headers)
        self.init_payload = upstream_init_payload(self.headers, token if isinstance(token, str) else None)
        self.acknowledged = True
        await self.send({"type": "connection_ack"})

    def _subscribe(self, message: dict[str, Any]) -> None:
        if not self.acknowledged:
            raise _Closing(4401, "Unauthorized")
        operation_id = message.get("id")
        if not isinstance(operation_id, str) or not operation_id:
            raise _Closing(4400, "Invalid message received")
        if operation_id in self.operations:
            raise _Closing(4409, f"Subscriber for {operation_id} already exists")
        task = asyncio.create_task(self._stream(operation_id, message.get("payload")))
        self.operations[operation_id] = task

    async def _stream(self, operation_id: str, payload: Any) -> None:
        try:
            try:
                request = await self.resolve(from_payload(payload))
            except BadRequest as error:
                await self.send({"id": operation_id, "type": "error", "payload": [{"message": str(error)}]})
                return
            except PersistedQueryError as error:
                await self.send({"id": operation_id, "type": "error", "payload": error.body["errors"]})
                return
            result = await self.gateway.stream(request, self.tag(self.headers), self.init_payload, client=self.client)
            if isinstance(result, GraphQLResponse):
                await self._single(operation_id, result)
                return
            try:
                async for body in result:
                    await self.send({"id": operation_id, "type": "next", "payload": body})
            finally:  # also when cancelled (client `complete` or gone): leave the stream now
                await result.aclose()
            await self.send({"id": operation_id, "type": "complete"})
        except (WebSocketDisconnect, RuntimeError):
            pass  # the socket went away while sending
        finally:
            self.operations.pop(operation_id, None)

    async def _single(self, operation_id: str, result: GraphQLResponse) -> None:
        if result.status != 200:
            await self.send({"id": operation_id, "type": "error", "payload": result.body.get("errors", [])})
            return
        await self.send({"id": operation_id, "type": "next", "payload": result.body})
        await self.send({"id": operation_id, "type": "complete"})

    async def _ping_forever(self, interval: float) -> None:
        try:
            while True:
                await asyncio.sleep(interval)
                await self.send({"type": "ping"})
        except (WebSocketDisconnect, RuntimeError):
            return

    async def send(self, message: dict[str, Any]) -> None:
        async with self._send_lock:
            await self.ws.send_text(orjson.dumps(message).decode())

    async def _close(self, code: int, reason: str) -> None:
        with contextlib.suppress(RuntimeError):
            await self.ws.close(code=code, reason=reason)


def close_reason(text: str) -> str:
    """`text` cut to what a close frame can carry, on a character boundary."""
    return text.encode()[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore")


class _Closing(Exception):
    """Close the connection with a protocol close code."""

    def __init__(self, code: int, reason: str) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
