"""Steady query load against the gateway (used under faults and for the soak), and live subscriptions."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass

import httpx
from abuse_report import Row, percentile
from abuse_stack import UpStack

# Query shapes by what they need: each one fails only when something it depends on is down.
SHAPES = {
    "vision": "{ cubes { name } }",  # Vision + PostgreSQL
    "pivot": '{ pivot(input: {cube: "Sales", measures: ["Amount"], rows: ["Region.Region"]}) '
    "{ values { values } } }",  # Vision + PostgreSQL (Redis cache when up)
    "weaver": "{ dataSources { totalCount } glossaryTerms { totalCount } }",  # Weaver + PostgreSQL
    "graph": '{ searchTables(query: "order") { totalCount } }',  # Weaver + the Bolt server
}
WATCH = 'subscription { cubeRefreshes(cube: "Sales") { id status } }'
RSS_GROWTH_GOAL = 0.10


@dataclass(frozen=True)
class Outcome:
    shape: str
    started: float
    ended: float
    ok: bool
    detail: str = ""


def served(status: int, text: str) -> tuple[bool, str]:
    """True when the gateway answered the shape with data and no error."""
    try:
        body = json.loads(text)
    except ValueError:
        return False, f"{status} {text[:120]}"
    if status == 200 and isinstance(body.get("data"), dict) and not body.get("errors"):
        return True, ""
    codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
    return False, f"{status} {codes}"


class SteadyLoad:
    """One thread per (shape, worker) sending that shape back to back until stopped; every outcome kept."""

    def __init__(
        self,
        stack: UpStack,
        shapes: dict[str, str] = SHAPES,
        workers: int = 1,
        pause: float = 0.05,
        timeout: float = 15.0,
    ):
        self.stack, self.shapes, self.pause, self.timeout = stack, shapes, pause, timeout
        self.outcomes: list[Outcome] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._run, args=(shape,), daemon=True) for shape in shapes for _ in range(workers)
        ]

    def __enter__(self) -> SteadyLoad:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(self.timeout + 5)

    def _run(self, shape: str) -> None:
        headers = {"authorization": f"Bearer {self.stack.token('demo')}"}
        with httpx.Client(base_url=self.stack.gateway, headers=headers, timeout=self.timeout) as client:
            while not self._stop.is_set():
                started = time.monotonic()
                try:
                    response = client.post("/graphql", json={"query": self.shapes[shape]})
                    ok, detail = served(response.status_code, response.text)
                except httpx.HTTPError as error:
                    ok, detail = False, type(error).__name__
                self.outcomes.append(Outcome(shape, started, time.monotonic(), ok, detail))
                self._stop.wait(self.pause)

    def since(self, moment: float) -> list[Outcome]:
        return [o for o in list(self.outcomes) if o.ended >= moment]


class Subscriber:
    """A live `cubeRefreshes` over SSE on its own thread: counts events and errors until closed."""

    def __init__(self, stack: UpStack):
        self.stack = stack
        self.events = 0
        self.errors: list[str] = []
        self._client = httpx.Client(base_url=stack.gateway, timeout=httpx.Timeout(10, read=60))
        self._closing = False
        self._thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> Subscriber:
        self._thread.start()
        return self

    def _run(self) -> None:
        headers = {"authorization": f"Bearer {self.stack.token('demo')}", "accept": "text/event-stream"}
        try:
            with self._client.stream("POST", "/graphql", json={"query": WATCH}, headers=headers) as response:
                for line in response.iter_lines():
                    if line.startswith("data:") and line[5:].strip():
                        payload = json.loads(line[5:])
                        if payload.get("errors"):
                            self.errors.append(json.dumps(payload)[:200])
                        elif payload.get("data"):
                            self.events += 1
        except (httpx.HTTPError, ValueError) as error:
            if not self._closing:
                self.errors.append(f"stream ended: {type(error).__name__} {error}")
            return
        if not self._closing:
            self.errors.append("stream ended by the server")

    def close(self) -> None:
        self._closing = True
        self._client.close()
        self._thread.join(5)


def soak(stack: UpStack, seconds: float, subscribers: int = 3, workers: int = 2) -> list[Row]:
    """`seconds` of the query mix with live subscriptions and a refresh every 10 s (so that they get events):
    error rate, p99 and the processes' RSS before and after."""
    rss_before = {unit: stack.rss_mb(unit) for unit in ("gateway", "weaver", "vision")}
    watchers = [Subscriber(stack).start() for _ in range(subscribers)]
    time.sleep(1)
    refreshes = 0
    with SteadyLoad(stack, workers=workers, pause=0) as load:
        started = time.monotonic()
        while time.monotonic() - started < seconds:
            cube = stack.graphql('{ cube(name: "Sales") { id } }')[1]["data"]["cube"]["id"]
            stack.graphql("mutation($id: ID!) { refreshCube(id: $id) { run { id } } }", {"id": cube})
            refreshes += 1
            time.sleep(min(10, max(0.0, seconds - (time.monotonic() - started))))
    time.sleep(2)  # the last refresh's events
    for watcher in watchers:
        watcher.close()
    rss_after = {unit: stack.rss_mb(unit) for unit in ("gateway", "weaver", "vision")}
    outcomes = load.outcomes
    failed = [o for o in outcomes if not o.ok]
    latencies = [(o.ended - o.started) * 1000 for o in outcomes]
    section = f"load {seconds:.0f} s"
    growth = rss_after["gateway"] / rss_before["gateway"] - 1
    events = sum(w.events for w in watchers)
    sub_errors = [e for w in watchers for e in w.errors]
    rows = [
        Row(
            section,
            f"requests ({len(SHAPES)} shapes x {workers} workers, back to back)",
            f"{len(outcomes)} ({len(outcomes) / seconds:.0f}/s)",
        ),
        Row(
            section,
            "error rate",
            f"{len(failed)} failed ({100 * len(failed) / max(1, len(outcomes)):.2f}%)"
            + (f": {sorted({o.detail for o in failed})[:3]}" if failed else ""),
            "0",
            not failed,
        ),
        Row(
            section,
            "latency p50 / p99 / max",
            f"{percentile(latencies, 50):.0f} / {percentile(latencies, 99):.0f} / {max(latencies):.0f} ms",
        ),
        Row(
            section,
            f"{subscribers} live subscriptions ({refreshes} refreshes)",
            f"{events} events, {len(sub_errors)} errors" + (f": {sub_errors[:2]}" if sub_errors else ""),
            f">= {subscribers * refreshes * 2} events, 0 errors",
            not sub_errors and events >= subscribers * refreshes * 2,
        ),
        Row(
            section,
            "gateway RSS before → after",
            f"{rss_before['gateway']:.0f} → {rss_after['gateway']:.0f} MB ({100 * growth:+.1f}%)",
            f"flat (<= +{100 * RSS_GROWTH_GOAL:.0f}%)",
            growth <= RSS_GROWTH_GOAL,
        ),
        Row(
            section,
            "weaver / vision RSS before → after",
            f"{rss_before['weaver']:.0f} → {rss_after['weaver']:.0f} MB / "
            f"{rss_before['vision']:.0f} → {rss_after['vision']:.0f} MB",
        ),
    ]
    return rows
