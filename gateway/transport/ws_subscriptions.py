"""Gateway → subgraph subscriptions over `graphql-transport-ws` (aiohttp client).

One upstream WebSocket per upstream subscription (identical client subscriptions share
one: `gateway.executor.fanout`): its lifetime is the subscription's, so its last client
leaving closes it (the subgraph stops producing) and a subgraph leaving ends the
clients' streams with an error.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import aiohttp
import orjson

from gateway.transport.base import (
    InvalidResponseBody,
    SubgraphConnectError,
    SubgraphTimeout,
    TransportError,
)

PROTOCOL = "graphql-transport-ws"


class UpstreamClosed(TransportError):
    """The subgraph closed the subscription's connection before completing it."""


def ws_url(http_url: str) -> str:
    """`http(s)://host/graphql` → `ws(s)://host/graphql`."""
    if http_url.startswith("https://"):
        return "wss://" + http_url[len("https://") :]
    if http_url.startswith("http://"):
        return "ws://" + http_url[len("http://") :]
    return http_url


class WebSocketSubscriber:
    """Opens `graphql-transport-ws` subscriptions to subgraphs through one aiohttp session."""

    def __init__(
        self,
        session_factory: Callable[[], aiohttp.ClientSession],
        connect_timeout: float = 10.0,
        heartbeat: float = 30.0,
    ) -> None:
        self._session_factory = session_factory
        self._connect_timeout = connect_timeout
        self._heartbeat = heartbeat
        # Upstream subscription sockets open now (the gateway's metrics export it).
        self.open = 0

    async def subscribe(
        self, url: str, body: dict[str, Any], headers: Mapping[str, str], init_payload: dict[str, Any] | None = None
    ) -> AsyncIterator[dict[str, Any]]:
        """Yield each `next` payload; end on `complete`; raise on errors or closure.

        Closing the generator early (client gone) sends `complete` upstream."""
        try:
            # Bounded: the session's default timeout would let a dead subgraph hang a client.
            ws = await asyncio.wait_for(
                self._session_factory().ws_connect(
                    ws_url(url),
                    protocols=(PROTOCOL,),
                    headers=dict(headers),
                    heartbeat=self._heartbeat,
                    timeout=aiohttp.ClientWSTimeout(ws_close=2.0),
                ),
                self._connect_timeout,
            )
        except TimeoutError:
            raise SubgraphTimeout("cannot open subscription: timed out") from None
        except aiohttp.ClientError as error:
            raise SubgraphConnectError(f"cannot open subscription: {type(error).__name__}") from None
        completed = False
        self.open += 1
        try:
            await _handshake(ws, init_payload, self._connect_timeout)
            await _send(ws, ({"id": "1", "type": "subscribe", "payload": body}))
            async for message in _messages(ws):
                kind = message.get("type")
                if kind == "next":
                    yield message.get("payload") or {}
                elif kind == "error":
                    completed = True
                    yield {"errors": message.get("payload") or [{"message": "subscription error"}]}
                    return
                elif kind == "complete":
                    completed = True
                    return
                elif kind == "ping":
                    await _send(ws, ({"type": "pong"}))
            raise UpstreamClosed("subgraph closed the subscription")
        finally:
            self.open -= 1
            await _close(ws, completed)


async def _send(ws: aiohttp.ClientWebSocketResponse, message: dict[str, Any]) -> None:
    # The protocol requires text frames.
    await ws.send_str(orjson.dumps(message).decode())


async def _handshake(ws: aiohttp.ClientWebSocketResponse, init_payload: dict[str, Any] | None, timeout: float) -> None:
    init: dict[str, Any] = {"type": "connection_init"}
    if init_payload:
        init["payload"] = init_payload
    await _send(ws, (init))
    try:
        message = await asyncio.wait_for(ws.receive(), timeout)
    except TimeoutError:
        raise SubgraphTimeout("subscription handshake timed out") from None
    if message.type not in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
        raise UpstreamClosed("subgraph refused the subscription connection")
    if orjson.loads(message.data).get("type") != "connection_ack":
        raise InvalidResponseBody("subgraph did not acknowledge the subscription connection")


async def _messages(ws: aiohttp.ClientWebSocketResponse) -> AsyncIterator[dict[str, Any]]:
    async for message in ws:
        if message.type in (aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY):
            try:
                decoded = orjson.loads(message.data)
            except orjson.JSONDecodeError:
                raise InvalidResponseBody("subgraph sent a message that is not JSON") from None
            if isinstance(decoded, dict):
                yield decoded
        elif message.type in (
            aiohttp.WSMsgType.ERROR,
            aiohttp.WSMsgType.CLOSE,
            aiohttp.WSMsgType.CLOSING,
            aiohttp.WSMsgType.CLOSED,
        ):
            return


async def _close(ws: aiohttp.ClientWebSocketResponse, completed: bool) -> None:
    if not ws.closed:
        if not completed:
            with contextlib.suppress(ConnectionError, aiohttp.ClientError, RuntimeError):
                await _send(ws, ({"id": "1", "type": "complete"}))
        await ws.close()
