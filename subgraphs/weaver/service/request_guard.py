"""Per-tenant rate limit and `Idempotency-Key` handling for create mutations.

Rate limit: `axiom.rate_limit` (a sliding one-minute window per tenant, one count per gateway operation).

Idempotency: the first request with a key claims it (`pending`), runs, and stores the id it created (`done`); a
repeat with the same input gets that id back, a repeat with different input is refused, a concurrent repeat
waits briefly for the first to finish. These records are kept in `idempotency_state` (PostgreSQL in Weaver), not
with the counters: a replay must find them while Redis is down or after it lost its data.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from axiom.guard_state import GuardState, IdempotencyState
from axiom.rate_limit import OperationRateLimit, RateDecision, SlidingWindowLimit

log = logging.getLogger(__name__)


class IdempotencyConflict(Exception):
    """The key was used before with a different input."""


class IdempotencyInProgress(Exception):
    """The first request with this key is still running."""


class RequestGuard:
    def __init__(
        self,
        state: GuardState,
        *,
        limit_per_minute: int,
        idempotency_ttl: int,
        secret: str,
        clock: Callable[[], float] = time.time,
        idempotency_state: IdempotencyState | None = None,
    ):
        self.state = state
        self.idempotency_state: IdempotencyState = idempotency_state or state
        self.limit_per_minute = limit_per_minute
        self.idempotency_ttl = idempotency_ttl
        self._secret = secret.encode()
        self._rate = OperationRateLimit(SlidingWindowLimit(state, limit_per_minute, clock))

    async def check_rate(self, tenant_id: str, request_id: str | None = None) -> RateDecision:
        """Count one request of the tenant. Calls sharing a `request_id` (one client operation through the
        gateway) count once: the first is decided, later ones pass."""
        return await self._rate.check(tenant_id, request_id)

    def fingerprint(self, operation: str, values: dict[str, Any]) -> str:
        """Keyed hash of the input (it may hold a password, so a plain hash would not do)."""
        body = json.dumps([operation, values], sort_keys=True, default=str).encode()
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    async def once(
        self,
        tenant_id: str,
        key: str,
        fingerprint: str,
        run: Callable[[], Awaitable[str | None]],
        wait_seconds: float = 10.0,
    ) -> tuple[str | None, bool]:
        """Run `run` once per (tenant, key); returns (created id, replayed?).

        `run` returns the created id, or None when it created nothing (then the key is released).
        """
        slot = f"idem:{tenant_id}:{key}"
        deadline = time.monotonic() + wait_seconds
        while not await self.idempotency_state.set_nx(slot, json.dumps({"fp": fingerprint}), self.idempotency_ttl):
            stored = await self.idempotency_state.get(slot)
            if stored is None:
                continue  # expired or released between the two calls: try to claim again
            entry = json.loads(stored)
            if entry["fp"] != fingerprint:
                raise IdempotencyConflict(key)
            if "id" in entry:
                return entry["id"], True
            if time.monotonic() > deadline:
                raise IdempotencyInProgress(key)
            await asyncio.sleep(0.05)
        try:
            created = await run()
        except BaseException:
            await self.idempotency_state.delete(slot)
            raise
        if created is None:
            await self.idempotency_state.delete(slot)
        else:
            done = json.dumps({"fp": fingerprint, "id": created})
            await self.idempotency_state.set(slot, done, self.idempotency_ttl)
        return created, False
