"""A scenario's definition (levers, outcome model, objective, constraints), checked and compiled into the
functions SLSQP needs. Pure: no I/O, no driver."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np

from subgraphs.vision.scenarios.dual import Dual, constant, variable
from subgraphs.vision.scenarios.expression import (
    Comparison,
    ExpressionError,
    Node,
    evaluate,
    names_in,
    parse_comparison,
    parse_expression,
)

MAX_LEVERS = 100
MAX_OUTCOMES = 50
MAX_CONSTRAINTS = 100
MAX_NAME = 100
LINEAR = "linear"  # outcome = intercept + Σ coefficient × lever
ELASTICITY = "elasticity"  # outcome = base × Π (lever / lever base) ^ elasticity (log-log, from causal links)


@dataclass(frozen=True)
class Lever:
    name: str
    base: float
    min: float
    max: float
    measure: bool = False  # a driver measure of the cube (else a named variable)


@dataclass(frozen=True)
class Term:
    lever: str
    coefficient: float


@dataclass(frozen=True)
class Outcome:
    name: str
    form: str  # LINEAR | ELASTICITY
    base: float  # the intercept (linear) or the outcome at the levers' bases (elasticity)
    terms: tuple[Term, ...] = ()


@dataclass(frozen=True)
class ScenarioDefinition:
    levers: tuple[Lever, ...]
    outcomes: tuple[Outcome, ...]
    sense: str  # maximize | minimize
    objective: str
    constraints: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ScenarioDefinition:
        return cls(
            levers=tuple(Lever(**lever) for lever in data["levers"]),
            outcomes=tuple(
                Outcome(o["name"], o["form"], o["base"], tuple(Term(**t) for t in o["terms"])) for o in data["outcomes"]
            ),
            sense=data["sense"],
            objective=data["objective"],
            constraints=tuple(data["constraints"]),
        )


@dataclass(frozen=True)
class Problem:
    """A mistake in a definition: the input field, what is wrong, and where in an expression (if in one)."""

    field: str
    message: str
    position: int | None = None


def _finite(value: float) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _check_levers(levers: tuple[Lever, ...]) -> list[Problem]:
    problems = []
    if not 1 <= len(levers) <= MAX_LEVERS:
        problems.append(Problem("levers", f"give 1 to {MAX_LEVERS} levers"))
    seen: set[str] = set()
    for i, lever in enumerate(levers):
        where = f"levers[{i}]"
        if not lever.name.strip() or len(lever.name) > MAX_NAME:
            problems.append(Problem(f"{where}.name", f"a lever needs a name of 1 to {MAX_NAME} characters"))
        elif lever.name in seen:
            problems.append(Problem(f"{where}.name", f"lever {lever.name!r} is given twice"))
        seen.add(lever.name)
        if not all(_finite(v) for v in (lever.base, lever.min, lever.max)):
            problems.append(Problem(where, f"lever {lever.name!r}: base, min and max must be finite numbers"))
        elif not lever.min <= lever.base <= lever.max:
            problems.append(
                Problem(
                    where,
                    f"lever {lever.name!r}: needs min <= base <= max (got {lever.min}, {lever.base}, {lever.max})",
                )
            )
    return problems


def _check_outcomes(outcomes: tuple[Outcome, ...], levers: dict[str, Lever]) -> list[Problem]:
    problems = []
    if len(outcomes) > MAX_OUTCOMES:
        problems.append(Problem("outcomes", f"at most {MAX_OUTCOMES} outcomes"))
    seen: set[str] = set()
    for i, outcome in enumerate(outcomes):
        where = f"outcomes[{i}]"
        if not outcome.name.strip() or len(outcome.name) > MAX_NAME:
            problems.append(Problem(f"{where}.name", f"an outcome needs a name of 1 to {MAX_NAME} characters"))
        elif outcome.name in seen or outcome.name in levers:
            problems.append(Problem(f"{where}.name", f"{outcome.name!r} names another lever or outcome"))
        seen.add(outcome.name)
        if not _finite(outcome.base):
            problems.append(Problem(f"{where}.base", "must be a finite number"))
        for j, term in enumerate(outcome.terms):
            if term.lever not in levers:
                problems.append(Problem(f"{where}.coefficients[{j}].lever", f"no lever named {term.lever!r}"))
            elif not _finite(term.coefficient):
                problems.append(Problem(f"{where}.coefficients[{j}].coefficient", "must be a finite number"))
            elif outcome.form == ELASTICITY and levers[term.lever].min <= 0:
                problems.append(
                    Problem(
                        f"{where}.coefficients[{j}].lever",
                        f"an elasticity needs lever {term.lever!r} to stay positive (min > 0)",
                    )
                )
    return problems


def _parsed(text: str, where: str, known: set[str], problems: list[Problem], comparison: bool):
    try:
        node: Comparison | Node = parse_comparison(text) if comparison else parse_expression(text)
    except ExpressionError as exc:
        problems.append(Problem(where, exc.reason, exc.position))
        return None
    sides = [node.left, node.right] if isinstance(node, Comparison) else [node]
    for name in (n for side in sides for n in names_in(side)):
        if name.name not in known:
            problems.append(
                Problem(
                    where,
                    f"unknown name {name.name!r} (levers and outcomes: {', '.join(sorted(known))})",
                    name.position,
                )
            )
            return None
    return node


def check_definition(definition: ScenarioDefinition) -> list[Problem]:
    """Every problem of the definition (empty when it can be solved)."""
    problems = _check_levers(definition.levers)
    levers = {lever.name: lever for lever in definition.levers}
    problems += _check_outcomes(definition.outcomes, levers)
    if definition.sense not in ("maximize", "minimize"):
        problems.append(Problem("objective.sense", "must be maximize or minimize"))
    if len(definition.constraints) > MAX_CONSTRAINTS:
        problems.append(Problem("constraints", f"at most {MAX_CONSTRAINTS} constraints"))
    known = set(levers) | {o.name for o in definition.outcomes}
    _parsed(definition.objective, "objective.expression", known, problems, comparison=False)
    for i, text in enumerate(definition.constraints):
        _parsed(text, f"constraints[{i}]", known, problems, comparison=True)
    return problems


@dataclass(frozen=True)
class Point:
    """The model evaluated at one lever vector: objective (as minimised), constraint values, violations."""

    objective: Dual  # sign-adjusted: SLSQP minimises
    inequalities: list[Dual]  # each must be >= 0
    equalities: list[Dual]  # each must be == 0
    violation: float  # largest constraint violation, relative to the constraint's scale
    total_violation: float
    raw_objective: float
    outcomes: dict[str, float]


class ScenarioModel:
    """A checked definition compiled for the solver: `evaluate(x)` gives values and exact gradients."""

    def __init__(self, definition: ScenarioDefinition):
        problems = check_definition(definition)
        if problems:
            raise ValueError("; ".join(f"{p.field}: {p.message}" for p in problems))
        self.definition = definition
        self.levers = definition.levers
        self.sign = -1.0 if definition.sense == "maximize" else 1.0
        self.objective: Node = parse_expression(definition.objective)
        self.constraints: list[Comparison] = [parse_comparison(text) for text in definition.constraints]
        self.bounds = [(lever.min, lever.max) for lever in self.levers]
        self.start = np.array([lever.base for lever in self.levers], dtype=float)
        self._index = {lever.name: i for i, lever in enumerate(self.levers)}

    def _outcome(self, outcome: Outcome, env: dict, size: int) -> Dual:
        if outcome.form == LINEAR:
            value = constant(outcome.base, size)
            for term in outcome.terms:
                value = value + term.coefficient * env[term.lever]
            return value
        value = constant(outcome.base, size)
        for term in outcome.terms:
            base = self.levers[self._index[term.lever]].base
            value = value * (env[term.lever] / base) ** term.coefficient
        return value

    def evaluate(self, x: np.ndarray) -> Point:
        size = len(self.levers)
        env: dict = {lever.name: variable(x[i], i, size) for i, lever in enumerate(self.levers)}
        for outcome in self.definition.outcomes:
            env[outcome.name] = self._outcome(outcome, env, size)
        objective = _as_dual(evaluate(self.objective, env), size)
        inequalities, equalities, violations = [], [], []
        for comparison in self.constraints:
            left = _as_dual(evaluate(comparison.left, env), size)
            right = _as_dual(evaluate(comparison.right, env), size)
            scale = 1.0 + abs(left.value) + abs(right.value)
            if comparison.op == "=":
                equalities.append(left - right)
                violations.append(abs(left.value - right.value) / scale)
            else:
                slack = right - left if comparison.op == "<=" else left - right
                inequalities.append(slack)
                violations.append(max(0.0, -slack.value) / scale)
        values = [objective.value] + [c.value for c in inequalities + equalities]
        if not all(math.isfinite(v) for v in values):
            raise ArithmeticError("the model is not defined at these lever values (a value is infinite or NaN)")
        return Point(
            objective=objective * self.sign,
            inequalities=inequalities,
            equalities=equalities,
            violation=max(violations, default=0.0),
            total_violation=sum(violations),
            raw_objective=objective.value,
            outcomes={o.name: env[o.name].value for o in self.definition.outcomes},
        )


def _as_dual(value, size: int) -> Dual:
    return value if isinstance(value, Dual) else constant(value, size)
