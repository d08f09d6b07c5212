"""The gateway's own Python work per request, without sockets: CPU-µs per request of the production app
(`gateway.main.create_app`: JWT, CORS, metrics, request tag, rate limit) and the bare one
(`create_gateway_app`), driven through ASGI in-process over subgraphs answered from memory.

Loopback sockets cost this 2-core VM more than any other part of a request, and vary with the load; this
bench leaves them out, so a change to the gateway's code shows in a same-run A/B within a few percent. The
subgraph answers are computed once per distinct request by the bench subgraphs' Strawberry schemas and then
decoded from bytes on every call, as the real transport does. The HTTP benchmarks stay the judge of the whole.

    uv run python bench/gateway_python_path.py [--requests 3000] [--rounds 5] [--profile] [--base REV]

`--base REV`: the working tree and revision REV (e.g. `HEAD`, `main~3`) side by side, each in its own process,
alternating rounds; prints both and the ratios working tree / base.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import orjson
from gateway_bench_support import PRODUCTION_ENV, ROOT, compose, production_authorization
from gateway_subgraphs import SCHEMAS
from gateway_throughput import OFFSETS, QUERY

from gateway.http import create_gateway_app

URLS = {name: f"http://{name}.bench.invalid/graphql" for name in SCHEMAS}


class MemorySubgraphs:
    """A transport answering each distinct subgraph request from the bench schemas once, then from bytes."""

    def __init__(self) -> None:
        self.answers: dict[tuple[str, bytes], bytes] = {}
        self.calls = 0

    async def send(
        self, subgraph: str, url: str, body: dict[str, Any], headers: Mapping[str, str], *, deduplicate: bool
    ) -> dict[str, Any]:
        self.calls += 1
        payload = orjson.dumps(body)
        key = (url, payload)
        raw = self.answers.get(key)
        if raw is None:
            name = next(n for n, u in URLS.items() if u == url)
            result = await SCHEMAS[name].execute(body["query"], variable_values=body.get("variables"))
            answer: dict[str, Any] = {"data": result.data}
            if result.errors:
                answer["errors"] = [{"message": e.message} for e in result.errors]
            raw = self.answers[key] = orjson.dumps(answer)
        return orjson.loads(raw)

    async def close(self) -> None:
        pass


def production_app(sdl_text: str, transport: MemorySubgraphs) -> Any:
    os.environ.update(PRODUCTION_ENV)
    from axiom.settings import Settings
    from gateway.main import SUBSCRIPTION_METRICS, create_app

    app = create_app(Settings.from_env(), sdl_text)
    SUBSCRIPTION_METRICS.gateways[0].executor.transport = transport
    return app


async def call(app: Any, body: bytes, headers: list[tuple[bytes, bytes]]) -> tuple[int, bytes]:
    """One POST through the ASGI app; its status and body."""
    done = asyncio.Event()
    sent: list[dict[str, Any]] = []
    messages = [{"type": "http.request", "body": body, "more_body": False}]

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop()
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        if message["type"] == "http.response.body" and not message.get("more_body"):
            done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 4000),
        "state": {},
    }
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def measure(apps: dict[str, Any], requests: int, rounds: int, profile: bool) -> dict[str, list[float]]:
    headers = [
        (b"host", b"127.0.0.1:4000"),
        (b"content-type", b"application/json"),
        (b"authorization", production_authorization().encode()),
    ]
    bodies = [orjson.dumps({"query": QUERY, "variables": {"offset": i}}) for i in range(OFFSETS)]
    for app in apps.values():  # warm up: documents, plans, every recorded answer
        for body in bodies:
            status, answer = await call(app, body, headers)
            if status != 200 or b'"errors"' in answer:
                raise RuntimeError(f"answered {status}: {answer[:300]!r}")
    found: dict[str, list[float]] = {name: [] for name in apps}
    profiler = cProfile.Profile() if profile else None
    for _ in range(rounds):
        for name, app in apps.items():
            if profiler is not None and name == "production":
                profiler.enable()
            started = time.process_time()
            for index in range(requests):
                await call(app, bodies[index % OFFSETS], headers)
            found[name].append((time.process_time() - started) * 1e6 / requests)
            if profiler is not None:
                profiler.disable()
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
    return found


def one_round(requests: int) -> dict[str, float]:
    """(Child process of `--base`) one round of both apps from the code on `sys.path`: CPU-µs per request."""
    sdl_text = compose(URLS)
    apps = {
        "production": production_app(sdl_text, MemorySubgraphs()),
        "bare": create_gateway_app(sdl_text, transport=MemorySubgraphs()),
    }
    found = asyncio.run(measure(apps, requests, 1, False))
    return {name: values[0] for name, values in found.items()}


def compare(base: str, requests: int, rounds: int) -> None:
    """The working tree against revision `base`, alternating child processes."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "archive", base], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        found: dict[str, dict[str, list[float]]] = {"base": {}, "working tree": {}}
        for _ in range(rounds):
            for label, code in (("base", Path(tmp)), ("working tree", ROOT)):
                child = subprocess.run(
                    [sys.executable, __file__, "--child", "--requests", str(requests)],
                    env={**os.environ, "PYTHONPATH": f"{code}{os.pathsep}{code / 'bench'}"},
                    cwd=code / "bench",
                    capture_output=True,
                    text=True,
                    check=True,
                )
                for name, value in json.loads(child.stdout.splitlines()[-1]).items():
                    found[label].setdefault(name, []).append(value)
    print(f"query: {QUERY}\n{requests} requests x {rounds} rounds per app and code, alternating; CPU-µs per request")
    print(f"{'code':14} {'app':12} {'best':>8} {'median':>8}")
    for label, apps in found.items():
        for name, values in apps.items():
            print(f"{label:14} {name:12} {min(values):8.1f} {statistics.median(values):8.1f}")
    for name in found["base"]:
        ratio = min(found["working tree"][name]) / min(found["base"][name])
        print(f"{name}: working tree / base ({base}) = {ratio:.2f}x (best of rounds)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", action="store_true", help="cProfile the production app (slows it down)")
    parser.add_argument("--base", help="a git revision to compare the working tree with")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(one_round(args.requests)))
        return
    if args.base:
        compare(args.base, args.requests, args.rounds)
        return
    sdl_text = compose(URLS)
    production, bare = MemorySubgraphs(), MemorySubgraphs()
    apps = {"production": production_app(sdl_text, production), "bare": create_gateway_app(sdl_text, transport=bare)}
    found = asyncio.run(measure(apps, args.requests, args.rounds, args.profile))
    calls = production.calls / (args.requests * args.rounds + OFFSETS)
    print(f"query: {QUERY}\nvarying $offset over {OFFSETS} values, {calls:.2f} subgraph calls per request")
    print(f"{args.requests} requests x {args.rounds} rounds per app, alternating; CPU-µs per request")
    print(f"{'app':12} {'best':>8} {'median':>8}")
    for name, values in found.items():
        print(f"{name:12} {min(values):8.1f} {statistics.median(values):8.1f}")
    best = {name: min(values) for name, values in found.items()}
    print(f"production / bare = {best['production'] / best['bare']:.2f}x")


if __name__ == "__main__":
    main()
