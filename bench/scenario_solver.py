"""Scenario solves and their events, end to end: one run prints every figure of issue 9's benchmark.

1. SLSQP solve time for 50 levers and 20 constraints (in-process, median of repeats; and once through a worker).
2. Event latency from a worker-side publish (the event bus, as `solve_scenario` publishes) to a client
   subscribed through the gateway over WebSocket: median and p95.
3. 200 concurrent subscribers (WebSocket, through the gateway) to one run: every one must get every event. The
   run starts once every subscription is live (each heard a warm-up run's progress). The gateway shares identical
   subscriptions unless GATEWAY_MULTIPLEX_SUBSCRIPTIONS=false, where each subscriber is its own Vision subscription.
4. A worker SIGKILLed mid-solve: time until another worker takes the job, and until the run completes.

Starts embedded PostgreSQL, Valkey and the Bolt server, the demo data, Weaver, Vision, two workers and the
gateway on free ports (about a minute on 2 cores), then stops them all.

    uv run python bench/scenario_solver.py [--events 200] [--subscribers 200]
    GATEWAY_MULTIPLEX_SUBSCRIPTIONS=false uv run python bench/scenario_solver.py
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import os
import signal
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import numpy as np
import websockets
from redis.asyncio import Redis
from saq.job import Status

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from axiom.auth import issue_token
from axiom.demo import DEMO_TENANT
from axiom.embedded import EmbeddedServices, EmbeddedSettings
from axiom.embedded.process import ManagedProcess, free_port
from axiom.migrate import upgrade
from axiom.settings import Settings
from axiom.supervisor import load_demo
from subgraphs.vision.jobs.events import EventBus
from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.scenarios.model import Lever, Outcome, ScenarioDefinition, ScenarioModel, Term
from subgraphs.vision.scenarios.progress import scenario_topic
from subgraphs.vision.scenarios.solve_job import solve_job_key
from subgraphs.vision.scenarios.solver import solve
from tests.vision.scenario_inputs import CREATE, RUN, RUN_RESULT, slow_input

WATCH = "subscription($id: ID!) { scenarioProgress(scenarioId: $id) { runId status iteration } }"


def problem(levers: int = 50, constraints: int = 20, seed: int = 1) -> dict:
    """A concave objective over `levers` levers, `constraints` linear outcome caps (API input shape)."""
    rng = np.random.default_rng(seed)
    outcomes = [
        {
            "name": f"y{j}",
            "intercept": float(rng.uniform(0, 10)),
            "coefficients": [{"lever": f"x{i}", "coefficient": float(rng.normal())} for i in range(levers)],
        }
        for j in range(constraints)
    ]
    objective = " + ".join(f"{rng.uniform(0.5, 2):.3f}*x{i} - 0.1*x{i}^2" for i in range(levers))
    return {
        "cube": "Sales",
        "case": f"bench-{uuid.uuid4().hex[:8]}",
        "name": "50x20",
        "levers": [{"name": f"x{i}", "base": 1, "min": 0, "max": 10} for i in range(levers)],
        "objective": {"sense": "MAXIMIZE", "expression": objective},
        "constraints": [f"y{j} <= {rng.uniform(5, 20):.2f}" for j in range(constraints)],
        "outcomeModel": {"source": "COEFFICIENTS", "outcomes": outcomes},
    }


def solve_in_process(repeats: int) -> list[float]:
    data = problem()
    definition = ScenarioDefinition(
        levers=tuple(Lever(x["name"], x["base"], x["min"], x["max"]) for x in data["levers"]),
        outcomes=tuple(
            Outcome(
                o["name"],
                "linear",
                o["intercept"],
                tuple(Term(c["lever"], c["coefficient"]) for c in o["coefficients"]),
            )
            for o in data["outcomeModel"]["outcomes"]
        ),
        sense="maximize",
        objective=data["objective"]["expression"],
        constraints=tuple(data["constraints"]),
    )
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        result = solve(ScenarioModel(definition), timeout=60)
        times.append(time.perf_counter() - started)
    print(f"  in-process: {result.status}, {result.iterations} iterations, feasible={result.is_feasible}")
    return times


class System:
    """The processes of `axiom up`, with two workers, on free ports."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.services = EmbeddedServices(folder / "services", preferred_ports=False, durable=False)
        self.processes: dict[str, ManagedProcess] = {}

    def start(self) -> Settings:
        base = Settings.from_env()
        self.services.start(EmbeddedSettings.of(base))
        settings = self.services.apply(base)
        upgrade(settings.database_url)
        asyncio.run(load_demo(settings))
        ports = {name: free_port() for name in ("weaver", "vision", "gateway")}
        env = {
            **os.environ,
            **self.services.environment(),
            "LOG_FORMAT": "console",
            "LOG_LEVEL": "WARNING",
            "ETL_SYNC_INTERVAL": "0",
            # The bench's own polling and 200 subscriptions would trip the per-tenant limit (600 a minute).
            "RATE_LIMIT_PER_MINUTE": "100000",
            **{f"{n.upper()}_PORT": str(p) for n, p in ports.items()},
        }
        for name in ("weaver", "vision", "worker-1", "worker-2", "gateway"):
            process = ManagedProcess(name, self.folder / "run")
            command = ["worker"] if name.startswith("worker") else ["serve", name]
            process.start([sys.executable, "-m", "axiom.cli", *command], env=env)
            self.processes[name] = process
            if name in ports:
                process.wait_http_ok(f"http://127.0.0.1:{ports[name]}/health/live", 90)
        self.gateway = f"http://127.0.0.1:{ports['gateway']}/graphql"
        return settings

    def worker_pids(self) -> dict[int, str]:
        return {p.pid: name for name, p in self.processes.items() if name.startswith("worker") and not p.exited()}

    def stop(self) -> None:
        for process in reversed(list(self.processes.values())):
            process.stop()
        self.services.stop()


async def call(client: httpx.AsyncClient, token: str, query: str, variables: dict) -> dict:
    response = await client.post(
        client.gateway, json={"query": query, "variables": variables}, headers={"authorization": f"Bearer {token}"}
    )
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {response.text[:500]}")
    return response.json()["data"]


async def subscribe(url: str, token: str, scenario_id: str):
    ws = await websockets.connect(
        url.replace("http://", "ws://"), subprotocols=["graphql-transport-ws"], max_queue=None
    )
    await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}))
    assert json.loads(await asyncio.wait_for(ws.recv(), 30))["type"] == "connection_ack"
    await ws.send(
        json.dumps({"id": "1", "type": "subscribe", "payload": {"query": WATCH, "variables": {"id": scenario_id}}})
    )
    return ws


async def receive_all(ws, on_event, run_id: str) -> int:
    """Read events until the stream completes; returns how many of run `run_id` arrived (others, such as the
    warm-up's, are only handed to `on_event`)."""
    count = 0
    while True:
        message = json.loads(await asyncio.wait_for(ws.recv(), 60))
        if message["type"] == "complete":
            return count
        if message["type"] == "error" or "errors" in message.get("payload", {}):
            raise RuntimeError(f"subscription failed: {message}")
        if message["type"] == "next":
            event = message["payload"]["data"]["scenarioProgress"]
            count += event["runId"] == run_id
            on_event(event, time.perf_counter())


async def warm_up(bus: EventBus, scenario: dict, heard: list[set], timeout: float = 120) -> None:
    """Publish progress of a warm-up run (never ending) until every subscriber heard some: from then on each one's
    subscription is live all the way (Vision subscribed in Redis; with shared gateway subscriptions, the client
    joined the shared stream), so no later event can be lost to a subscription still being set up."""
    run_id, deadline = f"warm-up-{uuid.uuid4()}", time.monotonic() + timeout
    for iteration in itertools.count(1):
        if all(run_id in h for h in heard):
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"only {sum(run_id in h for h in heard)} of {len(heard)} subscriptions are live")
        await bus.publish(
            scenario_topic(DEMO_TENANT, scenario["id"]), event=_event(scenario, run_id, "RUNNING", iteration)
        )
        # Seldom: each event costs Vision an execution per open subscription, and the subscriptions still being
        # set up need its CPU (and database connections) meanwhile.
        await asyncio.sleep(1.0)


def _event(scenario: dict, run_id: str, status: str, iteration: int) -> dict:
    return {
        "run_id": run_id,
        "scenario_id": scenario["id"],
        "case_id": scenario["caseId"],
        "tenant_id": DEMO_TENANT,
        "status": status,
        "iteration": iteration,
        "objective": 1.0,
        "max_violation": 0.0,
        "elapsed": 0.1,
    }


GAUGES = ("axiom_gateway_upstream_subscriptions", "axiom_gateway_shared_subscription_clients")


async def gateway_subscription_gauges(gateway: str, token: str | None) -> tuple[float, float]:
    """The gateway's open upstream subscriptions and the client subscriptions its shared ones serve (/metrics)."""
    headers = {"authorization": f"Bearer {token}"} if token else {}
    async with httpx.AsyncClient() as client:
        text = (await client.get(gateway.removesuffix("/graphql") + "/metrics", headers=headers)).text
    values = {line.split()[0]: float(line.split()[-1]) for line in text.splitlines() if line.startswith(GAUGES)}
    return values[GAUGES[0]], values[GAUGES[1]]


async def wait_gateway(gateway: str, token: str | None, count: int, timeout: float = 120) -> None:
    """Until the gateway serves `count` subscriptions: each with its upstream socket open (multiplexing off), or
    as a client of a shared one (on). Opening subscriptions wave by wave this way keeps a burst of handshakes
    from queueing past the gateway's upstream connect timeout on a loaded machine."""
    deadline = time.monotonic() + timeout
    while sum(gauges := await gateway_subscription_gauges(gateway, token)) < count:
        if time.monotonic() > deadline:
            raise RuntimeError(f"the gateway serves {gauges} of {count} subscriptions")
        await asyncio.sleep(0.1)


async def publish_run(bus: EventBus, scenario: dict, run_id: str, events: int, gap: float) -> dict[int, float]:
    """Publish a run's RUNNING events and its end as the solve job does; returns publish times by iteration."""
    sent = {}
    for iteration in range(1, events + 1):
        status = "COMPLETED" if iteration == events else "RUNNING"
        sent[iteration] = time.perf_counter()
        await bus.publish(
            scenario_topic(DEMO_TENANT, scenario["id"]), keep=True, event=_event(scenario, run_id, status, iteration)
        )
        await asyncio.sleep(gap)
    return sent


async def measure(system: System, settings: Settings, events: int, subscribers: int) -> None:
    token = issue_token(settings, tenant_id=DEMO_TENANT, subject="bench", roles=["analyst"])
    redis = Redis.from_url(settings.redis_url)
    bus, jobs = EventBus(redis), JobQueue(redis)
    async with httpx.AsyncClient(timeout=120) as client:
        client.gateway = system.gateway
        scenario = (await call(client, token, CREATE, {"input": problem()}))["createScenario"]["scenario"]
        run_id = (await call(client, token, RUN, {"id": scenario["id"]}))["runScenario"]["run"]["id"]
        while (run := (await call(client, token, RUN_RESULT, {"id": run_id}))["scenarioRun"])["status"] in (
            "PENDING",
            "RUNNING",
        ):
            await asyncio.sleep(0.1)
        print(f"  through a worker: {run['status']}, solve {run['durationMs']:.0f} ms, {run['iterations']} iterations")

        print(f"\n2. Event latency, worker publish → gateway WebSocket client ({events} events)")
        scenario = (await call(client, token, CREATE, {"input": problem()}))["createScenario"]["scenario"]
        ws, run_id = await subscribe(system.gateway, token, scenario["id"]), str(uuid.uuid4())
        heard: set[str] = set()
        received: dict[int, float] = {}

        def on_event(event: dict, at: float) -> None:
            heard.add(event["runId"])
            if event["runId"] == run_id:
                received.setdefault(event["iteration"], at)

        reader = asyncio.create_task(receive_all(ws, on_event, run_id))
        await warm_up(bus, scenario, [heard])
        sent = await publish_run(bus, scenario, run_id, events, gap=0.01)
        await reader
        await ws.close()
        latencies = sorted((received[i] - sent[i]) * 1000 for i in sent if i in received)
        print(
            f"  median {statistics.median(latencies):.1f} ms, p95 {latencies[int(0.95 * len(latencies)) - 1]:.1f} ms,"
            f" {len(sent) - len(latencies)} lost"
        )

        mode = "shared" if settings.gateway_multiplex_subscriptions else "one upstream subscription each"
        print(f"\n3. {subscribers} concurrent subscribers to one run (gateway: {mode})")
        scenario = (await call(client, token, CREATE, {"input": problem()}))["createScenario"]["scenario"]
        sockets = []
        started = time.perf_counter()
        while len(sockets) < subscribers:  # in waves: all stay open, but the handshakes do not all land at once
            wave = min(25, subscribers - len(sockets))
            sockets += await asyncio.gather(*(subscribe(system.gateway, token, scenario["id"]) for _ in range(wave)))
            await wait_gateway(system.gateway, settings.metrics_token, len(sockets))
        heard_by = [set() for _ in sockets]
        run_id = str(uuid.uuid4())
        readers = [
            asyncio.create_task(receive_all(ws, lambda e, t, h=h: h.add(e["runId"]), run_id))
            for ws, h in zip(sockets, heard_by, strict=True)
        ]
        await warm_up(bus, scenario, heard_by)
        upstream, shared = await gateway_subscription_gauges(system.gateway, settings.metrics_token)
        print(
            f"  all {subscribers} live after {time.perf_counter() - started:.1f} s; gateway: {upstream:.0f} upstream "
            f"subscriptions, {shared:.0f} clients of shared ones"
        )
        await publish_run(bus, scenario, run_id, 50, gap=0.02)
        counts = await asyncio.gather(*readers)
        await asyncio.gather(*(ws.close() for ws in sockets))
        print(
            f"  {sum(counts)} of {50 * subscribers} events delivered, {50 * subscribers - sum(counts)} lost; "
            f"every subscriber's stream completed: {len(counts) == subscribers}"
        )

        print("\n4. Worker SIGKILLed mid-solve")
        scenario = (
            await call(client, token, CREATE, {"input": slow_input(levers=20, case=f"kill-{uuid.uuid4().hex[:6]}")})
        )["createScenario"]["scenario"]
        run_id = (await call(client, token, RUN, {"id": scenario["id"]}))["runScenario"]["run"]["id"]
        while (await call(client, token, RUN_RESULT, {"id": run_id}))["scenarioRun"]["status"] != "RUNNING":
            await asyncio.sleep(0.02)
        await asyncio.sleep(0.5)  # mid-solve: iterations under way
        job = await jobs.queue.job(solve_job_key(run_id))
        victim = int(job.worker_id.rsplit("-", 2)[1])
        victim_name = system.worker_pids().get(victim, "a worker")
        os.kill(victim, signal.SIGKILL)
        killed = time.perf_counter()
        while (job := await jobs.queue.job(solve_job_key(run_id))).status != Status.ACTIVE or int(
            job.worker_id.rsplit("-", 2)[1]
        ) == victim:
            await asyncio.sleep(0.02)
        taken = time.perf_counter() - killed
        while (run := (await call(client, token, RUN_RESULT, {"id": run_id}))["scenarioRun"])["status"] in (
            "PENDING",
            "RUNNING",
        ):
            await asyncio.sleep(0.05)
        done = time.perf_counter() - killed
        print(
            f"  killed {victim_name} (pid {victim}); another worker took the job "
            f"after {taken:.1f} s; run {run['status']} after {done:.1f} s (attempts {run['attempts']}, the solve "
            f"itself {run['durationMs'] / 1000:.1f} s)"
        )
    await redis.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("1. SLSQP, 50 levers and 20 constraints")
    times = solve_in_process(args.repeats)
    print(
        f"  in-process: median {statistics.median(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms "
        f"over {args.repeats} solves"
    )
    with tempfile.TemporaryDirectory(prefix="axiom-bench-") as folder:
        system = System(Path(folder))
        try:
            settings = system.start()
            asyncio.run(measure(system, settings, args.events, args.subscribers))
        finally:
            system.stop()


if __name__ == "__main__":
    main()
