"""Counters and keys of the request guard: Redis when configured, else an in-process fallback; and the
`Idempotency-Key` records, which live in PostgreSQL.

All offer the same operations, with expiry in seconds.
"""

from __future__ import annotations

import logging
import time
from typing import Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger(__name__)


class IdempotencyState(Protocol):
    """Keys with expiry: what `Idempotency-Key` records need."""

    name: str

    async def set_nx(self, key: str, value: str, ttl: int) -> bool: ...
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, ttl: int) -> None: ...
    async def delete(self, key: str) -> None: ...


class GuardState(IdempotencyState, Protocol):
    """Keys and counters: what the rate limit needs."""

    async def incr(self, key: str, ttl: int) -> int: ...
    async def decr(self, key: str) -> None: ...


class RedisGuardState:
    name = "redis"

    def __init__(self, redis: Redis, prefix: str = "weaver:guard:"):
        self._redis = redis
        self._prefix = prefix

    async def incr(self, key: str, ttl: int) -> int:
        pipe = self._redis.pipeline(transaction=True)
        pipe.incr(self._prefix + key)
        pipe.expire(self._prefix + key, ttl, nx=True)
        count, _ = await pipe.execute()
        return int(count)

    async def decr(self, key: str) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.decr(self._prefix + key)
        # Had the key expired in between, DECR would create it without a TTL; give it one.
        pipe.expire(self._prefix + key, 60, nx=True)
        await pipe.execute()

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        return bool(await self._redis.set(self._prefix + key, value, ex=ttl, nx=True))

    async def get(self, key: str) -> str | None:
        value = await self._redis.get(self._prefix + key)
        return value.decode() if isinstance(value, bytes) else value

    async def set(self, key: str, value: str, ttl: int) -> None:
        await self._redis.set(self._prefix + key, value, ex=ttl)

    async def delete(self, key: str) -> None:
        await self._redis.delete(self._prefix + key)


class MemoryGuardState:
    """One process only: limits are per process and keys do not survive restarts."""

    name = "in-process"

    def __init__(self, max_keys: int = 100_000):
        self._values: dict[str, tuple[str, float]] = {}
        self._max_keys = max_keys

    def _live(self, key: str) -> str | None:
        entry = self._values.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._values[key]
            return None
        return entry[0]

    def _put(self, key: str, value: str, ttl: int) -> None:
        if len(self._values) >= self._max_keys:
            now = time.monotonic()
            self._values = {k: v for k, v in self._values.items() if v[1] > now}
        self._values[key] = (value, time.monotonic() + ttl)

    async def incr(self, key: str, ttl: int) -> int:
        current = self._live(key)
        if current is None:
            self._put(key, "1", ttl)
            return 1
        count = int(current) + 1
        self._values[key] = (str(count), self._values[key][1])
        return count

    async def decr(self, key: str) -> None:
        current = self._live(key)
        if current is not None:
            self._values[key] = (str(int(current) - 1), self._values[key][1])

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        if self._live(key) is not None:
            return False
        self._put(key, value, ttl)
        return True

    async def get(self, key: str) -> str | None:
        return self._live(key)

    async def set(self, key: str, value: str, ttl: int) -> None:
        self._put(key, value, ttl)

    async def delete(self, key: str) -> None:
        self._values.pop(key, None)


class FallbackGuardState:
    """Redis first; while Redis fails, the in-process state answers (fail-open to a weaker guard rather than
    failing every request). Readiness still reports Redis down."""

    def __init__(self, primary: RedisGuardState, fallback: MemoryGuardState | None = None):
        self.primary = primary
        self.fallback = fallback or MemoryGuardState()
        self.degraded = False

    @property
    def name(self) -> str:
        return f"{self.fallback.name} (redis failing)" if self.degraded else self.primary.name

    async def _call(self, method: str, *args):
        try:
            result = await getattr(self.primary, method)(*args)
        except (RedisError, OSError) as exc:
            if not self.degraded:
                log.warning("request guard: Redis failed (%s), using the in-process fallback", type(exc).__name__)
            self.degraded = True
            return await getattr(self.fallback, method)(*args)
        self.degraded = False
        return result

    async def incr(self, key: str, ttl: int) -> int:
        return await self._call("incr", key, ttl)

    async def decr(self, key: str) -> None:
        await self._call("decr", key)

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        return await self._call("set_nx", key, value, ttl)

    async def get(self, key: str) -> str | None:
        return await self._call("get", key)

    async def set(self, key: str, value: str, ttl: int) -> None:
        await self._call("set", key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._call("delete", key)


class PostgresGuardState:
    """Keys with expiry in `weaver.idempotency_keys`, for records that must survive what Redis may lose.

    An idempotent create's record (its input's fingerprint, then the id it made) must be found by a replay
    even while Redis is down or after it restarted empty; otherwise the replay runs the create again. These
    records are written once or twice per create, so PostgreSQL's cost does not matter. Counters are not
    kept here (rate limits stay in Redis).
    """

    name = "postgres"
    _PURGE_EVERY_SECONDS = 60.0

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self._next_purge = 0.0

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        # An expired row counts as absent: the claim takes it over.
        async with self._engine.begin() as conn:
            await self._purge_expired(conn)
            claimed = (await conn.execute(text(
                """INSERT INTO weaver.idempotency_keys (key, value, expires_at)
                   VALUES (:key, :value, now() + make_interval(secs => :ttl))
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
                   WHERE weaver.idempotency_keys.expires_at <= now()
                   RETURNING key"""), {"key": key, "value": value, "ttl": ttl})).first()
        return claimed is not None

    async def get(self, key: str) -> str | None:
        async with self._engine.connect() as conn:
            return (await conn.execute(text(
                "SELECT value FROM weaver.idempotency_keys WHERE key = :key AND expires_at > now()"),
                {"key": key})).scalar_one_or_none()

    async def set(self, key: str, value: str, ttl: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(text(
                """INSERT INTO weaver.idempotency_keys (key, value, expires_at)
                   VALUES (:key, :value, now() + make_interval(secs => :ttl))
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at"""),
                {"key": key, "value": value, "ttl": ttl})

    async def delete(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(text("DELETE FROM weaver.idempotency_keys WHERE key = :key"), {"key": key})

    async def _purge_expired(self, conn) -> None:
        """Expired records of keys never used again would stay forever; drop them now and then."""
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + self._PURGE_EVERY_SECONDS
        await conn.execute(text("DELETE FROM weaver.idempotency_keys WHERE expires_at <= now()"))
