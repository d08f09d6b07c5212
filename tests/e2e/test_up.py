"""`axiom up` as a user runs it: everything comes up, readiness reflects the servers, Ctrl-C stops it all."""

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from axiom.embedded.process import free_port

UP_TIMEOUT = 240


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie awaiting its parent's wait() is gone for our purposes.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


def _children_pids(data_dir: Path) -> list[int]:
    return [int(p.read_text()) for p in data_dir.rglob("*.pid") if p.name != "postmaster.pid"]


@pytest.fixture
def up_process(tmp_path):
    ports = {name: free_port() for name in ("GATEWAY_PORT", "WEAVER_PORT", "VISION_PORT")}
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "NEO4J_URI")}
    env.update({k: str(v) for k, v in ports.items()}, AXIOM_DATA_DIR=str(tmp_path / "data"))
    process = subprocess.Popen([sys.executable, "-m", "axiom.cli", "up"], env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    deadline = time.monotonic() + UP_TIMEOUT
    for line in process.stdout:
        output.append(line)
        if "Axiom is up." in line or time.monotonic() > deadline:
            break
    try:
        yield process, ports, tmp_path / "data", output
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_up_serves_ready_system_degrades_without_redis_and_stops_everything(up_process):
    process, ports, data_dir, output = up_process
    assert process.poll() is None, "".join(output)
    gateway = f"http://127.0.0.1:{ports['GATEWAY_PORT']}"
    status, ready = _get(f"{gateway}/health/ready")
    assert status == 200 and ready["status"] == "ok", ready
    assert {name: check["status"] for name, check in ready["checks"].items()} == {
        "weaver": "up", "vision": "up", "redis": "up"}

    pids = _children_pids(data_dir)
    assert len(pids) >= 6, pids  # postgres, valkey, arcadedb, weaver, vision, gateway

    valkey_pid = int((data_dir / "valkey" / "valkey.pid").read_text())
    os.kill(valkey_pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        status, degraded = _get(f"{gateway}/health/ready")
        # Weaver and Vision may notice first (their own Redis checks): wait for the gateway's Redis check too.
        if status == 503 and degraded["checks"]["redis"]["status"] == "down":
            break
        time.sleep(0.5)
    assert status == 503 and degraded["status"] == "degraded", degraded
    assert degraded["checks"]["redis"]["status"] == "down"

    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=60)
    assert process.returncode == 0, rest
    assert "axiom: stopped" in rest
    assert [pid for pid in pids if _alive(pid)] == []
