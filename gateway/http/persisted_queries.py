"""Automatic persisted queries (Apollo's APQ protocol, version 1).

A client first sends only `extensions.persistedQuery.sha256Hash`; an unknown hash is
answered with `PersistedQueryNotFound`, and the client retries with the query text,
which is then stored under its hash: in Redis when a URL is configured (shared by all
gateway processes), else in a per-process LRU.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from typing import Protocol

from gateway.bounded_lru import BoundedLRU
from gateway.engine import GraphQLRequest


class PersistedQueryError(Exception):
    """The request's persisted-query extension cannot be honoured; `body` is the answer."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"errors": [{"message": message, "extensions": {"code": code}}]}


class QueryStore(Protocol):
    async def get(self, digest: str) -> str | None: ...

    async def put(self, digest: str, query: str) -> None: ...


class MemoryQueryStore:
    """The `size` most recently used queries of this process, `max_bytes` of text at most
    (a query may be as long as the request body limit allows)."""

    def __init__(self, size: int = 10_000, max_bytes: int = 32 * 2**20) -> None:
        # A str costs its length plus ~50 bytes of header; the 64-character digest key as much again.
        self._queries: BoundedLRU[str] = BoundedLRU(size, max_bytes, lambda query: len(query) + 200)

    async def get(self, digest: str) -> str | None:
        return self._queries.get(digest)

    async def put(self, digest: str, query: str) -> None:
        self._queries.put(digest, query)


class RedisQueryStore:
    """Queries in Redis under `prefix + sha256`, expiring after `ttl` seconds unused."""

    def __init__(self, url: str, prefix: str = "axiom:apq:", ttl: int = 86_400) -> None:
        import redis.asyncio as redis

        self._redis = redis.from_url(url)
        self._prefix = prefix
        self._ttl = ttl

    async def get(self, digest: str) -> str | None:
        value = await self._redis.getex(self._prefix + digest, ex=self._ttl)
        return value.decode() if value is not None else None

    async def put(self, digest: str, query: str) -> None:
        await self._redis.set(self._prefix + digest, query, ex=self._ttl)

    async def close(self) -> None:
        await self._redis.aclose()


async def resolve_persisted(store: QueryStore, request: GraphQLRequest) -> GraphQLRequest:
    """The request with its query text; stores new queries; raises PersistedQueryError."""
    persisted = (request.extensions or {}).get("persistedQuery")
    if persisted is None:
        return request
    if not isinstance(persisted, dict) or persisted.get("version") != 1:
        raise PersistedQueryError(400, "PERSISTED_QUERY_NOT_SUPPORTED", "Unsupported persisted query version.")
    digest = persisted.get("sha256Hash")
    if not isinstance(digest, str):
        raise PersistedQueryError(400, "BAD_REQUEST", "Missing 'sha256Hash'.")
    if request.query:
        if hashlib.sha256(request.query.encode()).hexdigest() != digest.lower():
            raise PersistedQueryError(400, "BAD_REQUEST", "provided sha does not match query")
        await store.put(digest.lower(), request.query)
        return request
    query = await store.get(digest.lower())
    if query is None:
        # 200, as Apollo clients expect, so that they retry with the query text.
        raise PersistedQueryError(200, "PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")
    return replace(request, query=query)
