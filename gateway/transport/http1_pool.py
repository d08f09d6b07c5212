"""A keep-alive HTTP/1.1 client for the gateway's calls to subgraphs: POST a body, read the whole answer.

Why not aiohttp on this path: a gateway request makes about three subgraph calls, and aiohttp's client costs
~135 µs of CPU per call on these machines where a protocol on asyncio with httptools (uvicorn's HTTP parser,
already a dependency) costs ~13 µs (`bench/subgraph_client.py`). aiohttp still carries the WebSocket
subscriptions.

What it does: one pool of connections per origin (at most `limit` open, callers wait for one beyond that),
most recently used first, an idle connection dropped after `idle_seconds` (before a server's own keep-alive
timeout closes it: uvicorn's is 5 s), `Connection: close` and HTTP/1.0 honoured, chunked answers decoded, TLS for
`https` URLs, answers bounded by `max_response_bytes`. A query that meets a reused connection the server had
already closed (no byte of an answer came back) is sent again once on a new connection; anything else that goes
wrong closes the connection. Not done, as a gateway needs none of it: redirects, cookies, proxies, compression
(none is asked for), HTTP/2.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import defaultdict, deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import urlsplit

import httptools

MAX_RESPONSE_BYTES = 64 * 2**20


class ConnectionFailed(Exception):
    """The connection could not be made, or broke before the answer was complete."""


class MalformedResponse(Exception):
    """The server's bytes are not an HTTP/1.1 answer, or the answer is larger than allowed."""


class InvalidRequestHeader(Exception):
    """A header value that cannot travel in HTTP/1.1 (a line break, or outside latin-1)."""


@dataclass(frozen=True)
class _Origin:
    host: str
    port: int
    tls: bool


@dataclass(frozen=True)
class _Target:
    origin: _Origin
    head: bytes  # request line and Host header


class _Connection(asyncio.Protocol):
    """One connection; one exchange at a time (no pipelining)."""

    def __init__(self, max_response_bytes: int) -> None:
        self.max_response_bytes = max_response_bytes
        self.transport: asyncio.Transport | None = None
        self.parser = httptools.HttpResponseParser(self)
        self.chunks: list[bytes] = []
        self.size = 0
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.closed = False
        self.answering = False  # a byte of the current answer has arrived
        self.delimited = False  # the answer's end is given by content-length or chunking (else: by closing)
        self.headers_done = False
        self.idle_since = 0.0

    def exchange(self, request: bytes) -> asyncio.Future[tuple[int, bytes, bool]]:
        """Send `request`; the future gives (status, body, whether the connection can be reused)."""
        assert self.transport is not None and self.waiter is None
        self.waiter = asyncio.get_running_loop().create_future()
        self.answering = False
        self.transport.write(request)
        return self.waiter

    @property
    def reusable(self) -> bool:
        return not self.closed and self.transport is not None and not self.transport.is_closing()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports (the loop uvicorn runs on) are not asyncio.Transport instances, but behave as one.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self.waiter is None:  # bytes nobody asked for: the connection's framing can no longer be trusted
            self.close()
            return
        self.answering = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._fail(MalformedResponse("not an HTTP/1.1 answer"))
            self.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if exc is None and self.headers_done and not self.delimited:
            self._complete(keep=False)  # an answer whose body ends where the connection does (HTTP/1.0 style)
            return
        self._fail(ConnectionFailed("connection closed before the answer" if self.answering else "connection closed"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        self.chunks, self.size = [], 0
        self.delimited = self.headers_done = False

    def on_header(self, name: bytes, value: bytes) -> None:
        # Called for every header of every answer: the length test spares most of them a lower-casing.
        if len(name) in (14, 17) and name.lower() in (b"content-length", b"transfer-encoding"):
            self.delimited = True

    def on_headers_complete(self) -> None:
        self.headers_done = True

    def on_body(self, body: bytes) -> None:
        self.size += len(body)
        if self.size > self.max_response_bytes:
            self._fail(MalformedResponse(f"answer larger than {self.max_response_bytes} bytes"))
            self.close()
            return
        self.chunks.append(body)

    def on_message_complete(self) -> None:
        if 100 <= self.parser.get_status_code() < 200:  # an interim answer (e.g. 103 Early Hints): the real one follows
            self.headers_done = False
            return
        self._complete(keep=self.parser.should_keep_alive())

    def _complete(self, keep: bool) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result((self.parser.get_status_code(), b"".join(self.chunks), keep))

    def _fail(self, error: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(error)


class Http1Pool:
    """Keep-alive connections per origin; `post` is safe to cancel (the connection in use is then closed)."""

    def __init__(
        self,
        limit: int = 100,
        idle_seconds: float = 2.0,
        max_response_bytes: int = MAX_RESPONSE_BYTES,
        tls: ssl.SSLContext | None = None,
    ) -> None:
        """`tls`: the context for `https` URLs (default: the system's trust store, hostnames verified)."""
        self.limit = limit
        self.idle_seconds = idle_seconds
        self.max_response_bytes = max_response_bytes
        self._targets: dict[str, _Target] = {}
        self._idle: dict[_Origin, list[_Connection]] = defaultdict(list)
        self._open: dict[_Origin, int] = defaultdict(int)
        self._waiting: dict[_Origin, deque[asyncio.Future[None]]] = defaultdict(deque)
        self._busy: set[_Connection] = set()
        self._tls = tls

    async def post(self, url: str, headers: Mapping[str, str], body: bytes, *, retry_stale: bool) -> tuple[int, bytes]:
        """POST `body` (JSON) with `headers`; the answer's status and body. `retry_stale`: the request may be
        sent again when a reused connection turns out to have been closed by the server."""
        target = self._target(url)
        request = b"".join((target.head, _header_lines(headers), b"content-length: %d\r\n\r\n" % len(body), body))
        origin = target.origin
        connection, reused = await self._acquire(origin)
        self._busy.add(connection)
        try:
            try:
                status, answer, keep = await connection.exchange(request)
            except ConnectionFailed:
                if not (reused and retry_stale and not connection.answering):
                    raise
                self._busy.discard(connection)
                connection.close()
                connection = await self._connect(origin)
                self._busy.add(connection)
                status, answer, keep = await connection.exchange(request)
        except BaseException:
            self._busy.discard(connection)
            connection.close()
            self._closed_one(origin)
            raise
        self._busy.discard(connection)
        if keep and connection.reusable:
            connection.idle_since = asyncio.get_running_loop().time()
            self._idle[origin].append(connection)
            self._wake(origin)
        else:
            connection.close()
            self._closed_one(origin)
        return status, answer

    async def close(self) -> None:
        """Close every connection; callers waiting for one fail."""
        for connections in (*self._idle.values(), list(self._busy)):
            for connection in connections:
                connection.close()
        self._idle.clear()
        self._busy.clear()
        for waiters in self._waiting.values():
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_exception(ConnectionFailed("client closed"))
        self._waiting.clear()
        self._open.clear()

    def _target(self, url: str) -> _Target:
        target = self._targets.get(url)
        if target is None:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ConnectionFailed(f"not an http(s) URL: {url}")
            tls = parts.scheme == "https"
            origin = _Origin(parts.hostname, parts.port or (443 if tls else 80), tls)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            host = parts.netloc.rpartition("@")[2]
            head = f"POST {path} HTTP/1.1\r\nhost: {host}\r\ncontent-type: application/json\r\naccept: application/json\r\n"
            target = self._targets[url] = _Target(origin, head.encode("latin-1"))
        return target

    async def _acquire(self, origin: _Origin) -> tuple[_Connection, bool]:
        """A connection to `origin` (reused, or new within the limit) and whether it was reused."""
        loop = asyncio.get_running_loop()
        while True:
            idle = self._idle[origin]
            while idle:
                connection = idle.pop()
                if connection.reusable and loop.time() - connection.idle_since < self.idle_seconds:
                    return connection, True
                connection.close()
                self._open[origin] -= 1
            if self._open[origin] < self.limit:
                self._open[origin] += 1
                try:
                    return await self._connect(origin), False
                except BaseException:
                    self._closed_one(origin)
                    raise
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiting[origin].append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter in self._waiting[origin]:
                    self._waiting[origin].remove(waiter)
                elif waiter.done() and not waiter.cancelled() and waiter.exception() is None:
                    self._wake(origin)  # the turn given to us goes to the next in line
                raise

    async def _connect(self, origin: _Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        tls = None
        if origin.tls:
            tls = self._tls = self._tls or ssl.create_default_context()
        try:
            _, connection = await loop.create_connection(
                lambda: _Connection(self.max_response_bytes), origin.host, origin.port, ssl=tls
            )
        except OSError as error:  # refused, unreachable, DNS, TLS
            raise ConnectionFailed(f"cannot connect: {error.strerror or type(error).__name__}") from None
        return connection

    def _closed_one(self, origin: _Origin) -> None:
        self._open[origin] -= 1
        self._wake(origin)

    def _wake(self, origin: _Origin) -> None:
        waiting = self._waiting.get(origin)
        while waiting:
            waiter = waiting.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return


# Headers the client itself writes (framing, routing): a caller's value for one of them is never sent.
_OWN_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection", "content-type", "accept"})


def _header_lines(headers: Mapping[str, str]) -> bytes:
    lines = []
    for name, value in headers.items():
        if name.lower() in _OWN_HEADERS:
            continue
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name or ":" in name:
            raise InvalidRequestHeader(name)
        try:
            lines.append(f"{name}: {value}\r\n".encode("latin-1"))
        except UnicodeEncodeError:
            raise InvalidRequestHeader(name) from None
    return b"".join(lines)
