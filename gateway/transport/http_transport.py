"""HTTP transport to subgraphs: keep-alive HTTP/1.1 pool for queries and mutations (`http1_pool`), orjson,
in-flight dedup; WebSocket subscriptions over aiohttp."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping
from typing import Any

import aiohttp
import orjson

from gateway.transport.base import (
    InvalidResponseBody,
    SubgraphConnectError,
    SubgraphStatusError,
    SubgraphTimeout,
)
from gateway.transport.dedup import InflightDeduplicator
from gateway.transport.http1_pool import ConnectionFailed, Http1Pool, InvalidRequestHeader, MalformedResponse
from gateway.transport.ws_subscriptions import WebSocketSubscriber


class HttpTransport:
    """Keep-alive connection pool shared by all requests; per-subgraph timeouts."""

    def __init__(
        self,
        timeout: float = 10.0,
        timeouts: Mapping[str, float] | None = None,
        pool_size: int = 100,
        dedup_ignored_headers: Collection[str] = (),
    ) -> None:
        self._timeout = timeout
        self._dedup_ignored = frozenset(dedup_ignored_headers)
        self._timeouts = dict(timeouts or {})
        self._pool = Http1Pool(limit=pool_size)
        self._streams: aiohttp.ClientSession | None = None
        self._dedup = InflightDeduplicator()
        # Subscriptions get their own session: each holds a connection for its whole
        # life, and must neither wait for nor starve the query pool's `pool_size`.
        self.subscriber = WebSocketSubscriber(self._stream_client, connect_timeout=timeout)

    def _stream_client(self) -> aiohttp.ClientSession:
        if self._streams is None or self._streams.closed:
            self._streams = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._streams

    async def send(
        self, subgraph: str, url: str, body: dict[str, Any], headers: Mapping[str, str], *, deduplicate: bool
    ) -> dict[str, Any]:
        """POST `body`; `deduplicate` (a query): identical concurrent ones share one request, and a request that
        meets a keep-alive connection the subgraph had just closed is sent again on a new one."""
        payload = orjson.dumps(body)
        if deduplicate:
            key = (url, payload, tuple(sorted(h for h in headers.items() if h[0] not in self._dedup_ignored)))
            status, raw = await self._dedup.run(key, lambda: self._post(subgraph, url, payload, headers, True))
        else:
            status, raw = await self._post(subgraph, url, payload, headers, False)
        # Each caller decodes its own copy: the executor merges into it in place.
        return _decode(status, raw)

    async def _post(
        self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str], query: bool
    ) -> tuple[int, bytes]:
        try:
            async with asyncio.timeout(self._timeouts.get(subgraph, self._timeout)):
                return await self._pool.post(url, headers, payload, retry_stale=query)
        except TimeoutError:
            raise SubgraphTimeout() from None
        except (ConnectionFailed, InvalidRequestHeader) as error:
            # Refused, unreachable, reset, closed mid-answer: the exchange did not complete.
            raise SubgraphConnectError(str(error)) from None
        except MalformedResponse as error:
            raise InvalidResponseBody(str(error)) from None

    async def close(self) -> None:
        await self._pool.close()
        if self._streams is not None and not self._streams.closed:
            await self._streams.close()
        self._streams = None


def _decode(status: int, raw: bytes) -> dict[str, Any]:
    """The GraphQL response in `raw`, whatever the status (subgraphs answer request errors
    with 4xx and a GraphQL body); a body that is not one is an error named by the status."""
    try:
        decoded, reason = orjson.loads(raw), "not a GraphQL response"
    except orjson.JSONDecodeError:
        decoded, reason = None, "body is not JSON"
    if isinstance(decoded, dict) and ("data" in decoded or "errors" in decoded):
        return decoded
    if not 200 <= status < 300:
        raise SubgraphStatusError(status)
    raise InvalidResponseBody(reason, status)
