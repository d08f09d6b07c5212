"""What-if scenarios through the Vision API, solved by a worker: results, infeasible, timeout, cancel, bad
expressions, tenant isolation, metrics and the completion log line."""

from __future__ import annotations

import logging

import pytest

from axiom.metrics import REGISTRY
from tests.vision.conftest import running_worker, wait_until
from tests.vision.scenario_inputs import CANCEL, CREATE, RUN, RUN_RESULT, pricing_input, slow_input

FINISHED = ("COMPLETED", "INFEASIBLE", "TIMED_OUT", "CANCELLED", "FAILED")


async def _create(graphql, tenant, input) -> str:
    body = await graphql(CREATE, {"input": input}, tenant=tenant)
    payload = body["data"]["createScenario"]
    assert payload["userErrors"] == [], payload
    return payload["scenario"]["id"]


async def _run(graphql, tenant, scenario_id) -> str:
    payload = (await graphql(RUN, {"id": scenario_id}, tenant=tenant))["data"]["runScenario"]
    assert payload["userErrors"] == [] and payload["run"]["status"] == "PENDING"
    return payload["run"]["id"]


async def _finished(graphql, tenant, run_id, timeout=30) -> dict:
    async def check():
        run = (await graphql(RUN_RESULT, {"id": run_id}, tenant=tenant))["data"]["scenarioRun"]
        return run if run["status"] in FINISHED else None

    return await wait_until(check, timeout=timeout)


def _samples(name: str, labels: dict) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_scenario_is_solved_by_a_worker_and_the_run_kept(graphql, demo_cubes, tenant_id, worker, caplog):
    scenario_id = await _create(graphql, tenant_id, pricing_input())
    before = _samples("vision_scenario_compute_duration_seconds_count", {"status": "COMPLETED"})
    with caplog.at_level(logging.INFO, logger="vision.engines.scenario_solver"):
        run = await _finished(graphql, tenant_id, await _run(graphql, tenant_id, scenario_id))
    assert run["status"] == "COMPLETED" and run["isFeasible"] is True and run["feasibilityScore"] == 1.0
    levers = {v["name"]: v["value"] for v in run["levers"]}
    assert levers["Ads"] == pytest.approx(300, abs=1e-3) and levers["Price"] == pytest.approx(550 / 30, rel=1e-5)
    assert run["outcomes"] == [{"name": "Units", "value": pytest.approx(600, rel=1e-6)}]
    assert run["method"] == "SLSQP" and run["iterations"] > 0 and run["durationMs"] > 0 and run["attempts"] == 1
    assert _samples("vision_scenario_compute_duration_seconds_count", {"status": "COMPLETED"}) == before + 1
    assert _samples("vision_active_computations", {}) == 0
    [line] = [r for r in caplog.records if getattr(r, "event", None) == "scenario_compute_completed"]
    assert (line.scenario_id, line.solver_method, line.iterations, line.is_feasible) == (
        scenario_id,
        "SLSQP",
        run["iterations"],
        True,
    )
    assert line.case_id and line.feasibility_score == 1.0 and line.duration_ms > 0

    history = await graphql(
        "query($id: ID!) { scenario(id: $id) { runs { id status } cube { name } } }",
        {"id": scenario_id},
        tenant=tenant_id,
    )
    assert history["data"]["scenario"] == {
        "runs": [{"id": run["id"], "status": "COMPLETED"}],
        "cube": {"name": "Sales"},
    }


async def test_constraints_that_cannot_all_hold_end_infeasible(graphql, demo_cubes, tenant_id, worker):
    scenario_id = await _create(graphql, tenant_id, pricing_input(constraints=("Price >= 15", "Units >= 900")))
    run = await _finished(graphql, tenant_id, await _run(graphql, tenant_id, scenario_id))
    assert run["status"] == "INFEASIBLE" and run["isFeasible"] is False
    assert 0 < run["feasibilityScore"] < 1 and run["maxConstraintViolation"] > 0 and run["levers"]


async def test_a_solve_over_the_timeout_ends_timed_out_with_the_best_point(
    graphql, demo_cubes, tenant_id, vision_settings
):
    # 100 levers: several seconds of SLSQP even on an idle machine (30 take 0.2 s there).
    scenario_id = await _create(graphql, tenant_id, slow_input(levers=100))
    async with running_worker(vision_settings.replace(etl_sync_interval=0, scenario_solver_timeout=0.5)):
        run = await _finished(graphql, tenant_id, await _run(graphql, tenant_id, scenario_id))
    assert run["status"] == "TIMED_OUT" and "SCENARIO_SOLVER_TIMEOUT" in run["message"]
    assert len(run["levers"]) == 100 and run["objective"] is not None and run["durationMs"] >= 500


async def test_cancelling_a_running_solve_stops_it_within_a_second(graphql, demo_cubes, tenant_id, worker):
    scenario_id = await _create(graphql, tenant_id, slow_input(levers=100))
    run_id = await _run(graphql, tenant_id, scenario_id)

    async def running():
        run = (await graphql(RUN_RESULT, {"id": run_id}, tenant=tenant_id))["data"]["scenarioRun"]
        return run["status"] == "RUNNING"

    await wait_until(running)
    cancelled = (await graphql(CANCEL, {"id": run_id}, tenant=tenant_id))["data"]["cancelScenario"]
    assert cancelled["userErrors"] == []
    run = await _finished(graphql, tenant_id, run_id, timeout=1.0)
    assert run["status"] == "CANCELLED" and len(run["levers"]) == 100
    again = (await graphql(CANCEL, {"id": run_id}, tenant=tenant_id))["data"]["cancelScenario"]
    assert again["userErrors"][0]["code"] == "NOT_CANCELLABLE"


async def test_a_queued_run_is_cancelled_at_once(graphql, demo_cubes, tenant_id):
    scenario_id = await _create(graphql, tenant_id, pricing_input())
    run_id = await _run(graphql, tenant_id, scenario_id)  # no worker in this test: it stays queued
    cancelled = (await graphql(CANCEL, {"id": run_id}, tenant=tenant_id))["data"]["cancelScenario"]
    assert cancelled == {"run": {"id": run_id, "status": "CANCELLED"}, "userErrors": []}


async def test_bad_expressions_are_user_errors_at_the_token_and_nothing_is_stored(graphql, demo_cubes, tenant_id):
    bad = pricing_input(case="Broken", constraints=("Ads <= 300", "Units >= * 2"))
    bad["objective"]["expression"] = "Price * Unitz - Ads"
    bad["levers"][0]["min"] = 50
    body = await graphql(CREATE, {"input": bad}, tenant=tenant_id)
    errors = body["data"]["createScenario"]["userErrors"]
    assert {(e["field"], e["position"], e["code"]) for e in errors} == {
        ("levers[0]", None, "BAD_USER_INPUT"),
        ("objective.expression", 8, "BAD_USER_INPUT"),
        ("constraints[1]", 9, "BAD_USER_INPUT"),
    }
    assert any("unknown name 'Unitz'" in e["message"] for e in errors)
    assert body["data"]["createScenario"]["scenario"] is None
    listed = await graphql("{ cubes { name } }", tenant=tenant_id)
    assert "errors" not in listed


async def test_another_tenant_cannot_see_run_or_cancel_a_scenario(graphql, demo_cubes, tenant_id):
    scenario_id = await _create(graphql, tenant_id, pricing_input())
    run_id = await _run(graphql, tenant_id, scenario_id)
    other = tenant_id + "-other"
    for query, variables in [
        ("query($id: ID!) { scenario(id: $id) { id } }", {"id": scenario_id}),
        (RUN, {"id": scenario_id}),
        (RUN_RESULT, {"id": run_id}),
        (CANCEL, {"id": run_id}),
    ]:
        body = await graphql(query, variables, tenant=other)
        assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND", body
    duplicate = await graphql(CREATE, {"input": pricing_input()}, tenant=tenant_id)
    assert duplicate["data"]["createScenario"]["userErrors"][0]["code"] == "DUPLICATE"
