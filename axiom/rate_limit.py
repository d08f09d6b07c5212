"""Per-tenant rate limits: a sliding one-minute window, shared by the gateway, Weaver and Vision.

The window is estimated from two fixed-window counters (the previous minute's count weighted by how much of
it still lies inside the window, plus this minute's count). A fixed window alone would let a client send twice
the limit across a minute boundary. Refused requests are not counted, so a client that waits `retryAfter`
seconds gets through. A request may weigh more than one (the gateway weighs operations by their cost).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from axiom.guard_state import GuardState

WINDOW_SECONDS = 60
EPSILON = 1e-6  # float slack, so that waiting exactly `retry_after` seconds is enough


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    retry_after: int = 0


def sliding_window_decision(previous: int, current: int, elapsed: float, limit: int, weight: int = 1) -> RateDecision:
    """Decide on a request of `weight` already counted in `current`.

    `previous`/`current` are the counts of the previous and the current fixed window, `elapsed` the fraction
    (0..1) of the current window that has passed. When refused, `retry_after` is the wait until the request
    would fit, assuming the counts stay as they are once this request is taken back.
    """
    if previous * (1 - elapsed) + current <= limit + EPSILON:
        return RateDecision(True)
    taken = current - weight  # this request is not counted when refused
    if taken + weight <= limit and previous > 0:
        # Within this window, once enough of the previous window has slid out.
        fits_at = 1 - (limit - taken - weight) / previous
        wait = (fits_at - elapsed) * WINDOW_SECONDS
    else:
        # In the next window, where this window's count becomes the weighted one.
        fits_at = 1 - (limit - weight) / taken if taken else 0.0
        wait = (1 - elapsed + max(0.0, fits_at)) * WINDOW_SECONDS
    return RateDecision(False, retry_after=max(1, math.ceil(wait - EPSILON)))


class SlidingWindowLimit:
    """`limit_per_minute` units per key (a tenant), counted in `state` under `rate:<key>:<window>`."""

    def __init__(self, state: GuardState, limit_per_minute: int, clock: Callable[[], float] = time.time) -> None:
        self.state = state
        self.limit_per_minute = limit_per_minute
        self._clock = clock

    async def check(self, key: str, weight: int = 1) -> RateDecision:
        """Count a request of `weight` units (at most the limit) against `key`; refused ones are taken back."""
        weight = max(1, min(weight, self.limit_per_minute))
        now = self._clock()
        window = int(now // WINDOW_SECONDS)
        counter = f"rate:{key}:{window}"
        # The previous window's counter must outlive the whole next window, hence twice the window.
        current, previous = await asyncio.gather(
            self.state.incr(counter, 2 * WINDOW_SECONDS + 1, weight), self.state.get(f"rate:{key}:{window - 1}")
        )
        decision = sliding_window_decision(
            int(previous or 0), current, now / WINDOW_SECONDS - window, self.limit_per_minute, weight
        )
        if not decision.allowed:
            await self.state.decr(counter, weight)
        return decision


class OperationRateLimit:
    """One client operation counted once per tenant, however many subgraph calls it takes: calls sharing a
    `request_id` (the gateway's signed request tag) are decided on the first and pass afterwards."""

    def __init__(self, window: SlidingWindowLimit) -> None:
        self.window = window

    async def check(self, tenant_id: str, request_id: str | None = None, weight: int = 1) -> RateDecision:
        seen = f"req:{tenant_id}:{request_id}" if request_id else None
        state = self.window.state
        if seen is not None and not await state.set_nx(seen, "1", 2 * WINDOW_SECONDS):
            return RateDecision(True)
        decision = await self.window.check(tenant_id, weight)
        if not decision.allowed and seen is not None:
            await state.delete(seen)  # a refused operation was not counted; its next call is decided again
        return decision
