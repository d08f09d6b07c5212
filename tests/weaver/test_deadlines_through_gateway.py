"""Timeouts across the gateway (issue 8 §3), with Weaver and the gateway served over real HTTP in this process:
Weaver's coded TIMEOUT reaches the client, and a request nobody waits for stops its SQL (pg_stat_activity)."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid

import asyncpg
import httpx
import pytest
import uvicorn

from axiom.deadlines import GATEWAY_MARGIN, gateway_timeouts, weaver_deadline
from gateway.main import create_app as create_gateway
from subgraphs.weaver.app import create_app as create_weaver
from weaver.test_app import register

RUN = "mutation($d: ID!, $sql: String!) { runQuery(dataSourceId: $d, sql: $sql) { rowCount } }"


@contextlib.asynccontextmanager
async def serve(app):
    """Serve an ASGI app (lifespan included) on a free loopback port; yields its /graphql URL."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    while not server.started:
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/graphql"
    finally:
        server.should_exit = server.force_exit = True
        await task


@contextlib.asynccontextmanager
async def stack(settings):
    """Weaver and a gateway in front of it, both built from `settings`."""
    async with serve(create_weaver(settings)) as weaver_url:
        gateway_settings = settings.with_subgraph_urls(weaver=weaver_url)
        async with serve(create_gateway(gateway_settings)) as gateway_url:
            yield weaver_url, gateway_url


async def running_statements(database_url: str, marker: str) -> int:
    conn = await asyncpg.connect(database_url)
    try:
        return await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE $1 AND pid <> pg_backend_pid()", f"%{marker}%"
        )
    finally:
        await conn.close()


async def wait_until_running(database_url: str, marker: str, expected: int, timeout: float) -> float:
    """Seconds until `expected` statements carrying `marker` run (fails after `timeout`)."""
    started = time.monotonic()
    while await running_statements(database_url, marker) != expected:
        assert time.monotonic() - started < timeout, f"still not {expected} statements with {marker}"
        await asyncio.sleep(0.1)
    return time.monotonic() - started


def test_the_gateway_always_waits_longer_than_the_subgraph(services_settings):
    settings = services_settings.replace(query_timeout=30.0, subgraph_timeout=10.0)
    assert gateway_timeouts(settings)["weaver"] == weaver_deadline(settings) + GATEWAY_MARGIN > 30.0
    assert gateway_timeouts(settings)["vision"] > 3 * 30.0


async def test_a_slow_query_answers_timeout_through_the_gateway(
    services_settings, runtime, tenant_id, local_params, source_schema, make_token
):
    # The gateway's floor (SUBGRAPH_TIMEOUT) is shorter than the query timeout: the subgraph's answer still wins.
    settings = services_settings.replace(query_timeout=2.0, subgraph_timeout=0.5)
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    async with stack(settings) as (_, gateway_url), httpx.AsyncClient(timeout=60) as client:
        response = await client.post(
            gateway_url,
            json={"query": RUN, "variables": {"d": record.id, "sql": "SELECT pg_sleep(10)"}},
            headers={"authorization": f"Bearer {make_token(tenant_id)}"},
        )
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "TIMEOUT", error
    assert "2 s" in error["message"]


@pytest.mark.parametrize("via", ["gateway", "weaver"])
async def test_a_request_nobody_waits_for_stops_its_sql(
    via, services_settings, runtime, tenant_id, local_params, source_schema, make_token
):
    """The client of the gateway disconnects, or a caller of Weaver (the gateway) gives up: the SQL stops
    long before QUERY_TIMEOUT."""
    settings = services_settings.replace(query_timeout=60.0)
    record = await register(runtime, tenant_id, schemas=[source_schema], local=local_params)
    marker = f"m{uuid.uuid4().hex[:12]}"
    body = {"query": RUN, "variables": {"d": record.id, "sql": f"SELECT pg_sleep(60), '{marker}' AS tag"}}
    async with stack(settings) as urls, httpx.AsyncClient() as client:
        url = urls[1] if via == "gateway" else urls[0]
        request = asyncio.ensure_future(
            client.post(url, json=body, timeout=60, headers={"authorization": f"Bearer {make_token(tenant_id)}"})
        )
        await wait_until_running(services_settings.database_url, marker, 1, timeout=10)
        request.cancel()  # closes the connection, as a client giving up does
        await asyncio.gather(request, return_exceptions=True)
        assert await wait_until_running(services_settings.database_url, marker, 0, timeout=5) < 5
