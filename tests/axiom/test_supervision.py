"""The restart policy of `axiom up`, on scripted units and a manual clock (real processes: tests/e2e/test_up.py)."""

import pytest

from axiom.supervision import GaveUp, RestartPolicy, Supervisor


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class ScriptedUnit:
    """A process that crashes when told to; each restart is ready at its first check unless `broken`."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.pid = 1
        self.returncode: int | None = None
        self.broken = False
        self.launches = 0
        self.stops = 0

    def crash(self) -> None:
        self.returncode = -9

    def exited(self) -> bool:
        return self.returncode is not None

    def launch(self) -> None:
        self.launches += 1
        self.pid += 1
        self.returncode = -9 if self.broken else None

    def check(self) -> bool:
        if self.returncode is not None:
            raise RuntimeError("exited during start-up")
        return True

    def stop(self) -> None:
        self.stops += 1


def _supervisor(*units, policy=RestartPolicy()):
    clock, said = Clock(), []
    return Supervisor(list(units), say=said.append, policy=policy, clock=clock), clock, said


def _advance(supervisor, clock, seconds: float, step: float = 0.05) -> None:
    end = clock.now + seconds
    while clock.now < end:
        clock.now += step
        supervisor.tick()


def test_a_crashed_unit_is_restarted_and_the_others_are_left_alone():
    weaver, vision = ScriptedUnit("weaver"), ScriptedUnit("vision")
    supervisor, clock, said = _supervisor(weaver, vision)
    weaver.crash()
    _advance(supervisor, clock, 1)
    assert weaver.launches == 1 and not weaver.exited()
    assert vision.launches == 0 and vision.stops == 0
    assert said[0] == "weaver (pid 1) was killed by SIGKILL; restarting it now (attempt 1 of 5)"
    assert said[1].startswith("weaver is back (pid 2)")


def test_backoff_doubles_while_restarts_keep_failing_then_gives_up_loudly():
    policy = RestartPolicy(first_delay=0.5, max_delay=4, max_fast_crashes=5)
    valkey = ScriptedUnit("valkey")
    supervisor, clock, said = _supervisor(valkey, policy=policy)
    valkey.broken = True
    valkey.crash()
    with pytest.raises(GaveUp, match=r"valkey .* crashed 6 times in a row"):
        _advance(supervisor, clock, 60)
    delays = [line.split("restarting it ")[1].split(" (")[0] for line in said]
    assert delays == ["now", "in 0.50s", "in 1.00s", "in 2.00s", "in 4.00s"]
    assert valkey.launches == 5


def test_a_lone_crash_is_restarted_in_the_same_tick_that_sees_it():
    weaver = ScriptedUnit("weaver")
    supervisor, _, _ = _supervisor(weaver)
    weaver.crash()
    supervisor.tick()  # no clock advance: no backoff before the first restart
    assert weaver.launches == 1 and not weaver.exited()


def test_a_unit_that_ran_long_enough_starts_its_crash_count_afresh():
    policy = RestartPolicy(first_delay=0.5, stable_after=30, max_fast_crashes=2)
    gateway = ScriptedUnit("gateway")
    supervisor, clock, said = _supervisor(gateway, policy=policy)
    for _ in range(5):  # five crashes, each after a minute of good service: never given up
        _advance(supervisor, clock, 60, step=1)
        gateway.crash()
        _advance(supervisor, clock, 1)
        assert not gateway.exited()
    assert all("attempt 1 of 2" in line for line in said if "restarting" in line)
