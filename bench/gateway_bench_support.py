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
    """The bare gateway (`python -m gateway`): no JWT, CORS or metrics."""
    port = free_port()
    process = processes.start([sys.executable, "-m", "gateway", str(supergraph), "--port", str(port)], port, cwd=ROOT)
    process.url = f"http://127.0.0.1:{port}/graphql"
    return process


# The production app as `axiom serve gateway` (and so `axiom up`) serves it: `gateway.main.create_app` (JWT
# verification, CORS, metrics, request tagging, the tenant rate limit) under uvicorn.
_SERVE = """
import sys, uvicorn
from axiom.settings import Settings
from gateway.main import create_app
app = create_app(Settings.from_env(), open(sys.argv[1]).read())
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""
# A secret of the bench's own; the rate limit stays on but so high that a load never meets it (a refused
# request would be cheaper than a served one).
PRODUCTION_ENV = {
    "APP_ENV": "development",
    "GRAPHIQL": "false",
    "LOG_LEVEL": "WARNING",
    "JWT_SECRET": "axiom-bench-jwt-secret-of-at-least-32-bytes",
    "RATE_LIMIT_PER_MINUTE": "100000000",
}


def start_production_gateway(processes: Processes, supergraph: Path, code: Path = ROOT) -> subprocess.Popen:
    """The production gateway app over `supergraph`, from the source tree `code`; `.auth` is a bearer header."""
    port = free_port()
    env = {"PYTHONPATH": str(code), **PRODUCTION_ENV}
    process = processes.start([sys.executable, "-c", _SERVE, str(supergraph), str(port)], port, env=env, cwd=code)
    process.url = f"http://127.0.0.1:{port}/graphql"
    process.auth = production_authorization()
    return process


def production_authorization() -> str:
    """An `Authorization` header value the production gateway of `start_production_gateway` accepts."""
    from axiom.auth import issue_token
    from axiom.settings import Settings

    settings = Settings.from_env({**os.environ, **PRODUCTION_ENV})
    return "Bearer " + issue_token(settings, tenant_id="bench", subject="bench", roles=("analyst",))


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
    errors: int  # transport errors, statuses other than 200, and 200s without `data` or with GraphQL `errors`

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


# Every response body is checked (wrk's `response` hook): a 200 carrying GraphQL `errors` is a failure.
WRK_SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
%s
local query = %s
local vary = %s
local offset_variable = %s
local counter = 0
failed = 0
local threads = {}
setup = function(thread) table.insert(threads, thread) end
request = function()
  counter = counter + 1
  if not offset_variable then return wrk.format(nil, nil, nil, '{"query":' .. query .. '}') end
  local offset = 0
  if vary then offset = (counter * 7919 + math.random(0, 1000)) %% 190 end
  return wrk.format(nil, nil, nil,
    '{"query":' .. query .. ',"variables":{"offset":' .. offset .. '}}')
end
response = function(status, headers, body)
  if status ~= 200 or not body:find('"data":{', 1, true) or body:find('"errors"', 1, true) then
    failed = failed + 1
  end
end
done = function(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("failed") end
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + bad
  io.write(string.format('RESULT {"requests":%%d,"micros":%%d,"p50":%%d,"p95":%%d,"errors":%%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), errors))
end
"""


def run_load(
    url: str, query: str, *, vary: bool, connections: int, seconds: float, headers: dict[str, str] | None = None
) -> LoadResult:
    """Fixed-concurrency load: wrk when installed (cheap on CPU), else Python. A query that declares `$offset`
    gets it as a variable (0, or drawn from range(190) when `vary`); every answer is checked."""
    if shutil.which("wrk"):
        return _wrk(url, query, vary, connections, seconds, headers or {})
    return asyncio.run(_python_load(url, query, vary, connections, seconds, headers or {}))


def _wrk(url, query, vary, connections, seconds, headers) -> LoadResult:
    header_lines = "\n".join(f"wrk.headers[{json.dumps(k)}] = {json.dumps(v)}" for k, v in headers.items())
    flags = ("true" if vary else "false", "true" if "$offset" in query else "false")
    script = WRK_SCRIPT % (header_lines, json.dumps(json.dumps(query)), *flags)
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


def answered(status: int, body: bytes) -> bool:
    """A 200 whose body has `data` and no GraphQL `errors`."""
    if status != 200:
        return False
    try:
        payload = json.loads(body)
    except ValueError:
        return False
    return isinstance(payload, dict) and payload.get("data") is not None and not payload.get("errors")


async def _python_load(url, query, vary, connections, seconds, headers) -> LoadResult:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def worker(session: aiohttp.ClientSession, index: int) -> None:
        nonlocal errors
        counter = index
        while time.perf_counter() < deadline:
            counter += connections
            payload: dict = {"query": query}
            if "$offset" in query:
                payload["variables"] = {"offset": (counter * 7919) % 190 if vary else 0}
            started = time.perf_counter()
            async with session.post(url, json=payload, headers=headers) as response:
                errors += not answered(response.status, await response.read())
            latencies.append(time.perf_counter() - started)

    began = time.perf_counter()
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*(worker(session, i) for i in range(connections)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return LoadResult(len(latencies), elapsed, cuts[49] * 1000, cuts[94] * 1000, errors)
