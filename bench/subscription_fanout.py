"""N dashboards watching one cube's refreshes through one gateway: shared upstream vs one upstream each.

Starts embedded PostgreSQL and Valkey, loads the demo cubes, then runs Vision and two gateway processes
(`GATEWAY_MULTIPLEX_SUBSCRIPTIONS=true` and `false`) as `axiom serve` does. For each gateway in turn,
`--subscribers` WebSocket clients (each its own token: one tenant, different users) subscribe to
`cubeRefreshes(cube: "Sales")`; then `--events` refresh runs are published the way Vision publishes them
(Redis pub/sub, the tenant's channel), `--interval` seconds apart. Reported per mode:

- upstream subscriptions: the gateway's `axiom_gateway_upstream_subscriptions`, and the Redis connections
  Vision's subscriptions use (`CLIENT LIST`, name `vision-events`: one per Vision process, however many);
- gateway RSS growth per subscriber (VmRSS after all subscribed minus before, / N);
- fan-out latency per event from the publish to the *last* client receiving it: p50 / p95 over events;
- events lost (expected N × events, minus those received within `LOST_AFTER` seconds of their publish).

    uv run python bench/subscription_fanout.py [--subscribers 1000] [--events 20] [--interval 0.5]

The clients run in this process (one asyncio loop) on the same 2 cores as the servers: latencies include
their own receive cost, equally in both modes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import orjson
from redis.asyncio import Redis
from sqlalchemy import text

from axiom.auth import issue_token
from axiom.database import DatabaseSettings, create_engine
from axiom.demo import DEMO_TENANT, demo_reader_password, load_demo_data
from axiom.embedded import EmbeddedServices, EmbeddedSettings
from axiom.embedded.process import ManagedProcess, free_port
from axiom.migrate import upgrade
from axiom.settings import Settings
from subgraphs.vision.demo import load_demo_cubes
from subgraphs.vision.service.refresh_events import RefreshEvents
from subgraphs.vision.store.views import RefreshRun
from subgraphs.weaver.demo import register_demo_datasource

LOST_AFTER = 10.0  # seconds after its publish: an event not delivered by then counts as lost
WATCH = 'subscription { cubeRefreshes(cube: "Sales") { id status rows cube { name } } }'


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def gauge(http: aiohttp.ClientSession, base: str, name: str) -> float:
    async with http.get(f"{base}/metrics") as response:
        text = await response.text()
    return float(next(line.split()[-1] for line in text.splitlines() if line.startswith(name + " ")))


class Dashboard:
    """One subscriber: records when each run id arrives."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.task: asyncio.Task | None = None

    async def open(self, http: aiohttp.ClientSession, url: str, token: str) -> None:
        self.ws = await http.ws_connect(url, protocols=("graphql-transport-ws",), max_msg_size=0)
        await self.ws.send_str(
            orjson.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}).decode()
        )
        ack = orjson.loads((await self.ws.receive(timeout=30)).data)
        assert ack["type"] == "connection_ack", ack
        await self.ws.send_str(orjson.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH}}).decode())
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                return
            decoded = orjson.loads(message.data)
            if decoded.get("type") == "next":
                run = (decoded["payload"].get("data") or {}).get("cubeRefreshes") or {}
                self.arrivals.setdefault(run.get("id"), time.perf_counter())
            elif decoded.get("type") == "ping":
                await self.ws.send_str('{"type":"pong"}')

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        if self.ws is not None:
            await self.ws.close()


async def run_mode(label: str, base: str, pid: int, settings: Settings, sales_id: str, args) -> dict:
    redis = Redis.from_url(settings.redis_url)
    url = base.replace("http://", "ws://") + "/graphql"
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        before = rss_kib(pid)
        dashboards = [Dashboard() for _ in range(args.subscribers)]
        for start in range(0, len(dashboards), 50):  # a dashboard wave, not one SYN flood
            await asyncio.gather(
                *(
                    d.open(
                        http,
                        url,
                        issue_token(settings, tenant_id=DEMO_TENANT, subject=f"viewer-{start + i}", roles=("analyst",)),
                    )
                    for i, d in enumerate(dashboards[start : start + 50])
                )
            )
        await _warm_up(redis, dashboards, sales_id)
        after = rss_kib(pid)
        upstream_gateway = await gauge(http, base, "axiom_gateway_upstream_subscriptions")
        vision_connections = sum(c["name"] == "vision-events" for c in await redis.client_list())
        latencies, lost, ids = [], 0, []
        for _ in range(args.events):
            run = _run(sales_id)
            ids.append(run.id)
            published = time.perf_counter()
            await RefreshEvents(redis).publish(run)
            deadline = published + max(args.interval, LOST_AFTER)
            while time.perf_counter() < deadline and not all(run.id in d.arrivals for d in dashboards):
                await asyncio.sleep(0.005)
            got = [d.arrivals[run.id] for d in dashboards if run.id in d.arrivals]
            lost += len(dashboards) - len(got)
            if got:
                latencies.append((max(got) - published) * 1000)
            await asyncio.sleep(max(0.0, published + args.interval - time.perf_counter()))
        for dashboard in dashboards:
            await dashboard.close()
    await redis.aclose()
    latencies.sort()
    return {
        "mode": label,
        "upstream (gateway metric)": upstream_gateway,
        "Vision Redis connections": vision_connections,
        "RSS KiB/subscriber": (after - before) / args.subscribers,
        "p50 ms": statistics.median(latencies),
        "p95 ms": latencies[min(len(latencies) - 1, int(len(latencies) * 0.95))],
        "lost": lost,
        "expected": args.subscribers * args.events,
    }


async def _warm_up(redis: Redis, dashboards: list[Dashboard], cube_id: str, timeout: float = 120) -> None:
    """Publish runs until every dashboard received one: from then on each subscription is live all the way
    (subscribed in Redis by Vision; joined to the gateway's shared stream), so a later event cannot be lost to a
    subscription still being set up. Seldom: each event costs Vision one execution per upstream subscription."""
    deadline = time.monotonic() + timeout
    while True:
        run = _run(cube_id)
        await RefreshEvents(redis).publish(run)
        await asyncio.sleep(1.0)
        if all(run.id in d.arrivals for d in dashboards):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sum(run.id in d.arrivals for d in dashboards)} dashboards are live")


def _run(cube_id: str) -> RefreshRun:
    now = datetime.now(UTC)
    return RefreshRun(
        id=str(uuid.uuid4()),
        cube_id=cube_id,
        tenant_id=DEMO_TENANT,
        trigger="manual",
        status="succeeded",
        started_at=now,
        finished_at=now,
        rows=1,
        error=None,
        dag_run_id=None,
    )


def start_processes(folder: Path, settings: Settings, env: dict) -> dict:
    ports = {name: free_port() for name in ("vision", "gateway-on", "gateway-off")}
    common = {
        **os.environ,
        **env,
        "LOG_LEVEL": "WARNING",
        "VISION_PORT": str(ports["vision"]),
        "VISION_URL": f"http://127.0.0.1:{ports['vision']}/graphql",
        "NEO4J_URI": settings.neo4j_uri,
        "GRAPHIQL": "false",
        # Every subscription start is a client operation: the per-tenant limit (600 a minute) would refuse the
        # dashboards past it, and the bench measures fan-out, not the limit.
        "RATE_LIMIT_PER_MINUTE": "1000000",
    }
    processes = {}
    for name, extra in (
        ("vision", {}),
        ("gateway-on", {"GATEWAY_PORT": str(ports["gateway-on"]), "GATEWAY_MULTIPLEX_SUBSCRIPTIONS": "true"}),
        ("gateway-off", {"GATEWAY_PORT": str(ports["gateway-off"]), "GATEWAY_MULTIPLEX_SUBSCRIPTIONS": "false"}),
    ):
        process = ManagedProcess(name, folder)
        service = "vision" if name == "vision" else "gateway"
        process.start([sys.executable, "-m", "axiom.cli", "serve", service], env={**common, **extra})
        process.wait_http_ok(f"http://127.0.0.1:{ports[name]}/health/live", 60)
        processes[name] = (process, f"http://127.0.0.1:{ports[name]}")
    return processes


async def prepare(settings: Settings) -> str:
    """Demo data and cubes loaded; the Sales cube's id."""
    await load_demo_data(settings.database_url, reader_password=demo_reader_password(settings.encryption_key))
    cubes = await load_demo_cubes(settings, await register_demo_datasource(settings))
    engine = create_engine(DatabaseSettings.of(settings), pool_size=1, max_overflow=0)
    try:
        async with engine.connect() as conn:
            row = (
                await conn.execute(
                    text("SELECT id FROM vision.cubes WHERE tenant_id = :t AND name = 'Sales'"), {"t": DEMO_TENANT}
                )
            ).first()
    finally:
        await engine.dispose()
    assert row is not None and str(row[0]) in cubes
    return str(row[0])


def print_table(results: list[dict]) -> None:
    columns = list(results[0])
    print(" | ".join(columns))
    for result in results:
        print(" | ".join(f"{result[c]:.1f}" if isinstance(result[c], float) else str(result[c]) for c in columns))
    on, off = results
    print(
        f"multiplexing on vs off: upstream {on['upstream (gateway metric)']:.0f} vs "
        f"{off['upstream (gateway metric)']:.0f}, "
        f"RSS/subscriber {on['RSS KiB/subscriber'] / max(off['RSS KiB/subscriber'], 0.001):.2f}x, "
        f"p50 {on['p50 ms'] / off['p50 ms']:.2f}x, p95 {on['p95 ms'] / off['p95 ms']:.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscribers", type=int, default=1000)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between published runs")
    args = parser.parse_args()
    base = Settings.from_env()
    with tempfile.TemporaryDirectory(prefix="fanout-bench-") as folder:
        services = EmbeddedServices(Path(folder), preferred_ports=False, durable=False)
        # The graph server too: the demo cubes are built over Weaver's demo datasource, as `axiom up` builds them.
        wanted = base
        services.start(EmbeddedSettings.of(wanted))
        settings = services.apply(wanted)
        processes = {}
        try:
            upgrade(settings.database_url)
            sales_id = asyncio.run(prepare(settings))
            processes = start_processes(Path(folder), settings, services.environment())
            results = []
            print(f"{args.subscribers} subscribers, {args.events} events {args.interval} s apart")
            for label in ("on", "off"):
                process, url = processes[f"gateway-{label}"]
                results.append(asyncio.run(run_mode(label, url, process.pid, settings, sales_id, args)))
                print(results[-1], flush=True)
            print_table(results)
        finally:
            for process, _ in processes.values():
                process.stop()
            services.stop()


if __name__ == "__main__":
    main()
