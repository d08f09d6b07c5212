"""The pivot result cache in Redis: keyed by tenant, cube, cube version and refresh, and the normalized query."""

from __future__ import annotations

import logging
import re

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

PREFIX = "vision:pivot"


class PivotCache:
    """Entries expire after REDIS_CACHE_TTL; a refresh also deletes its cube's entries.

    The key carries the cube's version and last refresh, so a stale entry can never be served even when the
    delete after a refresh is lost. Redis failures degrade to a miss: the cache never fails a query.
    """

    def __init__(self, redis: Redis, ttl_seconds: int):
        self.redis = redis
        self.ttl = ttl_seconds

    @staticmethod
    def key(tenant_id: str, cube_id: str, version: int, refreshed: str, fingerprint: str) -> str:
        return f"{PREFIX}:{tenant_id}:{cube_id}:{version}:{refreshed}:{fingerprint}"

    async def get(self, key: str) -> bytes | None:
        try:
            return await self.redis.get(key)
        except RedisError as exc:
            log.warning("pivot cache read failed: %s", exc)
            return None

    async def put(self, key: str, value: bytes) -> None:
        try:
            await self.redis.set(key, value, ex=self.ttl)
        except RedisError as exc:
            log.warning("pivot cache write failed: %s", exc)

    async def invalidate_cube(self, tenant_id: str, cube_id: str) -> int:
        """Delete every cached pivot of a cube; returns how many entries went."""
        deleted = 0
        try:
            async for batch in _batches(
                self.redis.scan_iter(match=f"{PREFIX}:{_glob_escape(tenant_id)}:{cube_id}:*", count=500)
            ):
                deleted += await self.redis.unlink(*batch)
        except RedisError as exc:
            log.warning("pivot cache invalidation failed: %s", exc)
        return deleted


async def _batches(keys, size: int = 500):
    batch = []
    async for key in keys:
        batch.append(key)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def _glob_escape(text: str) -> str:
    return re.sub(r"([*?\[\]\\])", r"\\\1", text)
