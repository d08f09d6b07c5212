"""Scenario inputs shared by the Vision, end-to-end and benchmark runs."""

from __future__ import annotations

CREATE = """mutation($input: CreateScenarioInput!) { createScenario(input: $input) {
    scenario { id name caseId levers { name isMeasure } outcomes { name form } }
    userErrors { field message code position } } }"""
RUN = "mutation($id: ID!) { runScenario(id: $id) { run { id status } userErrors { code message } } }"
CANCEL = "mutation($id: ID!) { cancelScenario(runId: $id) { run { id status } userErrors { code message } } }"
RUN_RESULT = """query($id: ID!) { scenarioRun(id: $id) { id status attempts iterations objective isFeasible
    feasibilityScore maxConstraintViolation durationMs method message levers { name value } outcomes { name value } } }"""


def pricing_input(
    cube: str = "Sales",
    *,
    case: str = "Pricing",
    name: str = "best price",
    constraints: tuple[str, ...] = ("Ads <= 300", "Units >= 600"),
) -> dict:
    """Units = 1000 - 30 Price + 0.5 Ads; maximise Price × Units − Ads (optimum: Ads 300, Price 550/30)."""
    return {
        "cube": cube,
        "case": case,
        "name": name,
        "levers": [
            {"name": "Price", "base": 10, "min": 5, "max": 20},
            {"name": "Ads", "base": 100, "min": 0, "max": 500},
        ],
        "objective": {"sense": "MAXIMIZE", "expression": "Price * Units - Ads"},
        "constraints": list(constraints),
        "outcomeModel": {
            "source": "COEFFICIENTS",
            "outcomes": [
                {
                    "name": "Units",
                    "intercept": 1000,
                    "coefficients": [{"lever": "Price", "coefficient": -30}, {"lever": "Ads", "coefficient": 0.5}],
                }
            ],
        },
    }


def slow_input(cube: str = "Sales", *, levers: int = 40, case: str = "Slow", name: str = "rosenbrock") -> dict:
    """A Rosenbrock valley over `levers` levers: SLSQP needs hundreds of iterations (seconds) to solve it."""
    objective = " + ".join(f"100*(x{i + 1} - x{i}^2)^2 + (1 - x{i})^2" for i in range(levers - 1))
    return {
        "cube": cube,
        "case": case,
        "name": name,
        "levers": [{"name": f"x{i}", "base": -1.2 if i % 2 == 0 else 1, "min": -5, "max": 5} for i in range(levers)],
        "objective": {"sense": "MINIMIZE", "expression": objective},
        "constraints": [f"x{i} + x{i + 1} <= 4" for i in range(levers - 1)],
        "outcomeModel": {
            "source": "COEFFICIENTS",
            "outcomes": [{"name": "Unused", "intercept": 0, "coefficients": []}],
        },
    }
