"""The scenario expression parser and solver model: pure, no network."""

from __future__ import annotations

import numpy as np
import pytest

from subgraphs.vision.scenarios.expression import ExpressionError, evaluate, parse_comparison, parse_expression
from subgraphs.vision.scenarios.model import (
    ELASTICITY,
    LINEAR,
    Lever,
    Outcome,
    ScenarioDefinition,
    ScenarioModel,
    Term,
    check_definition,
)
from subgraphs.vision.scenarios.solver import (
    CANCELLED,
    COMPLETED,
    FAILED,
    INFEASIBLE,
    TIMED_OUT,
    feasibility_score,
    solve,
)


def test_expressions_follow_arithmetic_precedence_and_bracketed_names():
    node = parse_expression("2 + 3 * [Unit Price] ^ 2 - -x / 4")
    assert evaluate(node, {"Unit Price": 2.0, "x": 8.0}) == 2 + 3 * 4 + 2
    assert evaluate(parse_expression("max(a, 2 * a, 1) + abs(-3) + sqrt(16)"), {"a": 5}) == 10 + 3 + 4


@pytest.mark.parametrize(
    ("text", "position", "reason"),
    [
        ("price * ", 8, "expected a number, a name or '(', found the end"),
        ("price ** 2", 7, "expected a number, a name or '(', found '*'"),
        ("(price + 1", 10, "expected ')', found the end"),
        ("price # 2", 6, "unexpected character '#'"),
        ("__import__(os)", 0, "unknown function '__import__'"),
        ("open('x')", 5, 'unexpected character "\'"'),
        ("price 2", 6, "unexpected '2'"),
    ],
)
def test_bad_expressions_name_the_token_and_its_position(text, position, reason):
    with pytest.raises(ExpressionError) as error:
        parse_expression(text)
    assert error.value.position == position and error.value.reason.startswith(reason)


def test_comparisons_need_one_of_the_three_operators():
    assert parse_comparison("a + b <= 10").op == "<="
    with pytest.raises(ExpressionError) as error:
        parse_comparison("a < 10")
    assert error.value.position == 2 and "use <=" in error.value.reason
    with pytest.raises(ExpressionError) as error:
        parse_comparison("a + b")
    assert error.value.position == 5


def test_deep_nesting_is_refused_not_a_crash():
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("(" * 500 + "1" + ")" * 500)
    with pytest.raises(ExpressionError, match="nested too deeply"):
        parse_expression("2" + "^2" * 400)


def _pricing(*constraints: str, sense: str = "maximize") -> ScenarioDefinition:
    demand = Outcome("Units", LINEAR, 1000.0, (Term("Price", -30.0), Term("Ads", 0.5)))
    return ScenarioDefinition(
        levers=(Lever("Price", 10, 5, 20), Lever("Ads", 100, 0, 500)),
        outcomes=(demand,),
        sense=sense,
        objective="Price * Units - Ads",
        constraints=constraints,
    )


def test_definition_problems_point_at_field_and_token():
    definition = ScenarioDefinition(
        levers=(Lever("Price", 30, 5, 20), Lever("Price", 1, 0, 2)),
        outcomes=(Outcome("Units", LINEAR, 1.0, (Term("Nope", 1.0),)),),
        sense="maximize",
        objective="Price * Unitz",
        constraints=("Units >= ", "Price <= 3"),
    )
    problems = {(p.field, p.position): p.message for p in check_definition(definition)}
    assert "needs min <= base <= max" in problems[("levers[0]", None)]
    assert "given twice" in problems[("levers[1].name", None)]
    assert "no lever named 'Nope'" in problems[("outcomes[0].coefficients[0].lever", None)]
    assert "unknown name 'Unitz'" in problems[("objective.expression", 8)]
    assert "found the end" in problems[("constraints[0]", 9)]
    assert len(problems) == 5


def test_gradients_are_exact():
    model = ScenarioModel(_pricing("Units >= 600"))
    x = np.array([12.0, 50.0])
    point = model.evaluate(x)
    for i in range(2):
        step = np.zeros(2)
        step[i] = 1e-6
        numeric = (model.evaluate(x + step).objective.value - model.evaluate(x - step).objective.value) / 2e-6
        assert point.objective.grad[i] == pytest.approx(numeric, rel=1e-6)


def test_slsqp_finds_the_constrained_optimum_and_reports_each_iteration():
    steps = []
    result = solve(ScenarioModel(_pricing("Ads <= 300", "Units >= 600")), timeout=10, on_progress=steps.append)
    assert result.status == COMPLETED and result.is_feasible and result.feasibility_score == 1.0
    # Units = 1000 - 30 p + 0.5 a >= 600 binds with a = 300: p = 550/30; revenue p * 600 - 300.
    assert result.levers["Ads"] == pytest.approx(300, abs=1e-4)
    assert result.levers["Price"] == pytest.approx(550 / 30, rel=1e-5)
    assert result.outcomes["Units"] == pytest.approx(600, rel=1e-6)
    assert result.objective == pytest.approx(550 / 30 * 600 - 300, rel=1e-6) and result.method == "SLSQP"
    assert [s.iteration for s in steps] == list(range(1, len(steps) + 1)) and result.iterations >= len(steps)


def test_constraints_that_cannot_hold_together_are_infeasible_with_a_score_below_one():
    result = solve(ScenarioModel(_pricing("Price >= 15", "Units >= 900")), timeout=10)
    assert result.status == INFEASIBLE and not result.is_feasible
    assert 0 < result.feasibility_score < 1 and result.max_violation > 0
    assert feasibility_score(0.0) == 1.0 and feasibility_score(1.0) == 0.5


def test_elasticity_outcomes_are_multiplicative_around_the_bases():
    definition = ScenarioDefinition(
        levers=(Lever("Discount", 10, 1, 30),),
        outcomes=(Outcome("Revenue", ELASTICITY, 5000.0, (Term("Discount", 0.2),)),),
        sense="maximize",
        objective="Revenue - 100 * Discount",
    )
    model = ScenarioModel(definition)
    assert model.evaluate(np.array([10.0])).outcomes["Revenue"] == pytest.approx(5000)
    assert model.evaluate(np.array([20.0])).outcomes["Revenue"] == pytest.approx(5000 * 2**0.2)


def test_a_stop_request_or_the_deadline_ends_the_solve_with_the_best_point_so_far():
    model = ScenarioModel(_pricing("Ads <= 300", "Units >= 600"))
    calls = iter(range(1000))
    cancelled = solve(model, timeout=10, should_stop=lambda: next(calls) >= 3)
    assert cancelled.status == CANCELLED and set(cancelled.levers) == {"Price", "Ads"}
    timed_out = solve(model, timeout=0)
    assert timed_out.status == TIMED_OUT and timed_out.levers == {"Price": 10.0, "Ads": 100.0}


def test_a_model_undefined_inside_the_bounds_fails_cleanly():
    definition = ScenarioDefinition(levers=(Lever("x", 1, -1, 1),), outcomes=(), sense="minimize", objective="log(x)")
    result = solve(ScenarioModel(definition), timeout=10)
    assert result.status == FAILED and result.message
