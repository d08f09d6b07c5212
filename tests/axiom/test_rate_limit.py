"""The shared sliding-window rate limit, with weights (the gateway weighs operations by their cost)."""

from __future__ import annotations

from axiom.guard_state import MemoryGuardState
from axiom.rate_limit import RateDecision, SlidingWindowLimit, sliding_window_decision


class Clock:
    def __init__(self, now: float = 6000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_a_weighted_request_fits_only_whole():
    assert sliding_window_decision(0, 5, 0.5, limit=5, weight=4) == RateDecision(True)
    # 2 taken + 4 > 5: in the next window, once the 2 weigh at most 1 (half of it): 30 s + 30 s.
    assert sliding_window_decision(0, 6, 0.5, limit=5, weight=4) == RateDecision(False, retry_after=60)


async def test_weights_count_and_refusals_are_taken_back():
    clock = Clock()
    limit = SlidingWindowLimit(MemoryGuardState(), 5, clock)
    assert (await limit.check("acme", 4)).allowed
    refused = await limit.check("acme", 4)
    assert not refused.allowed and refused.retry_after >= 1
    assert (await limit.check("acme", 1)).allowed  # the refused 4 were not counted
    clock.now += 120
    assert (await limit.check("acme", 4)).allowed


async def test_a_weight_above_the_limit_is_capped_so_it_can_ever_pass():
    limit = SlidingWindowLimit(MemoryGuardState(), 3, Clock())
    assert (await limit.check("acme", 50)).allowed


async def test_a_failing_redis_is_retried_only_every_few_seconds_so_requests_do_not_wait_on_it():
    from redis.asyncio import Redis

    from axiom.embedded.process import free_port
    from axiom.guard_state import FallbackGuardState, RedisGuardState

    class CountingRedisState(RedisGuardState):
        attempts = 0

        async def incr(self, key: str, ttl: int, amount: int = 1) -> int:
            CountingRedisState.attempts += 1
            return await super().incr(key, ttl, amount)

    now = [100.0]
    nobody_listens = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    state = FallbackGuardState(CountingRedisState(nobody_listens), clock=lambda: now[0])
    try:
        assert [await state.incr("k", 60) for _ in range(3)] == [1, 2, 3]  # counted in process meanwhile
        assert CountingRedisState.attempts == 1 and state.degraded
        now[0] += FallbackGuardState.RETRY_SECONDS
        assert await state.incr("k", 60) == 4
        assert CountingRedisState.attempts == 2  # tried again once the pause is over
    finally:
        await nobody_listens.aclose()
