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
    """`limit_per_minute` units per key (a tenant), counted in `state` under `rate:<key>:<window>`.

    With `lease` > 0, a round trip that admits a request also reserves up to `lease` further units of the
    same window in the shared counter, and this process admits those locally without a round trip (the
    gateway's hot path: one Redis round trip per `lease` operations of a tenant instead of two per operation).
    Reserved units count as taken for every process, so the limit is never exceeded; the slack runs the other
    way: while processes hold unused reservations (at most `lease` units each, returned when their window
    ends or the limit closes; a killed process's lapse with the counter), a tenant can be refused up to
    (processes - 1) × `lease` units early. So that a burst does not reserve once per concurrent request, a
    process has one round trip per key in flight; concurrent checks wait for its reservation. A reservation
    made when the window's estimate was within the limit stays within it for the rest of that window, as the
    previous window's weight only shrinks.
    """

    def __init__(
        self, state: GuardState, limit_per_minute: int, clock: Callable[[], float] = time.time, lease: int = 0
    ) -> None:
        self.state = state
        self.limit_per_minute = limit_per_minute
        self.lease = max(0, lease)
        self._clock = clock
        self._leases: dict[str, tuple[int, int]] = {}  # key → (window, reserved units not yet admitted)
        self._reserving: dict[str, asyncio.Event] = {}  # key → set when its round trip in flight is done

    async def check(self, key: str, weight: int = 1) -> RateDecision:
        """Count a request of `weight` units (at most the limit) against `key`; refused ones are taken back."""
        weight = max(1, min(weight, self.limit_per_minute))
        if not self.lease:
            return await self._count(key, weight, self._clock())
        while True:
            now = self._clock()
            window = int(now // WINDOW_SECONDS)
            held_window, held = self._leases.get(key, (window, 0))
            if held_window == window and held >= weight:
                if held > weight:
                    self._leases[key] = (window, held - weight)
                else:
                    del self._leases[key]
                return RateDecision(True)
            reserving = self._reserving.get(key)
            if reserving is None:
                break
            await reserving.wait()
        self._reserving[key] = reserving = asyncio.Event()
        try:
            return await self._count(key, weight, now)
        finally:
            del self._reserving[key]
            reserving.set()

    async def _count(self, key: str, weight: int, now: float) -> RateDecision:
        """The round trip: count the request (and a reservation) in the shared counter, then decide."""
        window = int(now // WINDOW_SECONDS)
        held_window, held = self._leases.pop(key, (window, 0))
        if held_window != window:
            if held:
                await self.state.decr(f"rate:{key}:{held_window}", held)  # unused: give it back to that window
            held = 0
        counter = f"rate:{key}:{window}"
        # This request uses what is still held and counts the rest plus a new reservation. The previous
        # window's counter must outlive the whole next window, hence twice the window.
        needed = weight - held
        count, previous = await self.state.incr_get(
            counter, 2 * WINDOW_SECONDS + 1, needed + self.lease, f"rate:{key}:{window - 1}"
        )
        elapsed = now / WINDOW_SECONDS - window
        counted = count - self.lease  # this request included, the new reservation not
        decision = sliding_window_decision(int(previous or 0), counted, elapsed, self.limit_per_minute, weight)
        if not decision.allowed:
            await self.state.decr(counter, weight + self.lease)
            return decision
        if self.lease:
            room = self.limit_per_minute + EPSILON - int(previous or 0) * (1 - elapsed) - counted
            granted = min(self.lease, max(0, math.floor(room)))
            if granted < self.lease:
                await self.state.decr(counter, self.lease - granted)
            await self._hold(key, window, granted)
        return decision

    async def _hold(self, key: str, window: int, units: int) -> None:
        """Keep `units` reserved in `window` for later requests (other checks may have held some meanwhile)."""
        held_window, held = self._leases.get(key, (window, 0))
        if held_window > window:  # the clock moved on while this request waited
            await self.state.decr(f"rate:{key}:{window}", units)
            return
        if held_window < window and held:
            await self.state.decr(f"rate:{key}:{held_window}", held)
            held = 0
        if held + units:
            self._leases[key] = (window, held + units)

    async def release(self) -> None:
        """Give every unused reservation back to the shared counters (when the process stops)."""
        leases, self._leases = self._leases, {}
        for key, (window, held) in leases.items():
            if held:
                await self.state.decr(f"rate:{key}:{window}", held)


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
