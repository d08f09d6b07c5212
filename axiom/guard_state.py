"""Counters and keys of request guards (rate limits, idempotency): Redis when configured, else an in-process
fallback. Used by the gateway and the subgraphs, each under its own key prefix.

Both offer the same operations, with expiry in seconds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

from redis.asyncio import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)


class IdempotencyState(Protocol):
    """Keys with expiry: what `Idempotency-Key` records need."""

    @property
    def name(self) -> str:
        """Where the keys live, for logs and readiness (read-only: the fallback state computes it)."""
        ...

    async def set_nx(self, key: str, value: str, ttl: int) -> bool: ...
    async def get(self, key: str) -> str | None: ...
    async def set(self, key: str, value: str, ttl: int) -> None: ...
    async def delete(self, key: str) -> None: ...


class GuardState(IdempotencyState, Protocol):
    """Keys and counters: what the rate limit needs."""

    async def incr(self, key: str, ttl: int, amount: int = 1) -> int: ...
    async def decr(self, key: str, amount: int = 1) -> None: ...
    async def incr_get(self, key: str, ttl: int, amount: int, other: str) -> tuple[int, str | None]:
        """`incr(key, ttl, amount)` and `get(other)` in one round trip."""
        ...


class RedisGuardState:
    name = "redis"

    def __init__(self, redis: Redis, prefix: str = "weaver:guard:") -> None:
        self._redis = redis
        self._prefix = prefix

    async def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        pipe = self._redis.pipeline(transaction=True)
        pipe.incrby(self._prefix + key, amount)
        pipe.expire(self._prefix + key, ttl, nx=True)
        count, _ = await pipe.execute()
        return int(count)

    async def incr_get(self, key: str, ttl: int, amount: int, other: str) -> tuple[int, str | None]:
        pipe = self._redis.pipeline(transaction=True)
        pipe.incrby(self._prefix + key, amount)
        pipe.expire(self._prefix + key, ttl, nx=True)
        pipe.get(self._prefix + other)
        count, _, value = await pipe.execute()
        return int(count), value.decode() if isinstance(value, bytes) else value

    async def decr(self, key: str, amount: int = 1) -> None:
        pipe = self._redis.pipeline(transaction=True)
        pipe.decrby(self._prefix + key, amount)
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

    def __init__(self, max_keys: int = 100_000) -> None:
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

    async def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        current = self._live(key)
        if current is None:
            self._put(key, str(amount), ttl)
            return amount
        count = int(current) + amount
        self._values[key] = (str(count), self._values[key][1])
        return count

    async def incr_get(self, key: str, ttl: int, amount: int, other: str) -> tuple[int, str | None]:
        return await self.incr(key, ttl, amount), self._live(other)

    async def decr(self, key: str, amount: int = 1) -> None:
        current = self._live(key)
        if current is not None:
            self._values[key] = (str(int(current) - amount), self._values[key][1])

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

    # While Redis fails, it is tried again only this often: a hung Redis (each call waiting out its socket
    # timeout) would otherwise slow every request down instead of just weakening the guard.
    RETRY_SECONDS = 5.0

    def __init__(
        self,
        primary: RedisGuardState,
        fallback: MemoryGuardState | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.primary = primary
        self.fallback = fallback or MemoryGuardState()
        self.degraded = False
        self._clock = clock
        self._retry_at = 0.0

    @property
    def name(self) -> str:
        return f"{self.fallback.name} (redis failing)" if self.degraded else self.primary.name

    async def _call(self, method: str, *args: Any) -> Any:
        if self.degraded and self._clock() < self._retry_at:
            return await getattr(self.fallback, method)(*args)
        try:
            result = await getattr(self.primary, method)(*args)
        except (RedisError, OSError) as exc:
            if not self.degraded:
                log.warning("request guard: Redis failed (%s), using the in-process fallback", type(exc).__name__)
            self.degraded = True
            self._retry_at = self._clock() + self.RETRY_SECONDS
            return await getattr(self.fallback, method)(*args)
        self.degraded = False
        return result

    async def incr(self, key: str, ttl: int, amount: int = 1) -> int:
        count: int = await self._call("incr", key, ttl, amount)
        return count

    async def incr_get(self, key: str, ttl: int, amount: int, other: str) -> tuple[int, str | None]:
        found: tuple[int, str | None] = await self._call("incr_get", key, ttl, amount, other)
        return found

    async def decr(self, key: str, amount: int = 1) -> None:
        await self._call("decr", key, amount)

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        stored: bool = await self._call("set_nx", key, value, ttl)
        return stored

    async def get(self, key: str) -> str | None:
        value: str | None = await self._call("get", key)
        return value

    async def set(self, key: str, value: str, ttl: int) -> None:
        await self._call("set", key, value, ttl)

    async def delete(self, key: str) -> None:
        await self._call("delete", key)
