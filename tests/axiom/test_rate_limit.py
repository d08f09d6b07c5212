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


class CountingState(MemoryGuardState):
    """One shared store (what Redis is to gateway processes), counting the round trips that count requests."""

    round_trips = 0

    async def incr_get(self, key: str, ttl: int, amount: int, other: str) -> tuple[int, str | None]:
        self.round_trips += 1
        return await super().incr_get(key, ttl, amount, other)


async def test_reserved_units_are_admitted_without_a_round_trip_and_never_past_the_limit():
    state, clock = CountingState(), Clock(6000.0)
    limit = SlidingWindowLimit(state, 100, clock, lease=10)
    decisions = [await limit.check("acme") for _ in range(150)]
    assert sum(d.allowed for d in decisions) == 100
    assert not decisions[100].allowed and decisions[100].retry_after >= 1
    assert state.round_trips <= 100 // 11 + 1 + 50  # one per 11 admitted, then one per refusal


async def test_a_refused_request_gives_back_what_it_used_of_its_reservation():
    clock = Clock(6000.0)
    limit = SlidingWindowLimit(MemoryGuardState(), 10, clock, lease=3)
    assert (await limit.check("acme", 2)).allowed  # 2 counted, 3 reserved
    assert not (await limit.check("acme", 9)).allowed  # uses the 3 held, needs 6 more: refused, all given back
    assert (await limit.check("acme", 8)).allowed  # so 8 of 10 are still free


async def test_the_limit_holds_across_two_processes_sharing_redis_within_the_documented_slack(services_settings):
    """Two gateway processes (two limits over one Redis) with reservations: together never past the limit;
    refused early by at most one reservation (the other process's unused units); released units come back."""
    import asyncio

    from redis.asyncio import Redis

    from axiom.guard_state import RedisGuardState

    redis = Redis.from_url(services_settings.redis_url)
    prefix = f"test:lease:{Clock()()}:{id(redis)}:"
    clock = Clock(6000.0)
    lease = 7
    first, second = (SlidingWindowLimit(RedisGuardState(redis, prefix), 100, clock, lease) for _ in range(2))
    try:
        decisions = await asyncio.gather(*(limit.check("acme") for limit in (first, second) * 120))
        admitted = sum(d.allowed for d in decisions)
        assert 100 - lease <= admitted <= 100
        await first.release()  # e.g. the first process stops: its unused reservation is the second's to use
        more = [await second.check("acme") for _ in range(20)]
        assert admitted + sum(d.allowed for d in more) == 100
        clock.now += 120  # two windows later everything is free again, in either process
        assert (await first.check("acme", 100)).allowed
    finally:
        await redis.aclose()
