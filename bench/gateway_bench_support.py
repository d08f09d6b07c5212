"""Shared machinery of the gateway benchmarks: processes, composition, CPU time from
/proc, and the load generator (wrk with a Lua script, or a Python fallback)."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


class Processes:
    """Child processes started by a benchmark, all stopped on exit."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen] = []

    def start(self, args: list[str], port: int, env: dict | None = None, cwd: Path | None = None) -> subprocess.Popen:
        process = subprocess.Popen(
            args, cwd=cwd, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        self.started.append(process)
        try:
            wait_for_port(port)
        except RuntimeError as error:
            process.kill()
            raise RuntimeError(f"{args[0]} did not start: {process.stderr.read().decode()[-2000:]}") from error
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_) -> None:
        for process in self.started:
            process.terminate()
        for process in self.started:
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()


def start_subgraphs(processes: Processes, names: list[str], cached: bool = False) -> dict[str, str]:
    """Serve each bench subgraph in its own process; return name → URL."""
    urls = {}
    for name in names:
        port = free_port()
        args = [sys.executable, str(BENCH / "gateway_subgraphs.py"), name, str(port)]
        processes.start(args + ["--cached"] * cached, port)
        urls[name] = f"http://127.0.0.1:{port}/graphql"
    return urls


def compose(urls: dict[str, str]) -> str:
    """Compose the bench subgraphs with tools/compose (Node)."""
    sys.path.insert(0, str(BENCH))
    import gateway_subgraphs

    payload = [{"name": n, "url": u, "sdl": gateway_subgraphs.sdl(n)} for n, u in urls.items()]
    done = subprocess.run(
        ["node", str(ROOT / "tools/compose/compose.mjs")], input=json.dumps(payload), capture_output=True, text=True
    )
    if done.returncode != 0:
        raise RuntimeError(f"composition failed (npm install in tools/compose?):\n{done.stderr}")
    return done.stdout


def start_axiom_gateway(processes: Processes, supergraph: Path) -> subprocess.Popen:
    port = free_port()
    process = processes.start([sys.executable, "-m", "gateway", str(supergraph), "--port", str(port)], port, cwd=ROOT)
    process.url = f"http://127.0.0.1:{port}/graphql"
    return process


def subgraph_requests(url: str) -> int:
    """Requests a bench subgraph has served so far."""
    import urllib.request

    with urllib.request.urlopen(url.replace("/graphql", "/count")) as response:
        return int(response.read())


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and all its descendants (from /proc)."""
    total = 0.0
    for child in [pid, *_descendants(pid)]:
        try:
            fields = Path(f"/proc/{child}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def _descendants(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (FileNotFoundError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
                found.extend(_descendants(int(entry.name)))
    return found


@dataclass
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    errors: int

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


_WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local query = %s
local vary = %s
local counter = 0
request = function()
  counter = counter + 1
  local offset = 0
  if vary then offset = (counter * 7919 + math.random(0, 1000)) %% 190 end
  return wrk.format(nil, nil, nil,
    '{"query":' .. query .. ',"variables":{"offset":' .. offset .. '}}')
end
done = function(summary, latency, requests)
  local errors = summary.errors.status + summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout
  io.write(string.format('RESULT {"requests":%%d,"micros":%%d,"p50":%%d,"p95":%%d,"errors":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), errors))
end
"""


def run_load(url: str, query: str, *, vary: bool, connections: int, seconds: float) -> LoadResult:
    """Fixed-concurrency load: wrk when installed (cheap on CPU), else Python."""
    if shutil.which("wrk"):
        return _wrk(url, query, vary, connections, seconds)
    return asyncio.run(_python_load(url, query, vary, connections, seconds))


def _wrk(url, query, vary, connections, seconds) -> LoadResult:
    script = _WRK_SCRIPT % (json.dumps(json.dumps(query)), "true" if vary else "false")
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        done = subprocess.run(
            ["wrk", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(seconds))}s", "-s", handle.name, url],
            capture_output=True,
            text=True,
            check=True,
        )
    finally:
        os.unlink(handle.name)
    line = next(out for out in done.stdout.splitlines() if out.startswith("RESULT "))
    data = json.loads(line[len("RESULT ") :])
    return LoadResult(data["requests"], data["micros"] / 1e6, data["p50"] / 1000, data["p95"] / 1000, data["errors"])


async def _python_load(url, query, vary, connections, seconds) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession, index: int) -> None:
        nonlocal errors
        counter = index
        while time.perf_counter() < deadline:
            counter += connections
            offset = (counter * 7919) % 190 if vary else 0
            started = time.perf_counter()
            async with session.post(url, json={"query": query, "variables": {"offset": offset}}) as response:
                await response.read()
                errors += response.status != 200
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session, i) for i in range(connections)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return LoadResult(len(latencies), elapsed, cuts[49] * 1000, cuts[94] * 1000, errors)
