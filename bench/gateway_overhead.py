"""Gateway overhead: median and p95 latency of a cached-plan query through the
gateway vs the same subgraph called directly (the baseline), in one run (requests
interleaved in a random order, one at a time, keep-alive, the same bearer token on each): our production
app (`axiom serve gateway`: JWT, CORS, metrics), our bare gateway, and Hive Gateway
when it is installed. Every answer is checked for `data` without `errors`.

    uv run python bench/gateway_overhead.py [--requests 2000] [--base REV]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import aiohttp
from gateway_bench_support import (
    ROOT,
    Processes,
    answered,
    compose,
    production_authorization,
    start_axiom_gateway,
    start_production_gateway,
    start_subgraphs,
)
from gateway_hive import find_hive, hive_versions, start_hive

QUERY = "{ topProducts(first: 5) { upc name price } }"


async def latencies(targets: dict[str, str], requests: int) -> dict[str, list[float]]:
    """Milliseconds per request for each target, round-robin so noise is shared; each round in a fresh random
    order, so that no target always follows the same one (measured: a fixed position shifts a median by up to
    0.2 ms on a 2-core machine)."""
    found: dict[str, list[float]] = {name: [] for name in targets}
    order = list(targets.items())
    shuffle = random.Random(7).shuffle
    async with aiohttp.ClientSession(headers={"Authorization": production_authorization()}) as session:
        for index in range(requests + 100):
            shuffle(order)
            for name, url in order:
                started = time.perf_counter()
                async with session.post(url, json={"query": QUERY}) as response:
                    body = await response.read()
                elapsed = (time.perf_counter() - started) * 1000
                if not answered(response.status, body):
                    raise RuntimeError(f"{name} answered {response.status}: {body[:500]!r}")
                if index >= 100:  # the first 100 warm up (plan cache, pools, JIT)
                    found[name].append(elapsed)
    return found


def main() -> None:
    """Start one subgraph and the gateways, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--hive-dir")
    parser.add_argument("--base", help="also the production app of this git revision (e.g. HEAD~3), same run")
    args = parser.parse_args()
    hive_dir = find_hive(args.hive_dir)
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        urls = start_subgraphs(processes, ["catalog"])
        supergraph = Path(tmp) / "supergraph.graphql"
        supergraph.write_text(compose(urls))
        targets = {
            "direct": urls["catalog"],
            "axiom": start_production_gateway(processes, supergraph).url,
            "axiom-bare": start_axiom_gateway(processes, supergraph).url,
        }
        if args.base:
            base_code = Path(tmp) / "base"
            base_code.mkdir()
            archive = subprocess.run(["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base_code)], input=archive, check=True)
            targets[f"axiom@{args.base}"] = start_production_gateway(processes, supergraph, base_code).url
        if hive_dir is not None:
            targets["hive"] = start_hive(processes, hive_dir, supergraph).url
        found = asyncio.run(latencies(targets, args.requests))
    print(f"query: {QUERY}\n{args.requests} sequential requests per target, interleaved in a random order")
    print("axiom = production app (JWT, CORS, metrics); axiom-bare = python -m gateway")
    print(f"hive = {hive_versions(hive_dir)}\n" if hive_dir else "")
    print(f"{'target':16} {'median ms':>10} {'p95 ms':>8} {'overhead median':>16} {'overhead p95':>13}")
    base = found["direct"]
    base_median, base_p95 = statistics.median(base), statistics.quantiles(base, n=20)[18]
    for name, values in found.items():
        median, p95 = statistics.median(values), statistics.quantiles(values, n=20)[18]
        print(
            f"{name:16} {median:10.2f} {p95:8.2f} {median - base_median:+15.2f}ms "
            f"{p95 - base_p95:+12.2f}ms   ({median / base_median:.2f}x direct)"
        )


if __name__ == "__main__":
    main()
