"""CPU per request of the production gateway app, the working tree against an older revision, in one run.

Both gateways are `gateway.main.create_app` (JWT verification, CORS, metrics, request tagging) served by
uvicorn as `axiom serve gateway` does, over the same bench subgraphs replaying recorded answers, so the
gateway is the limit. wrk drives each in turn (identical and varying mixes, alternating, `--rounds` times);
CPU-ms per request comes from /proc. With `--profile`, py-spy samples the working tree's gateway under the
varying mix and a flame summary (self and inclusive time per function) is printed.

    uv run python bench/gateway_cpu_compare.py [--base REV] [--seconds 8] [--connections 16] [--profile]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import subprocess
import tempfile
import time
from pathlib import Path

from gateway_bench_support import (
    ROOT,
    Processes,
    compose,
    cpu_seconds,
    run_load,
    start_production_gateway,
    start_subgraphs,
)
from gateway_throughput import QUERY, prime


def wrk(url: str, auth: str, vary: bool, connections: int, seconds: float) -> int:
    """Requests served in one load run; every answer is checked, and a failed one stops the comparison."""
    result = run_load(url, QUERY, vary=vary, connections=connections, seconds=seconds, headers={"Authorization": auth})
    if result.errors:
        raise RuntimeError(f"{result.errors} failed requests (non-200 or GraphQL errors)")
    return result.requests


def cpu_ms_per_request(process, url: str, auth: str, vary: bool, args) -> float:
    """CPU-ms of the gateway process per request over one load run."""
    before = cpu_seconds(process.pid)
    requests = wrk(url, auth, vary, args.connections, args.seconds)
    return 1000 * (cpu_seconds(process.pid) - before) / max(requests, 1)


def flame_summary(process, url: str, auth: str, args) -> None:
    """py-spy samples of the gateway under the varying mix: self and inclusive time per function."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "stacks.txt"
        sampler = subprocess.Popen(
            [
                "py-spy",
                "record",
                "--format",
                "raw",
                "-r",
                "200",
                "-o",
                str(out),
                "-d",
                str(round(args.seconds)),
                "-p",
                str(process.pid),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        wrk(url, auth, True, args.connections, args.seconds - 1)
        sampler.wait()
        stacks = [line.rsplit(" ", 1) for line in out.read_text().splitlines() if line.strip()]
    own, inclusive, total = collections.Counter(), collections.Counter(), 0
    for stack, count in stacks:
        frames = [
            f.split(" (")[0] + " (" + f.split(" (")[-1].split(":")[0].rsplit("/", 1)[-1] + ")" for f in stack.split(";")
        ]
        total += int(count)
        own[frames[-1]] += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
    print(f"\nflame summary of the working tree's gateway ({total} samples, varying mix)")
    print("self time:")
    for frame, count in own.most_common(15):
        print(f"  {100 * count / total:5.1f}%  {frame}")
    print("inclusive time:")
    for frame, count in inclusive.most_common(30):
        print(f"  {100 * count / total:5.1f}%  {frame}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="main", help="git revision to compare against (default: main)")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="py-spy flame summary (py-spy on PATH)")
    args = parser.parse_args()
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        base_code = Path(tmp) / "base"
        base_code.mkdir()
        archive = subprocess.run(["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_code)], input=archive, check=True)
        urls = start_subgraphs(processes, ["catalog", "reviews", "people"], cached=True)
        supergraph = Path(tmp) / "supergraph.graphql"
        supergraph.write_text(compose(urls))
        started = [
            start_production_gateway(processes, supergraph, base_code),
            start_production_gateway(processes, supergraph),
        ]
        gateways = {f"base ({args.base})": (started[0], started[0].url), "working tree": (started[1], started[1].url)}
        auth = started[1].auth
        for _, url in gateways.values():
            asyncio.run(prime(url, {"Authorization": auth}))
        results: dict = collections.defaultdict(list)
        for _ in range(args.rounds):
            for vary in (False, True):
                for name, (process, url) in gateways.items():
                    results[(name, vary)].append(cpu_ms_per_request(process, url, auth, vary, args))
        print(
            f"query: {QUERY}\n{args.connections} connections, {args.seconds:g}s per run, {args.rounds} rounds, "
            "production app (JWT, CORS, metrics), subgraphs replaying recorded answers\n"
        )
        print(f"{'gateway':24} {'mix':10} {'CPU-ms/request (best of rounds)':>32}")
        for (name, vary), values in results.items():
            print(f"{name:24} {'varying' if vary else 'identical':10} {min(values):32.3f}")
        for vary in (False, True):
            base, new = (min(results[(name, vary)]) for name in gateways)
            print(f"{'varying' if vary else 'identical'}: working tree / base = {new / base:.2f}x")
        if args.profile:
            flame_summary(*gateways["working tree"], auth, args)


if __name__ == "__main__":
    main()
