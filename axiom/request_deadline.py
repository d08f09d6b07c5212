"""Stop a GraphQL request's work when nobody waits for it any more, and answer TIMEOUT at a deadline.

Uvicorn never cancels an application when its client goes away: a query whose caller (the gateway, or a
browser) gave up would keep its database busy until its own timeout. This middleware runs the request as a
task and cancels it when the client disconnects before the response is complete; the cancellation reaches the
driver, which cancels the SQL statement (asyncpg sends PostgreSQL a cancel request).

With a `deadline`, a request that has not started its response by then is cancelled too and answered with a
coded TIMEOUT error, so the caller always hears from this service before its own, longer, timeout. A response
that has started (a subscription stream) is not cut by the deadline.
"""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from axiom.errors import TIMEOUT, graphql_error_body


class RequestDeadline:
    def __init__(self, app: ASGIApp, deadline: float | None = None, path: str = "/graphql") -> None:
        self.app = app
        self.deadline = deadline
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        await _GuardedRequest(self.app, scope, receive, send).run(self.deadline)


class _GuardedRequest:
    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
        self.app, self.scope, self._receive, self._send = app, scope, receive, send
        self.body_read = asyncio.Event()
        self.started = False
        self.completed = False

    async def receive(self) -> Message:
        message = await self._receive()
        if message["type"] == "http.disconnect" or not message.get("more_body", False):
            self.body_read.set()
        return message

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.completed = True
        await self._send(message)

    async def run(self, deadline: float | None) -> None:
        work = asyncio.ensure_future(self.app(self.scope, self.receive, self.send))
        watcher = asyncio.ensure_future(self._cancel_on_disconnect(work))
        try:
            await asyncio.wait({work}, timeout=deadline)
            if not work.done() and not self.started:
                work.cancel()
                await asyncio.gather(work, return_exceptions=True)
                await self._answer_timeout(deadline)
                return
            await _result_unless_cancelled(work)
        finally:
            watcher.cancel()
            if not work.done():  # we were cancelled ourselves (server shutdown): the work stops with us
                work.cancel()

    async def _cancel_on_disconnect(self, work: asyncio.Future[Any]) -> None:
        # Only once the application has read its body: until then the receive channel is the application's.
        await self.body_read.wait()
        while not work.done():
            message = await self._receive()
            if message["type"] == "http.disconnect":
                if not self.completed:
                    work.cancel()
                return

    async def _answer_timeout(self, deadline: float | None) -> None:
        body = orjson.dumps(graphql_error_body(f"the operation did not finish within {deadline:g} s", TIMEOUT))
        await self._send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
        )
        await self._send({"type": "http.response.body", "body": body})


async def _result_unless_cancelled(work: asyncio.Future[Any]) -> None:
    """Wait for the request; a cancellation we caused (client gone) ends it quietly."""
    try:
        await work
    except asyncio.CancelledError:
        if not work.cancelled():
            raise
        current = asyncio.current_task()
        if current is not None and current.cancelling():
            raise  # we are being cancelled ourselves (shutdown): let it through
