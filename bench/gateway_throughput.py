"""Throughput of a nested query (list → entity → list → entity over three subgraphs)
at fixed concurrency, through our gateway and through Hive Gateway, in one run.

Our gateway runs twice: as production serves it (`gateway.main.create_app`, the app of
`axiom serve gateway` and `axiom up`: JWT verification, CORS, metrics, request tagging,
rate limit) and bare (`python -m gateway`). Every request carries the same bearer token.
Two request mixes: identical requests (in-flight deduplication can share subgraph
calls) and requests with a varying variable (it cannot). Every response body is checked:
a 200 with GraphQL `errors` (or without `data`) counts as a failed request. Reported per
gateway: requests/s, p50/p95 latency, the gateway process's CPU-ms per request (from
/proc), subgraph calls per gateway request and failures; then the ratios against Hive
(the baseline of the same run).

    uv run python bench/gateway_throughput.py [--seconds 10] [--connections 16]
        [--cached-subgraphs]   # subgraphs replay recorded answers: gateway-bound
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
from gateway_bench_support import (
    Processes,
    answered,
    compose,
    cpu_seconds,
    production_authorization,
    run_load,
    start_axiom_gateway,
    start_production_gateway,
    start_subgraphs,
    subgraph_requests,
)
from gateway_hive import find_hive, hive_versions, start_hive

OFFSETS = 190  # the varying mix draws `$offset` from range(OFFSETS)
QUERY = (
    "query Nested($offset: Int!) { topProducts(first: 5, offset: $offset) { name reviews { body author { name } } } }"
)


async def prime(url: str, headers: dict[str, str]) -> None:
    """Send every offset the varying mix uses once (recorded subgraph answers exist
    for each gateway's own subgraph requests before timing starts), checking the answers."""
    async with aiohttp.ClientSession(headers=headers) as session:
        for offset in range(OFFSETS):
            async with session.post(url, json={"query": QUERY, "variables": {"offset": offset}}) as response:
                body = await response.read()
            if not answered(response.status, body):
                raise RuntimeError(f"{url} answered {response.status}: {body[:500]!r}")


def measure(name: str, process, urls: dict, vary: bool, args, headers: dict[str, str]) -> dict:
    """Warm up, then one timed run with CPU and subgraph call accounting."""
    if vary:
        asyncio.run(prime(process.url, headers))
    load = {"vary": vary, "connections": args.connections, "headers": headers}
    run_load(process.url, QUERY, seconds=3, **load)
    calls_before = sum(subgraph_requests(u) for u in urls.values())
    cpu_before = cpu_seconds(process.pid)
    result = run_load(process.url, QUERY, seconds=args.seconds, **load)
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


def print_table(rows: list[dict]) -> None:
    print(
        f"{'gateway':12} {'mix':10} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} "
        f"{'CPU-ms/req':>11} {'subgraph calls/req':>19} {'failed':>7}"
    )
    for r in rows:
        print(
            f"{r['gateway']:12} {r['mix']:10} {r['rps']:8.0f} {r['p50']:8.1f} {r['p95']:8.1f} "
            f"{r['cpu_ms']:11.2f} {r['calls']:19.2f} {r['errors']:7d}"
        )
    by = {(r["gateway"], r["mix"]): r for r in rows}
    for mix in ("identical", "varying"):
        hive = by.get(("hive", mix))
        for name in ("axiom", "axiom-bare"):
            ours = by.get((name, mix))
            if ours and hive:
                print(
                    f"{mix}: {name}/hive: throughput {ours['rps'] / hive['rps']:.2f}x, "
                    f"p95 {ours['p95'] / hive['p95']:.2f}x, CPU-ms per request {ours['cpu_ms'] / hive['cpu_ms']:.2f}x"
                )


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
    headers = {"Authorization": production_authorization()}
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        urls = start_subgraphs(processes, ["catalog", "reviews", "people"], cached=args.cached_subgraphs)
        supergraph = Path(tmp) / "supergraph.graphql"
        supergraph.write_text(compose(urls))
        gateways = [
            ("axiom", start_production_gateway(processes, supergraph)),
            ("axiom-bare", start_axiom_gateway(processes, supergraph)),
        ]
        if hive_dir is not None:
            gateways.append(("hive", start_hive(processes, hive_dir, supergraph)))
        else:
            print("Hive Gateway not found (see bench/gateway_hive.py): ours only.")
        time.sleep(1)
        rows = [
            measure(name, process, urls, vary, args, headers) for vary in (False, True) for name, process in gateways
        ]
    print(
        f"query: {QUERY}\nconnections: {args.connections}, {args.seconds:g}s per run, "
        f"subgraphs: {'replaying recorded answers' if args.cached_subgraphs else 'Strawberry'}\n"
        "axiom = production app (JWT, CORS, metrics); axiom-bare = python -m gateway"
        + (f"; hive = {hive_versions(hive_dir)}" if hive_dir else "")
        + "\n"
    )
    print_table(rows)
    if any(r["errors"] for r in rows):
        print("\nFAILED requests (non-200, or GraphQL errors in a 200): the figures above are not comparable")
        sys.exit(1)


if __name__ == "__main__":
    main()
