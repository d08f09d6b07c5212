"""Faults under a steady load: kill -9 of each subgraph and embedded server, SIGSTOP of each subgraph. For each:
the requests that failed, how long until the affected query shapes were served again, and whether rows written
before the fault are still there."""

from __future__ import annotations

import os
import re
import signal
import time
import uuid
from dataclasses import dataclass

from abuse_load import SHAPES, Outcome, SteadyLoad
from abuse_report import Row
from abuse_stack import UpStack

RECOVERY_GOAL_S = 5.0
GIVE_UP_AFTER_S = 90.0
STOP_SECONDS = 3.0
STEADY_SUCCESSES = 3  # each affected shape served this many times in a row: recovered


@dataclass(frozen=True)
class Fault:
    unit: str  # a key of abuse_stack.PID_FILES
    action: str  # "kill" (SIGKILL) or "stop" (SIGSTOP, then SIGCONT)
    affected: tuple[str, ...]  # shapes that may fail meanwhile; every other shape must keep being served
    supervisor_name: str = ""

    @property
    def label(self) -> str:
        return f"{'kill -9' if self.action == 'kill' else f'SIGSTOP {STOP_SECONDS:.0f} s'} {self.unit}"


FAULTS = (
    Fault("weaver", "kill", ("weaver", "graph"), "weaver"),
    Fault("vision", "kill", ("vision", "pivot"), "vision"),
    Fault("weaver", "stop", ("weaver", "graph")),
    Fault("vision", "stop", ("vision", "pivot")),
    Fault("valkey", "kill", (), "valkey"),  # optional for every process: nothing may fail
    Fault("bolt", "kill", ("graph",), "arcadedb"),
    Fault("postgres", "kill", ("vision", "pivot", "weaver"), "postgres"),
)


def recovery_seconds(outcomes: list[Outcome], affected: tuple[str, ...], since: float) -> float | None:
    """Seconds from `since` until every affected shape was served and stayed served (the end of the first
    success after its last failure); 0 when nothing failed; None when a shape never came back."""
    worst = 0.0
    for shape in affected:
        mine = sorted((o for o in outcomes if o.shape == shape and o.ended >= since), key=lambda o: o.ended)
        failures = [i for i, o in enumerate(mine) if not o.ok]
        if not failures:
            continue
        after = mine[failures[-1] + 1 :]
        if not after:
            return None
        worst = max(worst, after[0].ended - since)
    return worst


class Ledger:
    """Rows written through the API before each fault, checked after every recovery."""

    def __init__(self, stack: UpStack):
        self.stack = stack
        self.terms: list[str] = []
        self.runs: list[str] = []
        self.cube = stack.graphql('{ cube(name: "Sales") { id } }')[1]["data"]["cube"]["id"]
        self.tables = self._tables()

    def _tables(self) -> int | None:
        body = self.stack.graphql('{ searchTables(query: "") { totalCount } }')[1]
        return ((body.get("data") or {}).get("searchTables") or {}).get("totalCount")

    def write(self) -> None:
        """A glossary term (Weaver, PostgreSQL) and a refresh run (Vision, PostgreSQL); asked again for up to 30 s
        when the system has not settled since the previous fault."""
        deadline = time.monotonic() + 30
        while True:
            term = self.stack.graphql(
                "mutation($n: String!) { createGlossaryTerm(input: {name: $n}) { term { id } } }",
                {"n": f"before a fault {uuid.uuid4().hex[:8]}"},
            )[1]
            run = self.stack.graphql("mutation($id: ID!) { refreshCube(id: $id) { run { id } } }", {"id": self.cube})[1]
            try:
                self.terms.append(term["data"]["createGlossaryTerm"]["term"]["id"])
                self.runs.append(run["data"]["refreshCube"]["run"]["id"])
                return
            except (KeyError, TypeError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"cannot write before the fault: {term} {run}") from None
                time.sleep(1)

    def lost(self) -> list[str]:
        """What written before is missing now (asked until it answers: the system just recovered)."""
        deadline = time.monotonic() + 30
        while True:
            _status, body = self.stack.graphql(
                "query($id: ID!) { cube(id: $id) { refreshRuns(first: 100) { id } } "
                'glossaryTerms(first: 100) { edges { node { id } } } searchTables(query: "") { totalCount } }',
                {"id": self.cube},
            )
            if not body.get("errors") or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        data = body.get("data") or {}
        runs = {r["id"] for r in ((data.get("cube") or {}).get("refreshRuns") or [])}
        terms = {e["node"]["id"] for e in ((data.get("glossaryTerms") or {}).get("edges") or [])}
        lost = [f"term {t}" for t in self.terms if t not in terms] + [f"run {r}" for r in self.runs if r not in runs]
        tables = (data.get("searchTables") or {}).get("totalCount")
        if tables != self.tables:
            lost.append(f"graph tables {self.tables} → {tables}")
        return lost


def _supervisor_back(stack: UpStack, name: str, offset: int) -> str | None:
    """How long `up` says the unit was down (it prints each return), or None when it did not say."""
    for line in stack.lines[offset:]:
        match = re.search(rf"axiom: {name} is back \(pid \d+\), ([\d.]+)s after it went down", line)
        if match:
            return f"{match.group(1)} s"
    return None


def _wait_recovered(load: SteadyLoad, fault: Fault, since: float) -> float | None:
    deadline = since + GIVE_UP_AFTER_S
    while time.monotonic() < deadline:
        time.sleep(0.25)
        outcomes = load.since(since)
        steady = all(
            len(tail := [o for o in outcomes if o.shape == shape][-STEADY_SUCCESSES:]) == STEADY_SUCCESSES
            and all(o.ok for o in tail)
            for shape in SHAPES
        )
        if steady and time.monotonic() - since > 2:
            return recovery_seconds(outcomes, fault.affected, since)
    return None


def inject(stack: UpStack, fault: Fault, load: SteadyLoad) -> tuple[float, float | None, list[Outcome]]:
    """Cause the fault; returns (moment recovery is counted from, recovery seconds or None, outcomes meanwhile)."""
    pid = stack.pid_of(fault.unit)
    began = time.monotonic()
    if fault.action == "kill":
        os.kill(pid, signal.SIGKILL)
        since = began
    else:
        os.kill(pid, signal.SIGSTOP)
        time.sleep(STOP_SECONDS)
        os.kill(pid, signal.SIGCONT)
        since = time.monotonic()  # nothing can answer while stopped: count from the thaw
    recovery = _wait_recovered(load, fault, since)
    return since, recovery, load.since(began)


def fault_rows(stack: UpStack) -> list[Row]:
    ledger = Ledger(stack)
    rows = []
    with SteadyLoad(stack) as load:
        time.sleep(2)
        for fault in FAULTS:
            ledger.write()
            offset = len(stack.lines)
            _since, recovery, during = inject(stack, fault, load)
            failed = [o for o in during if not o.ok]
            collateral = [o for o in failed if o.shape not in fault.affected]
            slowest = max((o.ended - o.started for o in during), default=0.0)
            answers = ", ".join(sorted({o.detail for o in failed})[:3])
            lost = ledger.lost()
            back = _supervisor_back(stack, fault.supervisor_name, offset) if fault.supervisor_name else None
            section = "faults under load"
            rows.append(
                Row(
                    section,
                    f"{fault.label}: failed requests",
                    f"{len(failed)} of {len(during)}{' (' + answers + ')' if answers else ''}; "
                    f"{len(collateral)} outside {'/'.join(fault.affected) or 'none'}; "
                    f"slowest {slowest:.1f} s",
                    "0 outside",
                    not collateral,
                )
            )
            origin = "from SIGCONT" if fault.action == "stop" else "from the kill"
            rows.append(
                Row(
                    section,
                    f"{fault.label}: recovery",
                    (f"{recovery:.1f} s {origin}" if recovery is not None else f"not within {GIVE_UP_AFTER_S:.0f} s")
                    + (f" (up: back after {back})" if back else ""),
                    f"< {RECOVERY_GOAL_S:.0f} s",
                    recovery is not None and recovery < RECOVERY_GOAL_S,
                )
            )
            rows.append(Row(section, f"{fault.label}: data lost", ", ".join(lost) or "0", "0", not lost))
            time.sleep(1)
    return rows
