"""CPU per subgraph call of the gateway's HTTP/1.1 client (`gateway.transport.http1_pool`) against aiohttp's
client used as the gateway used it before, in one run: sequential keep-alive POSTs of a GraphQL body with an
Authorization header to a minimal server in another process (so the server costs nothing measurable), the
client process's CPU-µs per call, alternating rounds.

    uv run python bench/subgraph_client.py [--calls 3000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp
import orjson
import uvloop
from gateway_bench_support import free_port, wait_for_port

from gateway.transport.http1_pool import Http1Pool

BODY = orjson.dumps({"query": "{ topProducts(first: 5) { upc name price } }", "variables": {}})
ANSWER = b'{"data":{"topProducts":[{"upc":"1","name":"Table","price":899}]}}'
HEADERS = {"authorization": "Bearer " + "x" * 180}


def serve(port: int) -> None:
    """A keep-alive server answering every request with ANSWER (just enough HTTP for this bench)."""
    response = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n\r\n%s" % (
        len(ANSWER),
        ANSWER,
    )

    class Answering(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            self.transport, self.buffer = transport, b""

        def data_received(self, data: bytes) -> None:
            self.buffer += data
            while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
                length = next(
                    int(line.split(b":")[1])
                    for line in self.buffer[:end].split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                )
                if len(self.buffer) < end + 4 + length:
                    return
                self.buffer = self.buffer[end + 4 + length :]
                self.transport.write(response)  # type: ignore[attr-defined]

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(Answering, "127.0.0.1", port)
        await server.serve_forever()

    uvloop.run(main())


async def cpu_per_call(call: Callable[[], Awaitable[bytes]], calls: int) -> float:
    for _ in range(200):  # connections, caches
        assert await call() == ANSWER
    started = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - started) * 1e6 / calls


async def with_aiohttp(url: str, calls: int) -> float:
    """As the gateway's transport called aiohttp: a shared session, a total timeout and JSON headers per call."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100, ttl_dns_cache=300)) as session:

        async def call() -> bytes:
            headers = {"content-type": "application/json", "accept": "application/json", **HEADERS}
            async with session.post(url, data=BODY, headers=headers, timeout=aiohttp.ClientTimeout(total=10)) as r:
                return await r.read()

        return await cpu_per_call(call, calls)


async def with_pool(url: str, calls: int) -> float:
    """As the gateway's transport calls its pool now, under the same total timeout."""
    pool = Http1Pool()

    async def call() -> bytes:
        async with asyncio.timeout(10):
            return (await pool.post(url, HEADERS, BODY, retry_stale=True))[1]

    try:
        return await cpu_per_call(call, calls)
    finally:
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    port = free_port()
    server = multiprocessing.Process(target=serve, args=(port,), daemon=True)
    server.start()
    try:
        wait_for_port(port)
        url = f"http://127.0.0.1:{port}/graphql"
        found: dict[str, list[float]] = {"aiohttp": [], "http1_pool": []}
        for _ in range(args.rounds):
            found["aiohttp"].append(uvloop.run(with_aiohttp(url, args.calls)))
            found["http1_pool"].append(uvloop.run(with_pool(url, args.calls)))
    finally:
        server.terminate()
    print(f"{args.calls} sequential keep-alive POSTs x {args.rounds} rounds; client CPU-µs per call (incl. syscalls)")
    print(f"{'client':12} {'best':>8} {'median':>8}")
    for name, values in found.items():
        print(f"{name:12} {min(values):8.1f} {statistics.median(values):8.1f}")
    print(f"http1_pool / aiohttp = {min(found['http1_pool']) / min(found['aiohttp']):.2f}x")


if __name__ == "__main__":
    main()
