"""The event bus: sequence numbers, the latest event kept for late subscribers, nothing delivered twice."""

from __future__ import annotations

import asyncio

import pytest
from redis.asyncio import Redis

from subgraphs.vision.jobs.events import EventBus


@pytest.fixture(params=["redis", "in-process"])
async def bus(request, services_settings):
    if request.param == "in-process":
        yield EventBus(None)
        return
    redis = Redis.from_url(services_settings.redis_url)
    yield EventBus(redis)
    await redis.aclose()


async def test_a_late_subscriber_gets_the_latest_state_then_live_events_once(bus, tenant_id):
    topic = f"test:{tenant_id}"
    await bus.publish(topic, {"step": 1}, keep=True)
    stream = bus.stream(topic)
    await stream.open()
    try:
        latest = await bus.latest(topic)
        assert latest["step"] == 1 and stream.seen(latest)
        await bus.publish(topic, {"step": 2}, keep=True)
        await bus.publish(topic, {"step": 3})
        events = aiter(stream)
        heard = [await asyncio.wait_for(anext(events), 5) for _ in range(2)]
    finally:
        await stream.close()
    assert [e["step"] for e in heard] == [2, 3] and heard[0]["seq"] < heard[1]["seq"]
    assert (await bus.latest(topic))["step"] == 2  # only kept events become the latest
    assert not stream.seen(latest) and not stream.seen(heard[0])  # already delivered: skipped


async def test_topics_do_not_leak_into_each_other(bus, tenant_id):
    mine, other = bus.stream(f"a:{tenant_id}"), bus.stream(f"b:{tenant_id}")
    await mine.open()
    await other.open()
    try:
        await bus.publish(f"b:{tenant_id}", {"for": "b"})
        await bus.publish(f"a:{tenant_id}", {"for": "a"})
        assert (await asyncio.wait_for(anext(aiter(mine)), 5))["for"] == "a"
        assert (await asyncio.wait_for(anext(aiter(other)), 5))["for"] == "b"
    finally:
        await mine.close()
        await other.close()
    assert await bus.latest(f"a:{tenant_id}") is None


async def test_a_hundred_and_fifty_streams_share_one_redis_connection_and_each_hears_every_event(
    services_settings, tenant_id
):
    # One pub/sub connection per stream made a burst of subscriptions time out connecting to Redis, and capped
    # all replicas' watchers together at Redis's `maxclients`.
    name = f"bus-test-{tenant_id}"
    redis = Redis.from_url(services_settings.redis_url)
    subscriber = Redis.from_url(services_settings.redis_url, client_name=name)
    bus = EventBus(redis, subscriber)
    topic, other = f"run:{tenant_id}", f"other:{tenant_id}"
    streams = [bus.stream(topic) for _ in range(150)]
    bystander = bus.stream(other)
    try:
        await asyncio.gather(*(s.open() for s in [*streams, bystander]))
        connections = [c for c in await redis.client_list() if c["name"] == name]
        for step in range(1, 4):
            await bus.publish(topic, {"step": step})

        async def hear(stream) -> list[int]:
            events = aiter(stream)
            return [(await asyncio.wait_for(anext(events), 10))["step"] for _ in range(3)]

        heard = await asyncio.gather(*(hear(s) for s in streams))
    finally:
        await asyncio.gather(*(s.close() for s in [*streams, bystander]))
        remaining = [c for c in await redis.client_list() if c["name"] == name]
        await subscriber.aclose()
        await redis.aclose()
    assert len(connections) == 1 and connections[0]["sub"] == "2"  # both topics on one connection
    assert heard == [[1, 2, 3]] * 150
    assert remaining == []  # the last stream closing closed it
