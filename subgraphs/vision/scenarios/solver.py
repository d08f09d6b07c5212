"""Solving a scenario with scipy's SLSQP: progress per iteration, a deadline and a stop flag, and the best
point so far when either cuts the solve short. Pure: no I/O (the job around it publishes and records)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize

from subgraphs.vision.scenarios.model import Point, ScenarioModel

METHOD = "SLSQP"
MAX_ITERATIONS = 500
FEASIBILITY_TOLERANCE = 1e-6  # relative to each constraint's scale (1 + |left| + |right|)

COMPLETED, INFEASIBLE, TIMED_OUT, CANCELLED, FAILED = "COMPLETED", "INFEASIBLE", "TIMED_OUT", "CANCELLED", "FAILED"


@dataclass(frozen=True)
class Progress:
    iteration: int
    objective: float
    max_violation: float
    elapsed: float  # seconds


@dataclass(frozen=True)
class SolveResult:
    status: str
    levers: dict[str, float]
    outcomes: dict[str, float]
    objective: float | None
    iterations: int
    is_feasible: bool
    feasibility_score: float
    max_violation: float
    duration_ms: float
    method: str
    message: str


class SolveStopped(Exception):
    """Raised inside the objective to leave SLSQP: `status` is TIMED_OUT or CANCELLED."""

    def __init__(self, status: str):
        super().__init__(status)
        self.status = status


def feasibility_score(total_violation: float) -> float:
    """1 when every constraint is met, falling towards 0 as the (scaled) violations grow."""
    return 1.0 if total_violation <= FEASIBILITY_TOLERANCE else 1.0 / (1.0 + total_violation)


class _Tracker:
    """Evaluates the model once per point (SLSQP asks for values and gradients separately), checks the stop
    conditions on every evaluation, and remembers the best point: feasible with the best objective, else the
    least violating."""

    def __init__(self, model: ScenarioModel, deadline: float, should_stop: Callable[[], bool]):
        self.model = model
        self.deadline = deadline
        self.should_stop = should_stop
        self._key: bytes | None = None
        self._point: Point | None = None
        self.best: tuple[np.ndarray, Point] | None = None

    def at(self, x: np.ndarray) -> Point:
        key = x.tobytes()
        if key != self._key:
            if self.should_stop():
                raise SolveStopped(CANCELLED)
            if time.monotonic() > self.deadline:
                raise SolveStopped(TIMED_OUT)
            point = self.model.evaluate(x)
            self._point, self._key = point, key
            self._remember(x.copy(), point)
            return point
        assert self._point is not None  # set with `_key`
        return self._point

    def _remember(self, x: np.ndarray, point: Point) -> None:
        if self.best is None:
            self.best = (x, point)
            return
        _, best = self.best
        feasible, best_feasible = (p.violation <= FEASIBILITY_TOLERANCE for p in (point, best))
        if (feasible and not best_feasible) or (
            feasible == best_feasible
            and (
                point.objective.value < best.objective.value
                if feasible
                else point.total_violation < best.total_violation
            )
        ):
            self.best = (x, point)


def _constraints(tracker: _Tracker) -> list[dict]:
    model = tracker.model
    constraints = []
    if model.constraints and any(c.op != "=" for c in model.constraints):
        constraints.append(
            {
                "type": "ineq",
                "fun": lambda x: np.array([c.value for c in tracker.at(x).inequalities]),
                "jac": lambda x: np.array([c.grad for c in tracker.at(x).inequalities]),
            }
        )
    if any(c.op == "=" for c in model.constraints):
        constraints.append(
            {
                "type": "eq",
                "fun": lambda x: np.array([c.value for c in tracker.at(x).equalities]),
                "jac": lambda x: np.array([c.grad for c in tracker.at(x).equalities]),
            }
        )
    return constraints


def solve(
    model: ScenarioModel,
    *,
    timeout: float,
    should_stop: Callable[[], bool] = lambda: False,
    on_progress: Callable[[Progress], None] = lambda _: None,
) -> SolveResult:
    """Run SLSQP from the levers' bases within their bounds. Never raises for the model's own faults: those
    are a FAILED result."""
    started = time.monotonic()
    tracker = _Tracker(model, started + timeout, should_stop)
    iterations = 0

    def callback(xk: np.ndarray) -> None:
        nonlocal iterations
        iterations += 1
        point = tracker.at(xk)
        on_progress(Progress(iterations, point.raw_objective, point.violation, time.monotonic() - started))

    status, message, x = None, "", model.start
    try:
        result = minimize(
            lambda x: tracker.at(x).objective.value,
            model.start,
            method=METHOD,
            jac=lambda x: tracker.at(x).objective.grad,
            bounds=model.bounds,
            constraints=_constraints(tracker),
            callback=callback,
            options={"maxiter": MAX_ITERATIONS, "ftol": 1e-9},
        )
        x, message = result.x, str(result.message)
        iterations = max(iterations, int(result.nit))
    except SolveStopped as stop:
        status, message = (
            stop.status,
            ("cancelled" if stop.status == CANCELLED else f"stopped after {timeout:g}s (SCENARIO_SOLVER_TIMEOUT)"),
        )
        x = tracker.best[0] if tracker.best is not None else model.start
    except (ArithmeticError, ValueError) as exc:  # the model itself is undefined somewhere in the bounds
        return _failed(model, str(exc), iterations, time.monotonic() - started)
    try:
        point = model.evaluate(np.clip(x, [b[0] for b in model.bounds], [b[1] for b in model.bounds]))
    except (ArithmeticError, ValueError) as exc:
        return _failed(model, str(exc), iterations, time.monotonic() - started)
    feasible = point.violation <= FEASIBILITY_TOLERANCE
    if status is None:
        status = COMPLETED if feasible else INFEASIBLE
    return SolveResult(
        status=status,
        levers={lever.name: float(v) for lever, v in zip(model.levers, x, strict=True)},
        outcomes=point.outcomes,
        objective=point.raw_objective,
        iterations=iterations,
        is_feasible=feasible,
        feasibility_score=feasibility_score(point.total_violation),
        max_violation=point.violation,
        duration_ms=(time.monotonic() - started) * 1000,
        method=METHOD,
        message=message,
    )


def _failed(model: ScenarioModel, message: str, iterations: int, elapsed: float) -> SolveResult:
    return SolveResult(
        status=FAILED,
        levers={},
        outcomes={},
        objective=None,
        iterations=iterations,
        is_feasible=False,
        feasibility_score=0.0,
        max_violation=float("nan"),
        duration_ms=elapsed * 1000,
        method=METHOD,
        message=message,
    )
