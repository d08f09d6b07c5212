"""Gateway overhead: median and p95 latency of a cached-plan query through the
gateway vs the same subgraph called directly, in one run (requests interleaved, one
at a time, keep-alive), plus Hive Gateway's when it is installed.

    uv run python bench/gateway_overhead.py [--requests 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import aiohttp
from gateway_bench_support import Processes, compose, start_axiom_gateway, start_subgraphs
from gateway_hive import find_hive, start_hive

QUERY = "{ topProducts(first: 5) { upc name price } }"


async def latencies(targets: dict[str, str], requests: int) -> dict[str, list[float]]:
    """Milliseconds per request for each target, round-robin so noise is shared."""
    found: dict[str, list[float]] = {name: [] for name in targets}
    async with aiohttp.ClientSession() as session:
        for index in range(requests + 100):
            for name, url in targets.items():
                started = time.perf_counter()
                async with session.post(url, json={"query": QUERY}) as response:
                    body = await response.json(content_type=None)
                elapsed = (time.perf_counter() - started) * 1000
                assert "errors" not in body, body
                if index >= 100:  # the first 100 warm up (plan cache, pools, JIT)
                    found[name].append(elapsed)
    return found


def main() -> None:
    """Start one subgraph and the gateways, measure, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--hive-dir")
    args = parser.parse_args()
    hive_dir = find_hive(args.hive_dir)
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        urls = start_subgraphs(processes, ["catalog"])
        supergraph = Path(tmp) / "supergraph.graphql"
        supergraph.write_text(compose(urls))
        targets = {"direct": urls["catalog"], "axiom": start_axiom_gateway(processes, supergraph).url}
        if hive_dir is not None:
            targets["hive"] = start_hive(processes, hive_dir, supergraph).url
        found = asyncio.run(latencies(targets, args.requests))
    print(f"query: {QUERY}\n{args.requests} sequential requests per target, interleaved\n")
    print(f"{'target':8} {'median ms':>10} {'p95 ms':>8} {'overhead median':>16} {'overhead p95':>13}")
    base = found["direct"]
    base_median, base_p95 = statistics.median(base), statistics.quantiles(base, n=20)[18]
    for name, values in found.items():
        median, p95 = statistics.median(values), statistics.quantiles(values, n=20)[18]
        print(
            f"{name:8} {median:10.2f} {p95:8.2f} {median - base_median:+15.2f}ms "
            f"{p95 - base_p95:+12.2f}ms   ({median / base_median:.2f}x direct)"
        )


if __name__ == "__main__":
    main()
