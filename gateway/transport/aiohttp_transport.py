"""HTTP transport to subgraphs: one shared aiohttp session, orjson, in-flight dedup."""

from __future__ import annotations

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
from gateway.transport.ws_subscriptions import WebSocketSubscriber

_JSON = "application/json"


class AiohttpTransport:
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
        self._pool_size = pool_size
        self._session: aiohttp.ClientSession | None = None
        self._streams: aiohttp.ClientSession | None = None
        self._dedup = InflightDeduplicator()
        # Subscriptions get their own session: each holds a connection for its whole
        # life, and must neither wait for nor starve the query pool's `pool_size`.
        self.subscriber = WebSocketSubscriber(self._stream_client, connect_timeout=timeout)

    def _client(self) -> aiohttp.ClientSession:
        # Created lazily: a ClientSession must be born inside the running event loop.
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=self._pool_size, ttl_dns_cache=300)
            self._session = aiohttp.ClientSession(
                connector=connector, json_serialize=lambda o: orjson.dumps(o).decode()
            )
        return self._session

    def _stream_client(self) -> aiohttp.ClientSession:
        if self._streams is None or self._streams.closed:
            self._streams = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0))
        return self._streams

    async def send(
        self, subgraph: str, url: str, body: dict[str, Any], headers: Mapping[str, str], *, deduplicate: bool
    ) -> dict[str, Any]:
        """POST `body`; identical concurrent queries share one request."""
        payload = orjson.dumps(body)
        if deduplicate:
            key = (url, payload, tuple(sorted(h for h in headers.items() if h[0] not in self._dedup_ignored)))
            status, raw = await self._dedup.run(key, lambda: self._post(subgraph, url, payload, headers))
        else:
            status, raw = await self._post(subgraph, url, payload, headers)
        # Each caller decodes its own copy: the executor merges into it in place.
        return _decode(status, raw)

    async def _post(self, subgraph: str, url: str, payload: bytes, headers: Mapping[str, str]) -> tuple[int, bytes]:
        timeout = aiohttp.ClientTimeout(total=self._timeouts.get(subgraph, self._timeout))
        request_headers = {"content-type": _JSON, "accept": _JSON, **headers}
        try:
            async with self._client().post(url, data=payload, headers=request_headers, timeout=timeout) as response:
                raw = await response.read()
        except TimeoutError:
            raise SubgraphTimeout() from None
        except aiohttp.ClientError as error:
            # Connection refused, DNS, reset, a broken payload: the exchange did not complete.
            raise SubgraphConnectError(type(error).__name__) from None
        return response.status, raw

    async def close(self) -> None:
        for session in (self._session, self._streams):
            if session is not None and not session.closed:
                await session.close()
        self._session = self._streams = None


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
