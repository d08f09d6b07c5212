"""Serving ASGI apps on free loopback ports inside the test process."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import uvicorn
from strawberry.asgi import GraphQL

FIXTURES = Path(__file__).parent / "fixtures"


class RunningServer:
    """A uvicorn server running as a task of the current event loop."""

    def __init__(self, app):
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.port = self._sock.getsockname()[1]
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._task: asyncio.Task | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/graphql"

    async def start(self) -> RunningServer:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started:
            await asyncio.sleep(0.01)
        return self

    async def stop(self) -> None:
        # force_exit: do not wait for requests still hanging (see `hanging_app`).
        self._server.should_exit = True
        self._server.force_exit = True
        if self._task is not None:
            await self._task


def strawberry_app(schema) -> GraphQL:
    return GraphQL(schema)


async def hanging_app(scope, receive, send) -> None:
    """A subgraph that never answers in time (for timeout tests)."""
    if scope["type"] != "http":
        return
    await asyncio.sleep(5)


def free_port_url() -> str:
    """A URL where nothing listens (for connection-failure tests)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/graphql"


def supergraph_with_urls(fixture: str, urls: dict[str, str]) -> str:
    """Read a composed fixture and point each subgraph at its real URL."""
    sdl = (FIXTURES / fixture).read_text()
    for name, url in urls.items():
        sdl = sdl.replace(f"http://{name}.subgraph.invalid/graphql", url)
    return sdl
