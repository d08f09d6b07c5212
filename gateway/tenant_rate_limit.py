"""The gateway's rate limit as Axiom runs it: client operations per tenant per minute, weighted by cost.

Counted per client operation before planning, so in-flight deduplication (identical concurrent operations
sharing one subgraph call) saves subgraph work without letting operations past the limit. An operation weighs
one request per started `cost_unit` of its cost: ordinary queries count one, the costliest several.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from redis.asyncio import Redis

from axiom.guard_state import FallbackGuardState, GuardState, MemoryGuardState, RedisGuardState
from axiom.rate_limit import RateDecision, SlidingWindowLimit
from gateway.settings import GatewaySettings

REDIS_TIMEOUT = 1.0  # seconds
# Units a gateway process reserves per Redis round trip, as a share of the limit (see SlidingWindowLimit):
# 2 % of the limit per process at most is held back from the other processes.
LEASE_SHARE = 50


class TenantRateLimit:
    """`(tenant, cost) → RateDecision`, counted in Redis (shared by gateway processes) or in-process."""

    def __init__(
        self,
        state: GuardState,
        limit_per_minute: int,
        cost_unit: int,
        clock: Callable[[], float] = time.time,
        redis: Redis | None = None,
        lease: int = 0,
    ) -> None:
        self.window = SlidingWindowLimit(state, limit_per_minute, clock, lease)
        self.cost_unit = max(1, cost_unit)
        self._redis = redis

    @classmethod
    def from_settings(cls, settings: GatewaySettings) -> TenantRateLimit:
        """RATE_LIMIT_PER_MINUTE and RATE_LIMIT_COST_UNIT; Redis at REDIS_URL (in-process while it fails).

        With Redis, each process reserves 1/LEASE_SHARE of the limit per round trip (none in-process only).
        """
        # Short timeouts: a hung Redis weakens the limit to in-process counting instead of hanging requests.
        redis = (
            Redis.from_url(settings.redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
            if settings.redis_url
            else None
        )
        state: GuardState = (
            FallbackGuardState(RedisGuardState(redis, prefix="gateway:guard:"))
            if redis is not None
            else MemoryGuardState()
        )
        lease = settings.rate_limit_per_minute // LEASE_SHARE if redis is not None else 0
        return cls(state, settings.rate_limit_per_minute, settings.rate_limit_cost_unit, redis=redis, lease=lease)

    def weight(self, cost: int) -> int:
        """Requests an operation of this cost counts as."""
        return 1 + cost // self.cost_unit

    async def __call__(self, tenant_id: str, cost: int) -> RateDecision:
        return await self.window.check(tenant_id, self.weight(cost))

    async def close(self) -> None:
        await self.window.release()
        if self._redis is not None:
            await self._redis.aclose()
