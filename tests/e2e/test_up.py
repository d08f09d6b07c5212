"""`axiom up` as a user runs it: everything comes up, a killed process or server comes back while the rest keeps
serving, readiness says what is down, a second `up` cannot take the data folder, and Ctrl-C stops it all.

The tests of this module share one `up` and run in file order; the last one stops it.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import redis

from axiom.embedded.process import free_port

UP_TIMEOUT = 240
RECOVERY_TIMEOUT = 120  # generous: the machine running the tests may be busy; the figure is printed, not asserted
VISION_ONLY = "{ cubes { name } }"
WEAVER_ONLY = "{ dataSources { totalCount } }"


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


class Up:
    """A running `axiom up`: its ports, data folder and every line it printed (read on a thread, so that its
    output never blocks it)."""

    def __init__(self, folder: Path):
        self.ports = {name: free_port() for name in ("GATEWAY_PORT", "WEAVER_PORT", "VISION_PORT")}
        self.data_dir = folder / "data"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "NEO4J_URI")}
        self.env = {**env, **{k: str(v) for k, v in self.ports.items()}, "AXIOM_DATA_DIR": str(self.data_dir)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "axiom.cli", "up"],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        self.gateway = f"http://127.0.0.1:{self.ports['GATEWAY_PORT']}"

    def _read(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def wait_for_line(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"no {text!r} in the output of up:\n{self.output}")
            time.sleep(0.2)

    @property
    def token(self) -> str:
        lines = self.output.splitlines()
        return lines[next(i for i, line in enumerate(lines) if line.startswith("Demo token")) + 1].strip()

    def pid_of(self, relative: str) -> int:
        return int((self.data_dir / relative).read_text())

    def graphql(self, query: str) -> dict:
        request = urllib.request.Request(
            f"{self.gateway}/graphql",
            data=json.dumps({"query": query}).encode(),
            headers={"content-type": "application/json", "authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:
            return json.loads(error.read())


@pytest.fixture(scope="module")
def up(server_root):
    stack = Up(server_root / "up")
    try:
        stack.wait_for_line("Axiom is up.", UP_TIMEOUT)
        yield stack
    finally:
        if stack.process.poll() is None:
            stack.process.kill()
            stack.process.wait()


def _served(body: dict) -> bool:
    return "errors" not in body and body.get("data") is not None


def test_up_is_ready_and_keeps_the_graph_password_off_the_process_list(up):
    status, ready = _get(f"{up.gateway}/health/ready")
    assert status == 200 and ready["status"] == "ok", ready
    assert {name: (check["status"], check["required"]) for name, check in ready["checks"].items()} == {
        "weaver": ("up", False),
        "vision": ("up", False),
        "redis": ("up", False),
    }
    arcadedb = up.pid_of("arcadedb/arcadedb.pid")
    password = (up.data_dir / "arcadedb" / "root-password").read_text()
    assert password and password not in Path(f"/proc/{arcadedb}/cmdline").read_bytes().decode(errors="replace")
    assert (up.data_dir / "valkey" / "password").read_text() not in up.output  # the banner masks it


def test_a_second_up_on_the_same_data_folder_is_refused(up):
    env = {**up.env, **{name: str(free_port()) for name in up.ports}}
    second = subprocess.run(
        [sys.executable, "-m", "axiom.cli", "up"], env=env, capture_output=True, text=True, timeout=120
    )
    assert second.returncode == 1, second.stdout + second.stderr
    assert f"data folder {up.data_dir} is in use by another `axiom up` (pid {up.process.pid})" in second.stdout
    assert _served(up.graphql(VISION_ONLY))


def test_a_killed_subgraph_comes_back_while_the_rest_keeps_serving(up):
    up.wait_for_line("standing by to take over from weaver", UP_TIMEOUT)  # its standby has warmed up
    weaver, standby = up.pid_of("run/weaver.pid"), up.pid_of("run/weaver-standby.pid")
    os.kill(weaver, signal.SIGKILL)
    killed_at = time.monotonic()
    vision_answers, weaver_back = [], None
    while weaver_back is None and time.monotonic() - killed_at < RECOVERY_TIMEOUT:
        vision_answers.append(_served(up.graphql(VISION_ONLY)))
        if _served(up.graphql(WEAVER_ONLY)):
            weaver_back = time.monotonic() - killed_at
        time.sleep(0.2)
    print(
        f"\nweaver killed with SIGKILL: answering again through the gateway after {weaver_back:.1f}s; "
        f"{vision_answers.count(True)}/{len(vision_answers)} Vision queries served meanwhile"
    )
    assert weaver_back is not None, up.output
    assert all(vision_answers), vision_answers
    assert f"weaver (pid {weaver}) was killed by SIGKILL; restarting it now" in up.output
    assert f"weaver is back (pid {standby})" in up.output  # its warm standby took over
    assert up.pid_of("run/weaver.pid") == standby
    assert up.process.poll() is None


def test_a_killed_valkey_comes_back_on_its_port_and_readiness_names_it_meanwhile(up):
    valkey = up.pid_of("valkey/valkey.pid")
    port = int((up.data_dir / "valkey" / "port").read_text())
    password = (up.data_dir / "valkey" / "password").read_text()
    os.kill(valkey, signal.SIGKILL)
    killed_at = time.monotonic()
    back = None
    while back is None and time.monotonic() - killed_at < RECOVERY_TIMEOUT:
        try:
            with redis.Redis(port=port, password=password, socket_timeout=1) as client:
                if client.info("server")["process_id"] != valkey:
                    back = time.monotonic() - killed_at
        except redis.RedisError:
            time.sleep(0.05)
    print(f"\nvalkey killed with SIGKILL: answering again on port {port} after {back:.2f}s")
    assert back is not None, up.output
    assert f"valkey (pid {valkey}) was killed by SIGKILL; restarting it now" in up.output
    assert _served(up.graphql(VISION_ONLY)) and _served(up.graphql(WEAVER_ONLY))
    deadline = time.monotonic() + 30
    while _get(f"{up.gateway}/health/ready")[1]["status"] != "ok" and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _get(f"{up.gateway}/health/ready")[1]["status"] == "ok"


def test_readiness_names_a_stopped_valkey_without_marking_the_subgraphs_down(up):
    """SIGSTOP keeps Valkey's process (so it is not restarted) but it stops answering, like a hung server."""
    valkey = up.pid_of("valkey/valkey.pid")
    os.kill(valkey, signal.SIGSTOP)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            status, ready = _get(f"{up.gateway}/health/ready")
            if ready["checks"]["redis"]["status"] == "down" and ready["checks"]["weaver"]["status"] == "degraded":
                break
            time.sleep(0.5)
        served = [up.graphql(VISION_ONLY), up.graphql(WEAVER_ONLY)]
    finally:
        os.kill(valkey, signal.SIGCONT)
    assert status == 200 and ready["status"] == "degraded" and ready["down"] == ["redis"], ready
    assert ready["checks"]["weaver"]["note"] == "redis down, requestGuard degraded", ready
    assert ready["checks"]["vision"]["status"] == "degraded", ready
    assert all(map(_served, served)), served


def test_ctrl_c_stops_everything(up):
    pids = _children_pids(up.data_dir)
    assert len(pids) >= 6, pids  # postgres, valkey, arcadedb, weaver, vision, gateway
    up.process.send_signal(signal.SIGINT)
    up.process.wait(60)
    up._reader.join(10)
    assert up.process.returncode == 0, up.output
    assert "axiom: stopped" in up.output
    assert [pid for pid in pids if _alive(pid)] == []
