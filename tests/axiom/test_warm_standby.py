"""Fast restarts of `up`'s HTTP processes, on real processes (the gateway: it needs no database): a warm standby
takes over a killed process, a request made meanwhile waits on the port `up` holds and is answered, a restart
without a standby is cold but works, and a port held by another program is refused with a clear message."""

import os
import signal
import socket
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from axiom.embedded.process import free_port, port_is_free
from axiom.settings import Settings
from axiom.standby import STANDBY_NICENESS
from axiom.supervision import Supervisor
from axiom.supervisor import AxiomProcess, ProcessSpec, StartupError

START_TIMEOUT = 180  # a cold start imports the whole gateway: slow on a busy machine; waited on, not asserted
GATEWAY = ProcessSpec("gateway", ("serve", "gateway"), http_service="gateway")


def _until(condition, timeout: float = START_TIMEOUT, step: float = 0.1):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(step)
    return result


def _alive(pid: int | None) -> bool:
    try:
        return pid is not None and Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False


@pytest.fixture
def gateway(tmp_path):
    """A factory of supervised gateway processes on a free port; every one made is closed afterwards."""
    made: list[AxiomProcess] = []

    def make(*, warm_standby: bool = True, port: int | None = None) -> AxiomProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "NEO4J_URI")}
        env |= {"GATEWAY_PORT": str(port or free_port()), "AXIOM_WARM_STANDBY": str(warm_standby).lower()}
        unit = AxiomProcess(GATEWAY, Settings.from_env(env), env, tmp_path / f"run-{len(made)}")
        made.append(unit)
        return unit

    yield make
    for unit in made:
        unit.close()


def _started(unit: AxiomProcess) -> AxiomProcess:
    unit.launch()
    _until(unit.check)
    unit.keep_standby()  # as `up` does once everything has started
    return unit


def _restarted(unit: AxiomProcess) -> list[str]:
    """Kill the process serving with SIGKILL and let a supervisor bring it back; what the supervisor said."""
    said: list[str] = []
    supervisor = Supervisor([unit], say=said.append)
    os.kill(unit.pid, signal.SIGKILL)
    _until(lambda: (supervisor.tick(), any(" is back " in line for line in said))[1])
    return said


def _live(port: int, timeout: float = 5) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=timeout) as response:
        return response.status


def test_a_killed_process_is_replaced_by_its_warm_standby_and_a_new_standby_warms_behind_it(gateway):
    unit = _started(gateway())
    first, standby = unit.pid, _until(lambda: unit.starts.standby_pid)
    said = _restarted(unit)
    assert said[0] == f"gateway (pid {first}) was killed by SIGKILL; restarting it now (attempt 1 of 5)"
    assert unit.pid == standby, "the standby took over"
    assert int((unit.process.pid_file).read_text()) == standby
    assert _live(unit.address[1]) == 200
    assert os.getpriority(os.PRIO_PROCESS, standby) == os.getpriority(os.PRIO_PROCESS, 0), "serves at full priority"
    replacement = unit.starts.standby_pid
    assert replacement not in (None, standby) and _alive(replacement)
    ours = os.getpriority(os.PRIO_PROCESS, 0)
    _until(lambda: os.getpriority(os.PRIO_PROCESS, replacement) == min(ours + STANDBY_NICENESS, 19))  # warms niced


def test_a_request_made_while_the_process_is_down_waits_and_is_answered_once_it_is_back(gateway):
    unit = _started(gateway())
    port = unit.address[1]
    answers: list[int | str] = []
    said: list[str] = []
    supervisor = Supervisor([unit], say=said.append)
    os.kill(unit.pid, signal.SIGKILL)
    _until(unit.exited)

    def ask() -> None:
        try:
            answers.append(_live(port, timeout=120))
        except OSError as exc:
            answers.append(repr(exc))

    asking = threading.Thread(target=ask)
    asking.start()  # nothing serves the port now: the connection waits in its backlog instead of being refused
    _until(lambda: (supervisor.tick(), any(" is back " in line for line in said))[1])
    asking.join(120)
    assert answers == [200]


def test_without_a_standby_a_restart_is_cold_and_serves_again(gateway):
    unit = _started(gateway(warm_standby=False))
    first = unit.pid
    assert unit.starts.standby_pid is None
    _restarted(unit)
    assert unit.pid not in (None, first) and _live(unit.address[1]) == 200


def test_a_standby_that_died_makes_the_next_restart_cold(gateway):
    unit = _started(gateway())
    standby = _until(lambda: unit.starts.standby_pid)
    os.kill(standby, signal.SIGKILL)
    _until(lambda: not _alive(standby) or unit.starts.standby.exited())
    _restarted(unit)
    assert unit.pid not in (None, standby) and _live(unit.address[1]) == 200


def test_closing_ends_the_process_and_its_standby_and_frees_the_port(gateway):
    unit = _started(gateway())
    pids = [unit.pid, _until(lambda: unit.starts.standby_pid)]
    unit.close()
    _until(lambda: not any(map(_alive, pids)), timeout=30)
    assert port_is_free(unit.address[1])


def test_a_port_held_by_another_program_is_refused_with_the_setting_to_change():
    with socket.create_server(("127.0.0.1", 0)) as other:
        port = other.getsockname()[1]
        env = {**os.environ, "GATEWAY_PORT": str(port)}
        unit = AxiomProcess(GATEWAY, Settings.from_env(env), env, Path("/nonexistent-run-folder"))
        with pytest.raises(StartupError, match=f"port {port} on 127.0.0.1 is in use .*set GATEWAY_PORT"):
            unit.launch()
        assert unit.pid is None
