"""The fan-out of shared subscriptions, without a network: one producer per key, bodies to
every subscriber, a slow subscriber ended instead of buffering without bound, the producer
cancelled with the last subscriber, entity fetch headers from the newest subscriber."""

from __future__ import annotations

import asyncio

from gateway.executor.fanout import SharedSubscriptions


class Feed:
    """A controllable upstream: `push` bodies, count `starts`, see when it is closed."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue = asyncio.Queue()
        self.starts = 0
        self.closed = asyncio.Event()
        self.headers_seen: list[dict] = []

    def start(self, event_headers):
        self.starts += 1

        async def bodies():
            try:
                while True:
                    body = await self.queue.get()
                    if body is None:
                        return
                    self.headers_seen.append(dict(event_headers()))
                    yield body
            finally:
                self.closed.set()

        return bodies()


async def test_subscribers_of_one_key_share_one_producer_and_each_gets_every_body():
    hub, feed = SharedSubscriptions(), Feed()
    first = hub.join("k", {"authorization": "old"}, feed.start)
    second = hub.join("k", {"authorization": "new"}, feed.start)
    feed.queue.put_nowait({"n": 1})
    feed.queue.put_nowait(None)
    assert [b async for b in first] == [{"n": 1}]
    assert [b async for b in second] == [{"n": 1}]
    assert feed.starts == 1
    assert feed.headers_seen == [{"authorization": "new"}]  # the newest subscriber's token


async def test_the_producer_is_cancelled_when_the_last_subscriber_leaves():
    hub, feed = SharedSubscriptions(), Feed()
    first, second = hub.join("k", {}, feed.start), hub.join("k", {}, feed.start)
    feed.queue.put_nowait({"n": 1})
    assert await anext(first) == {"n": 1}
    await first.aclose()
    assert not feed.closed.is_set() and hub.subscribers == 1
    await second.aclose()
    await asyncio.wait_for(feed.closed.wait(), 1)
    assert hub.streams == 0
    # A new subscriber after that starts a fresh upstream.
    hub.join("k", {}, feed.start)
    assert feed.starts == 2


async def test_a_subscriber_that_does_not_read_is_ended_with_an_error_not_buffered_forever():
    hub, feed = SharedSubscriptions(queue_limit=3), Feed()
    reader, idle = hub.join("k", {}, feed.start), hub.join("k", {}, feed.start)
    for n in range(5):
        feed.queue.put_nowait({"n": n})
        assert await anext(reader) == {"n": n}
    received = [b async for b in idle]
    assert received[-1]["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_CLIENT_TOO_SLOW"
    assert len(received) == 1 and hub.subscribers == 1  # the reader carries on
