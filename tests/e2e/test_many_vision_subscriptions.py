"""Many independent subscriptions through the gateway, each its own Vision subscription: every one gets every
event, and Vision carries them all on one Redis pub/sub connection (one per subscription timed out connecting
in bursts of about a hundred on a loaded machine, and capped all replicas' watchers at Redis's `maxclients`)."""

from __future__ import annotations

import asyncio
import itertools
import json
import uuid
from datetime import UTC, datetime

import websockets
from redis.asyncio import Redis

from subgraphs.vision.service.refresh_events import RefreshEvents
from subgraphs.vision.store.views import RefreshRun

SUBSCRIBERS = 150


def _watch(index: int) -> str:
    # Distinct aliases: the gateway shares identical subscriptions, these each get their own upstream one.
    return f"subscription {{ w{index}: cubeRefreshes {{ id status }} }}"


def _run(tenant: str, run_id: str, cube_id: str, status: str) -> RefreshRun:
    now = datetime.now(UTC)
    return RefreshRun(run_id, cube_id, tenant, "manual", status, now, None, None, None, None)


async def _pubsub_clients(redis: Redis) -> int:
    return sum(client["sub"] != "0" for client in await redis.client_list())


async def _read(ws, heard: dict[str, list[tuple[str, str]]]) -> None:
    while True:
        message = json.loads(await ws.recv())
        assert message["type"] == "next", message
        assert "errors" not in message["payload"], message
        [run] = message["payload"]["data"].values()
        heard[message["id"]].append((run["id"], run["status"]))


def _sales(heard: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(run_id, status) for run_id, status in heard if not run_id.startswith("warm-up")]


async def _until(check, timeout: float) -> None:
    async with asyncio.timeout(timeout):
        while not check():
            await asyncio.sleep(0.05)


async def test_150_independent_subscriptions_each_get_every_event_over_one_redis_connection(
    system, services_settings, make_token
):
    tenant = f"watchers-{uuid.uuid4().hex[:8]}"  # a tenant of its own: no other test's runs, its own rate limit
    redis = Redis.from_url(services_settings.redis_url)
    events = RefreshEvents(redis)
    heard: dict[str, list[tuple[str, str]]] = {str(i): [] for i in range(SUBSCRIBERS)}
    before = await _pubsub_clients(redis)
    url = system["gateway"].replace("http://", "ws://") + "/graphql"
    try:
        async with websockets.connect(url, subprotocols=["graphql-transport-ws"], max_queue=None) as ws:
            await ws.send(
                json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {make_token(tenant)}"}})
            )
            assert json.loads(await asyncio.wait_for(ws.recv(), 10))["type"] == "connection_ack"
            for index in range(SUBSCRIBERS):
                await ws.send(json.dumps({"id": str(index), "type": "subscribe", "payload": {"query": _watch(index)}}))
            reader = asyncio.create_task(_read(ws, heard))
            # Runs of a warm-up cube until every subscription heard one: from then on each is live in Vision.
            for n in itertools.count():
                await events.publish(_run(tenant, f"warm-up-{n}", "warm-up", "running"))
                try:
                    await _until(lambda: all(heard.values()) or reader.done(), 0.2)
                    break
                except TimeoutError:
                    assert n < 300, f"{sum(map(bool, heard.values()))} of {SUBSCRIBERS} subscriptions live after 60 s"
            during = await _pubsub_clients(redis)
            run, other = str(uuid.uuid4()), str(uuid.uuid4())
            for run_id, status in [(run, "running"), (run, "succeeded"), (other, "running")]:
                await events.publish(_run(tenant, run_id, "sales", status))
            expected = [(run, "RUNNING"), (run, "SUCCEEDED"), (other, "RUNNING")]  # as the API spells them
            await _until(lambda: all(len(_sales(h)) >= 3 for h in heard.values()) or reader.done(), 30)
            if reader.done():
                reader.result()  # its failure
            reader.cancel()
    finally:
        await redis.aclose()
    assert all(_sales(h) == expected for h in heard.values()), heard
    assert during - before <= 1  # one connection for the 150 (none was open before when no one watched)
