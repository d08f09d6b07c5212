"""testConnection answers within its limit whatever the host at the other end does."""

import asyncio
import contextlib
import dataclasses
import time

import pytest

from subgraphs.weaver.service.datasources import DataSourceService

LIMIT = 1.5


@contextlib.asynccontextmanager
async def tcp_server(on_connect):
    server = await asyncio.start_server(on_connect, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def _silent(reader, writer):
    """Accepts the connection, then never says a word (and never closes)."""
    await asyncio.sleep(3600)


async def _http(reader, writer):
    """Answers whatever arrives like a web server would."""
    await reader.read(1024)
    writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    await writer.drain()
    writer.close()


@pytest.mark.parametrize("engine", ["postgresql", "mariadb"])
@pytest.mark.parametrize("peer", [_silent, _http], ids=["silent", "http"])
async def test_wrong_peer_is_unreachable_within_the_limit(engine, peer, runtime, local_params):
    service = DataSourceService(runtime.datasources, runtime.graph, runtime.catalog_sync, connect_timeout=LIMIT)
    async with tcp_server(peer) as port:
        params = dataclasses.replace(local_params, engine=engine, host="127.0.0.1", port=port)
        started = time.monotonic()
        report = await service.test_connection(params)
        elapsed = time.monotonic() - started
    assert not report.reachable and report.message
    assert elapsed < LIMIT + 0.5, elapsed


def test_the_default_limit_is_the_documented_one(runtime):
    assert runtime.datasource_service.connect_timeout == 10.0
