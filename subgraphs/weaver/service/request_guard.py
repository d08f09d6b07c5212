"""Per-tenant rate limit and `Idempotency-Key` handling for create mutations.

Rate limit: a sliding one-minute window per tenant, estimated from two fixed-window counters (the previous
minute's count weighted by how much of it still lies inside the window, plus this minute's count). A fixed
window alone would let a client send twice the limit across a minute boundary. Refused requests are not
counted, so a client that waits `retryAfter` seconds gets through.

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
import math
import time
from dataclasses import dataclass
from typing import Any, Awaitable, Callable

from subgraphs.weaver.store.guard_state import GuardState, IdempotencyState

log = logging.getLogger(__name__)
WINDOW_SECONDS = 60
EPSILON = 1e-6  # float slack, so that waiting exactly `retry_after` seconds is enough


class IdempotencyConflict(Exception):
    """The key was used before with a different input."""


class IdempotencyInProgress(Exception):
    """The first request with this key is still running."""


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0


def sliding_window_decision(previous: int, current: int, elapsed: float, limit: int) -> RateDecision:
    """Decide on a request already counted in `current`.

    `previous`/`current` are the request counts of the previous and the current fixed window, `elapsed` the
    fraction (0..1) of the current window that has passed. When refused, `retry_after` is the wait until one
    more request would fit, assuming the counts stay as they are once this request is taken back.
    """
    if previous * (1 - elapsed) + current <= limit + EPSILON:
        return RateDecision(True)
    taken = current - 1  # this request is not counted when refused
    if taken + 1 <= limit and previous > 0:
        # Within this window, once enough of the previous window has slid out.
        fits_at = 1 - (limit - taken - 1) / previous
        wait = (fits_at - elapsed) * WINDOW_SECONDS
    else:
        # In the next window, where this window's count becomes the weighted one.
        fits_at = 1 - (limit - 1) / taken if taken else 0.0
        wait = (1 - elapsed + max(0.0, fits_at)) * WINDOW_SECONDS
    return RateDecision(False, retry_after=max(1, math.ceil(wait - EPSILON)))


class RequestGuard:
    def __init__(self, state: GuardState, *, limit_per_minute: int, idempotency_ttl: int, secret: str,
                 clock: Callable[[], float] = time.time, idempotency_state: IdempotencyState | None = None):
        self.state = state
        self.idempotency_state: IdempotencyState = idempotency_state or state
        self._clock = clock
        self.limit_per_minute = limit_per_minute
        self.idempotency_ttl = idempotency_ttl
        self._secret = secret.encode()

    async def check_rate(self, tenant_id: str, request_id: str | None = None) -> RateDecision:
        """Count one request of the tenant. Calls sharing a `request_id` (one client operation through the
        gateway) count once: the first is decided, later ones pass."""
        seen = f"req:{tenant_id}:{request_id}" if request_id else None
        if seen is not None and not await self.state.set_nx(seen, "1", 2 * WINDOW_SECONDS):
            return RateDecision(True)
        decision = await self._count(tenant_id)
        if not decision.allowed and seen is not None:
            await self.state.delete(seen)  # a refused operation was not counted; its next call is decided again
        return decision

    async def _count(self, tenant_id: str) -> RateDecision:
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        key = f"rate:{tenant_id}:{window}"
        # The previous window's counter must outlive the whole next window, hence twice the window.
        current, previous = await asyncio.gather(self.state.incr(key, 2 * WINDOW_SECONDS + 1),
                                                 self.state.get(f"rate:{tenant_id}:{window - 1}"))
        decision = sliding_window_decision(int(previous or 0), current, now / WINDOW_SECONDS - window,
                                           self.limit_per_minute)
        if not decision.allowed:
            await self.state.decr(key)
        return decision

    def fingerprint(self, operation: str, values: dict[str, Any]) -> str:
        """Keyed hash of the input (it may hold a password, so a plain hash would not do)."""
        body = json.dumps([operation, values], sort_keys=True, default=str).encode()
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()

    async def once(self, tenant_id: str, key: str, fingerprint: str,
                   run: Callable[[], Awaitable[str | None]], wait_seconds: float = 10.0) -> tuple[str | None, bool]:
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
