"""Keep a set of processes running: a crashed one is restarted at once, then with exponential backoff while it
keeps crashing, while the others keep serving; only a process that keeps crashing soon after each start makes the
supervisor give up.

A unit is anything with `name`, `pid`, `returncode`, `launch()` (fork, do not wait), `check()` (one quick
look: True once ready; raises when it cannot become ready), `exited()` and `stop()`: the embedded servers and
Axiom's own processes both are. Everything runs on the calling thread: children die with the thread that
forked them (PDEATHSIG), so forking from a helper thread would kill them when it ends.
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol


class Unit(Protocol):
    name: str

    @property
    def pid(self) -> int | None: ...

    @property
    def returncode(self) -> int | None: ...

    def launch(self) -> None: ...

    def check(self) -> bool: ...

    def exited(self) -> bool: ...

    def stop(self) -> None: ...


class GaveUp(RuntimeError):
    """A process crashed too often, too soon after starting, to be worth restarting again."""


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 0.25  # the wait before the second restart of a run of quick crashes; then doubled
    max_delay: float = 15.0
    start_timeout: float = 90.0  # a restart that is not ready by then counts as another crash
    stable_after: float = 30.0  # ready this long: the next crash starts the count afresh
    max_fast_crashes: int = 5

    def delay(self, fast_crashes: int) -> float:
        """Seconds to wait before restart number `fast_crashes` of a run of quick crashes (1, 2, …): none for a
        lone crash (every second counts while it is down), then `first_delay`, doubling up to `max_delay`."""
        if fast_crashes <= 1:
            return 0.0
        return min(self.first_delay * 2.0 ** (fast_crashes - 2), self.max_delay)


def describe_exit(code: int | None) -> str:
    if code is None:
        return "stopped answering"
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


@dataclass
class _Watch:
    unit: Unit
    state: str = "running"  # running | waiting (backoff) | starting
    ready_since: float = 0.0
    down_since: float = 0.0
    fast_crashes: int = 0
    restart_at: float = 0.0
    start_deadline: float = 0.0


@dataclass
class Supervisor:
    """Watches units that are already running; `tick()` does one round of checks and restarts."""

    units: Sequence[Unit]
    say: Callable[[str], None]
    policy: RestartPolicy = field(default_factory=RestartPolicy)
    clock: Callable[[], float] = time.monotonic
    restarts: int = 0

    def __post_init__(self) -> None:
        now = self.clock()
        self._watches = [_Watch(unit, ready_since=now) for unit in self.units]

    def run(self, interval: float = 0.1) -> None:
        """Watch until interrupted (KeyboardInterrupt) or until a unit is given up (GaveUp)."""
        while True:
            self.tick()
            time.sleep(interval)

    def tick(self) -> None:
        for watch in self._watches:
            now = self.clock()
            if watch.state == "running":
                if watch.unit.exited():
                    self._crashed(watch, now, f"(pid {watch.unit.pid}) {describe_exit(watch.unit.returncode)}")
            elif watch.state == "waiting":
                if now >= watch.restart_at:
                    self._relaunch(watch, now)
            else:
                self._check_start(watch, now)

    def _crashed(self, watch: _Watch, now: float, what: str) -> None:
        unit = watch.unit
        if watch.state == "running":
            watch.down_since = now
            if now - watch.ready_since >= self.policy.stable_after:
                watch.fast_crashes = 0
        watch.fast_crashes += 1
        unit.stop()  # reap it; a half-started restart is stopped before the next try
        if watch.fast_crashes > self.policy.max_fast_crashes:
            raise GaveUp(
                f"{unit.name} {what}; it crashed {watch.fast_crashes} times in a row, each time within "
                f"{self.policy.stable_after:.0f}s of starting: giving up"
            )
        delay = self.policy.delay(watch.fast_crashes)
        when = f"in {delay:.2f}s" if delay else "now"
        self.say(
            f"{unit.name} {what}; restarting it {when} (attempt {watch.fast_crashes} of {self.policy.max_fast_crashes})"
        )
        watch.state, watch.restart_at = "waiting", now + delay
        if not delay:
            self._relaunch(watch, now)

    def _relaunch(self, watch: _Watch, now: float) -> None:
        try:
            watch.unit.launch()
        except Exception as exc:  # e.g. the binary vanished: counts as a crash of this attempt
            self._crashed(watch, now, f"could not be started ({exc})")
            return
        watch.state, watch.start_deadline = "starting", now + self.policy.start_timeout

    def _check_start(self, watch: _Watch, now: float) -> None:
        try:
            ready = watch.unit.check()
        except Exception as exc:  # exited during start-up, or its port is held by another process
            self._crashed(watch, now, f"failed to restart ({str(exc).splitlines()[0]})")
            return
        if ready:
            watch.state, watch.ready_since = "running", now
            self.restarts += 1
            self.say(
                f"{watch.unit.name} is back (pid {watch.unit.pid}), {now - watch.down_since:.1f}s after it went down"
            )
        elif now > watch.start_deadline:
            self._crashed(watch, now, f"was not ready {self.policy.start_timeout:.0f}s after its restart")

    def stop_all(self) -> None:
        for watch in reversed(self._watches):
            watch.unit.stop()
