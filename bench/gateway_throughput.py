"""Throughput of a nested query (list → entity → list → entity over three subgraphs)
at fixed concurrency, through our gateway and through Hive Gateway, in one run.

Two request mixes: identical requests (in-flight deduplication can share subgraph
calls) and requests with a varying variable (it cannot). Reported per gateway:
requests/s, p50/p95 latency, the gateway process's CPU-ms per request (from /proc),
and subgraph calls per gateway request; then the ratios ours / Hive.

    uv run python bench/gateway_throughput.py [--seconds 10] [--connections 16]
        [--cached-subgraphs]   # subgraphs replay recorded answers: gateway-bound
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aiohttp
from gateway_bench_support import (
    Processes,
    compose,
    cpu_seconds,
    run_load,
    start_axiom_gateway,
    start_subgraphs,
    subgraph_requests,
)
from gateway_hive import find_hive, start_hive

OFFSETS = 190  # the varying mix draws `$offset` from range(OFFSETS)
QUERY = (
    "query Nested($offset: Int!) { topProducts(first: 5, offset: $offset) { name reviews { body author { name } } } }"
)


async def _prime(url: str) -> None:
    """Send every offset the varying mix uses once (recorded subgraph answers exist
    for each gateway's own subgraph requests before timing starts)."""
    async with aiohttp.ClientSession() as session:
        for offset in range(OFFSETS):
            async with session.post(url, json={"query": QUERY, "variables": {"offset": offset}}) as response:
                await response.read()


def measure(name: str, process, urls: dict, vary: bool, args) -> dict:
    """Warm up, then one timed run with CPU and subgraph call accounting."""
    if vary:
        asyncio.run(_prime(process.url))
    run_load(process.url, QUERY, vary=vary, connections=args.connections, seconds=3)
    calls_before = sum(subgraph_requests(u) for u in urls.values())
    cpu_before = cpu_seconds(process.pid)
    result = run_load(process.url, QUERY, vary=vary, connections=args.connections, seconds=args.seconds)
    cpu = cpu_seconds(process.pid) - cpu_before
    calls = sum(subgraph_requests(u) for u in urls.values()) - calls_before
    return {
        "gateway": name,
        "mix": "varying" if vary else "identical",
        "rps": result.rps,
        "p50": result.p50_ms,
        "p95": result.p95_ms,
        "cpu_ms": 1000 * cpu / max(result.requests, 1),
        "calls": calls / max(result.requests, 1),
        "errors": result.errors,
    }


def main() -> None:
    """Start subgraphs and gateways, run both request mixes, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--hive-dir", help="folder with node_modules/@graphql-hive/gateway")
    parser.add_argument(
        "--cached-subgraphs",
        action="store_true",
        help="subgraphs replay recorded answers: the gateways become the limit",
    )
    args = parser.parse_args()
    hive_dir = find_hive(args.hive_dir)
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        urls = start_subgraphs(processes, ["catalog", "reviews", "people"], cached=args.cached_subgraphs)
        supergraph = Path(tmp) / "supergraph.graphql"
        supergraph.write_text(compose(urls))
        gateways = [("axiom", start_axiom_gateway(processes, supergraph))]
        if hive_dir is not None:
            gateways.append(("hive", start_hive(processes, hive_dir, supergraph)))
        else:
            print("Hive Gateway not found (see bench/gateway_hive.py): ours only.")
        time.sleep(1)
        rows = [measure(name, process, urls, vary, args) for vary in (False, True) for name, process in gateways]
    print(
        f"query: {QUERY}\nconnections: {args.connections}, {args.seconds:g}s per run, "
        f"subgraphs: {'replaying recorded answers' if args.cached_subgraphs else 'Strawberry'}\n"
    )
    print(
        f"{'gateway':8} {'mix':10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'CPU-ms/req':>11} {'subgraph calls/req':>19} {'errors':>7}"
    )
    for r in rows:
        print(
            f"{r['gateway']:8} {r['mix']:10} {r['rps']:8.0f} {r['p50']:8.1f} {r['p95']:8.1f} "
            f"{r['cpu_ms']:11.2f} {r['calls']:19.2f} {r['errors']:7d}"
        )
    by = {(r["gateway"], r["mix"]): r for r in rows}
    for mix in ("identical", "varying"):
        ours, hive = by.get(("axiom", mix)), by.get(("hive", mix))
        if ours and hive:
            print(
                f"\n{mix}: throughput axiom/hive = {ours['rps'] / hive['rps']:.2f}x, "
                f"p95 axiom/hive = {ours['p95'] / hive['p95']:.2f}x, "
                f"CPU-ms per request axiom/hive = {ours['cpu_ms'] / hive['cpu_ms']:.2f}x"
            )


if __name__ == "__main__":
    main()
