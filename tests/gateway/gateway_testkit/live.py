"""A gateway served on a real loopback socket (WebSocket and streaming tests), and a
minimal `graphql-transport-ws` client."""

from __future__ import annotations

import asyncio
import json
from contextlib import asynccontextmanager

import websockets

from gateway import create_gateway_app
from gateway_testkit.servers import RunningServer

PROTOCOL = "graphql-transport-ws"


@asynccontextmanager
async def live_gateway(sdl: str, **options):
    """Yield the running server (`.url`, `.ws_url`, `.app`) of a gateway app on `sdl`."""
    app = create_gateway_app(sdl, **options)
    server = await RunningServer(app).start()
    server.ws_url = server.url.replace("http://", "ws://")
    server.app = app
    try:
        yield server
    finally:
        await server.stop()
        await app.state.gateway.close()


class WsClient:
    """Speaks graphql-transport-ws as a test client; `receive` skips keep-alive pings."""

    def __init__(self, connection):
        self.connection = connection

    @classmethod
    @asynccontextmanager
    async def connect(cls, url: str, payload: dict | None = None, ack: bool = True):
        async with websockets.connect(url, subprotocols=[PROTOCOL]) as connection:
            client = cls(connection)
            await client.send({"type": "connection_init", "payload": payload or {}})
            if ack:
                assert await client.receive() == {"type": "connection_ack"}
            yield client

    async def send(self, message: dict) -> None:
        await self.connection.send(json.dumps(message))

    async def receive(self, timeout: float = 5.0) -> dict:
        while True:
            message = json.loads(await asyncio.wait_for(self.connection.recv(), timeout))
            if message.get("type") != "ping":
                return message

    async def subscribe(self, operation_id: str, query: str, variables: dict | None = None):
        await self.send(
            {"id": operation_id, "type": "subscribe", "payload": {"query": query, "variables": variables or {}}}
        )

    async def collect(self, operation_id: str) -> list[dict]:
        """Every message of one operation until its `complete` or `error`."""
        messages = []
        while True:
            message = await self.receive()
            if message.get("id") == operation_id:
                messages.append(message)
                if message["type"] in ("complete", "error"):
                    return messages


async def wait_until(predicate, timeout: float = 3.0) -> None:
    """Poll `predicate` until true (state changed by another task or server)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
