"""Stop a GraphQL request's work when nobody waits for it any more, and answer TIMEOUT at a deadline.

Uvicorn never cancels an application when its client goes away: a query whose caller (the gateway, or a
browser) gave up would keep its database busy until its own timeout. This middleware cancels the request's
task when the client disconnects before the response is complete; the cancellation reaches the
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

# A request still running this long after its body was read gets a task watching for its client leaving. Most
# requests finish sooner and never pay for one; cancelling earlier would save at most this much wasted work.
WATCH_AFTER_SECONDS = 0.25


class RequestDeadline:
    def __init__(self, app: ASGIApp, deadline: float | None = None, path: str = "/graphql") -> None:
        self.app = app
        self.deadline = deadline
        self.path = path
        # Requests whose body was read, with when; one sweeper task (while any run) starts their watchers. Cheaper
        # per request than a timer each: a request only enters and leaves a dict.
        self._running: dict[_GuardedRequest, tuple[float, asyncio.Task[Any]]] = {}
        self._sweeper: asyncio.Task[None] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != self.path:
            await self.app(scope, receive, send)
            return
        request = _GuardedRequest(self.app, scope, receive, send, self)
        try:
            await request.run(self.deadline)
        finally:
            self._running.pop(request, None)

    def body_read(self, request: _GuardedRequest, task: asyncio.Task[Any]) -> None:
        """`request` (running in `task`) has read its body: watch for its client leaving if it runs long."""
        loop = asyncio.get_running_loop()
        self._running[request] = (loop.time(), task)
        if self._sweeper is None or self._sweeper.done() or self._sweeper.get_loop() is not loop:
            self._sweeper = loop.create_task(self._sweep())

    async def _sweep(self) -> None:
        loop = asyncio.get_running_loop()
        while self._running:
            await asyncio.sleep(WATCH_AFTER_SECONDS / 2)
            now = loop.time()
            for request, (since, task) in list(self._running.items()):
                if now - since >= WATCH_AFTER_SECONDS:
                    del self._running[request]
                    request.watch(task)


class _GuardedRequest:
    """One request, run in the server's own task (a task per request costs CPU on every request); a watcher task,
    started once the request has run `WATCH_AFTER_SECONDS` past reading its body, cancels it when the client
    leaves first."""

    def __init__(self, app: ASGIApp, scope: Scope, receive: Receive, send: Send, guard: RequestDeadline) -> None:
        self.app, self.scope, self._receive, self._send = app, scope, receive, send
        self.guard = guard
        self.body_done = False
        self.started = False
        self.completed = False
        self.client_gone = False
        self.timer: asyncio.Timeout | None = None
        self.watcher: asyncio.Task[None] | None = None

    async def receive(self) -> Message:
        message = await self._receive()
        if not self.body_done and (message["type"] == "http.disconnect" or not message.get("more_body", False)):
            # Only once the application has read its body: until then the receive channel is the application's.
            self.body_done = True
            task = asyncio.current_task()
            assert task is not None
            self.guard.body_read(self, task)
        return message

    def watch(self, task: asyncio.Task[Any]) -> None:
        """Start watching for the client leaving (the request has run a while)."""
        if not task.done() and not self.completed and self.watcher is None:
            self.watcher = asyncio.ensure_future(self._cancel_on_disconnect(task))

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.started = True
            if self.timer is not None:
                self.timer.reschedule(None)  # a response that has started is not cut
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            self.completed = True
        await self._send(message)

    async def run(self, deadline: float | None) -> None:
        try:
            if deadline is None:
                await self.app(self.scope, self.receive, self.send)
                return
            async with asyncio.timeout(deadline) as self.timer:
                await self.app(self.scope, self.receive, self.send)
        except TimeoutError:
            if self.timer is None or not self.timer.expired() or self.started:
                raise  # the application's own timeout, not our deadline
            await self._answer_timeout(deadline)
        except asyncio.CancelledError:
            current = asyncio.current_task()
            # Cancelled by the watcher alone (the client left): end quietly. Anything else (server shutdown)
            # goes on cancelling.
            if not self.client_gone or current is None or current.uncancel() > 0:
                raise
        finally:
            if self.watcher is not None:
                self.watcher.cancel()

    async def _cancel_on_disconnect(self, work: asyncio.Task[Any]) -> None:
        while not work.done():
            message = await self._receive()
            if message["type"] == "http.disconnect":
                if not self.completed:
                    self.client_gone = True
                    work.cancel()
                return

    async def _answer_timeout(self, deadline: float | None) -> None:
        body = orjson.dumps(graphql_error_body(f"the operation did not finish within {deadline:g} s", TIMEOUT))
        await self._send(
            {"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]}
        )
        await self._send({"type": "http.response.body", "body": body})
