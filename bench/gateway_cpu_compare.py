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
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from gateway_bench_support import (
    _WRK_SCRIPT,
    ROOT,
    Processes,
    compose,
    cpu_seconds,
    free_port,
    start_subgraphs,
)
from gateway_throughput import OFFSETS, QUERY

SERVE = """
import sys, uvicorn
from axiom.settings import Settings
from gateway.main import create_app
app = create_app(Settings.from_env(), open(sys.argv[1]).read())
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def start_gateway(processes: Processes, code: Path, supergraph: Path) -> tuple:
    port = free_port()
    env = {"PYTHONPATH": str(code), "APP_ENV": "development", "GRAPHIQL": "false", "LOG_LEVEL": "WARNING"}
    process = processes.start([sys.executable, "-c", SERVE, str(supergraph), str(port)], port, env=env, cwd=code)
    return process, f"http://127.0.0.1:{port}/graphql"


def token() -> str:
    from axiom.auth import issue_token
    from axiom.settings import Settings

    return issue_token(Settings.from_env(), tenant_id="bench", subject="bench", roles=("analyst",))


def post(url: str, auth: str, offset: int) -> dict:
    body = json.dumps({"query": QUERY, "variables": {"offset": offset}}).encode()
    request = urllib.request.Request(url, body, {"content-type": "application/json", "authorization": auth})
    with urllib.request.urlopen(request) as response:
        return json.loads(response.read())


def prime(url: str, auth: str) -> None:
    """Every offset once (the subgraphs then have a recorded answer for each), checking the answers."""
    for offset in range(OFFSETS):
        body = post(url, auth, offset)
        if body.get("errors") or not body.get("data"):
            raise RuntimeError(f"gateway answered with errors: {body}")


def wrk(url: str, auth: str, vary: bool, connections: int, seconds: float) -> int:
    script = _WRK_SCRIPT % (json.dumps(json.dumps(QUERY)), "true" if vary else "false")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            [
                "wrk",
                "-t",
                "1",
                "-c",
                str(connections),
                "-d",
                f"{round(seconds)}s",
                "-H",
                f"Authorization: {auth}",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    line = next(out for out in done.stdout.splitlines() if out.startswith("RESULT "))
    result = json.loads(line[len("RESULT ") :])
    if result["errors"]:
        raise RuntimeError(f"{result['errors']} failed requests")
    return result["requests"]


def cpu_ms_per_request(process, url: str, auth: str, vary: bool, args) -> float:
    before = cpu_seconds(process.pid)
    requests = wrk(url, auth, vary, args.connections, args.seconds)
    return 1000 * (cpu_seconds(process.pid) - before) / max(requests, 1)


def flame_summary(process, url: str, auth: str, args) -> None:
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
    auth = f"Bearer {token()}"
    with Processes() as processes, tempfile.TemporaryDirectory() as tmp:
        base_code = Path(tmp) / "base"
        base_code.mkdir()
        archive = subprocess.run(["git", "archive", args.base], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(base_code)], input=archive, check=True)
        urls = start_subgraphs(processes, ["catalog", "reviews", "people"], cached=True)
        supergraph = Path(tmp) / "supergraph.graphql"
        supergraph.write_text(compose(urls))
        gateways = {
            f"base ({args.base})": start_gateway(processes, base_code, supergraph),
            "working tree": start_gateway(processes, ROOT, supergraph),
        }
        for _, url in gateways.values():
            prime(url, auth)
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
