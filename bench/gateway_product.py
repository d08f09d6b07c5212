"""CPU per request of the gateway of `axiom up` on a product query, against Hive Gateway in the same run.

Starts the whole system (`axiom up` with its demo data, in a temporary folder on free ports: the production
gateway app with JWT, CORS, metrics and rate limit in front of Weaver and Vision), then Hive Gateway over the same
supergraph and the same running subgraphs (forwarding the bearer token). wrk sends identical requests with one
demo token, alternating between the two gateways for `--rounds` rounds; every answer is checked (a 200 with
GraphQL `errors` is a failure). Reported per gateway: requests/s, p50/p95, CPU-ms per request of the gateway
process alone (from /proc; Weaver and Vision are the same for both), best and median of the rounds, and the
ratio ours / Hive (the baseline of the same run).

    uv run python bench/gateway_product.py [--seconds 10] [--connections 16] [--rounds 3] [--hive-dir DIR]
"""

from __future__ import annotations

import argparse
import collections
import statistics
import tempfile
from pathlib import Path

from abuse_stack import UpStack
from gateway_bench_support import Processes, cpu_seconds, run_load
from gateway_hive import find_hive, hive_versions, start_hive

from gateway.main import SUPERGRAPH_PATH, override_subgraph_urls

QUERY = "{ cubes { name factTable { name columns { name dataType } } } }"


def measure(pid: int, url: str, headers: dict[str, str], args) -> dict:
    """One load run of identical requests: throughput, latency and the gateway process's CPU per request."""
    before = cpu_seconds(pid)
    result = run_load(url, QUERY, vary=False, connections=args.connections, seconds=args.seconds, headers=headers)
    cpu = cpu_seconds(pid) - before
    if result.errors:
        raise RuntimeError(f"{url}: {result.errors} failed requests (non-200 or GraphQL errors)")
    return {"rps": result.rps, "p50": result.p50_ms, "p95": result.p95_ms, "cpu_ms": 1000 * cpu / result.requests}


def main() -> None:
    """Start `axiom up` and Hive, alternate load runs, print the table and the ratios."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hive-dir", help="folder with node_modules/@graphql-hive/gateway")
    args = parser.parse_args()
    hive_dir = find_hive(args.hive_dir)
    with tempfile.TemporaryDirectory() as tmp, Processes() as processes:
        stack = UpStack(Path(tmp))
        stack.start()
        try:
            headers = {"Authorization": f"Bearer {stack.token('demo', roles=('analyst',))}"}
            status, body = stack.graphql(QUERY, token=headers["Authorization"].split(" ", 1)[1])
            if status != 200 or body.get("errors") or not body["data"]["cubes"]:
                raise RuntimeError(f"the product query failed through axiom up: {status} {body}")
            gateways = {"axiom": (stack.pid_of("gateway"), f"{stack.gateway}/graphql")}
            if hive_dir is not None:
                supergraph = Path(tmp) / "supergraph.graphql"
                urls = {name: stack.settings.subgraph_url(name) for name in ("weaver", "vision")}
                supergraph.write_text(override_subgraph_urls(SUPERGRAPH_PATH.read_text(), urls))
                hive = start_hive(processes, hive_dir, supergraph)
                gateways["hive"] = (hive.pid, hive.url)
            else:
                print("Hive Gateway not found (see bench/gateway_hive.py): ours only.")
            for _, url in gateways.values():  # warm-up: plan caches, pools, JIT
                run_load(url, QUERY, vary=False, connections=args.connections, seconds=3, headers=headers)
            runs: dict[str, list[dict]] = collections.defaultdict(list)
            for _ in range(args.rounds):
                for name, (pid, url) in gateways.items():
                    runs[name].append(measure(pid, url, headers, args))
        finally:
            stack.stop()
    print_table(QUERY, runs, args, hive_versions(hive_dir) if hive_dir else None)


def print_table(query: str, runs: dict[str, list[dict]], args, hive: str | None) -> None:
    print(
        f"query: {query}\nthrough `axiom up` (demo tenant, analyst token), identical requests, "
        f"{args.connections} connections, {args.seconds:g}s per run, {args.rounds} rounds alternating"
        + (f"\nhive = {hive}, same supergraph and subgraphs" if hive else "")
        + "\n"
    )
    print(f"{'gateway':8} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'CPU-ms/req best':>16} {'median':>8}")
    cpu = {}
    for name, found in runs.items():
        best = min(found, key=lambda run: run["cpu_ms"])
        cpu[name] = (best["cpu_ms"], statistics.median(run["cpu_ms"] for run in found))
        latency = f"{best['rps']:8.0f} {best['p50']:8.1f} {best['p95']:8.1f}"
        print(f"{name:8} {latency} {cpu[name][0]:16.2f} {cpu[name][1]:8.2f}")
    if "hive" in cpu:
        print(
            f"\nCPU-ms per request axiom/hive: best {cpu['axiom'][0] / cpu['hive'][0]:.2f}x, "
            f"median {cpu['axiom'][1] / cpu['hive'][1]:.2f}x"
        )


if __name__ == "__main__":
    main()
