"""Refresh runs reach the subscribers of their tenant, over Redis pub/sub and in-process."""

import asyncio
from datetime import UTC, datetime

import pytest
from redis.asyncio import Redis

from subgraphs.vision.service.refresh_events import RefreshEvents, decode, encode
from subgraphs.vision.store.views import RefreshRun


def run_of(tenant: str, status: str = "running") -> RefreshRun:
    return RefreshRun(
        id=f"run-{tenant}",
        cube_id="cube-1",
        tenant_id=tenant,
        trigger="manual",
        status=status,
        started_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        finished_at=None,
        rows=None,
        error=None,
        dag_run_id=None,
    )


@pytest.fixture(params=["redis", "in-process"])
async def events(request, services_settings):
    if request.param == "in-process":
        yield RefreshEvents(None)
        return
    redis = Redis.from_url(services_settings.redis_url)
    yield RefreshEvents(redis)
    await redis.aclose()


def test_a_run_survives_the_wire():
    run = run_of("acme", "succeeded")
    assert decode(encode(run)) == run


async def test_each_tenant_hears_only_its_own_runs(events, tenant_id):
    other = tenant_id + "-other"
    mine, theirs = events.stream(tenant_id), events.stream(other)
    await mine.open()
    await theirs.open()
    try:
        await events.publish(run_of(tenant_id))
        await events.publish(run_of(other))
        await events.publish(run_of(tenant_id, "succeeded"))
        heard = [await asyncio.wait_for(anext(aiter(mine)), 5) for _ in range(2)]
        first_of_theirs = await asyncio.wait_for(anext(aiter(theirs)), 5)
    finally:
        await mine.close()
        await theirs.close()
    assert [(r.tenant_id, r.status) for r in heard] == [(tenant_id, "running"), (tenant_id, "succeeded")]
    assert first_of_theirs.tenant_id == other
