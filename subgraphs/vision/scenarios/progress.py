"""Scenario run progress on the event bus: one topic per scenario (keeping its latest event, for late
subscribers) and one per case."""

from __future__ import annotations

from subgraphs.vision.jobs.events import EventBus
from subgraphs.vision.store.scenarios import ScenarioRun


def scenario_topic(tenant_id: str, scenario_id: str) -> str:
    return f"scenario:{tenant_id}:{scenario_id}"


def case_topic(tenant_id: str, case_id: str) -> str:
    return f"case:{tenant_id}:{case_id}"


def run_event(
    run: ScenarioRun,
    *,
    iteration: int | None = None,
    objective: float | None = None,
    max_violation: float | None = None,
    elapsed: float | None = None,
) -> dict:
    """The event for a run's state; the numbers default to the run's recorded result."""
    return {
        "run_id": run.id,
        "scenario_id": run.scenario_id,
        "case_id": run.case_id,
        "tenant_id": run.tenant_id,
        "status": run.status,
        "iteration": iteration if iteration is not None else (run.iterations or 0),
        "objective": objective if objective is not None else run.objective,
        "max_violation": max_violation if max_violation is not None else run.max_violation,
        "elapsed": elapsed if elapsed is not None else (run.duration_ms or 0.0) / 1000,
    }


async def publish_run_event(bus: EventBus, event: dict) -> dict:
    """Publish on the scenario's topic (kept as its latest) and on its case's topic."""
    event = await bus.publish(scenario_topic(event["tenant_id"], event["scenario_id"]), event, keep=True)
    await bus.publish(case_topic(event["tenant_id"], event["case_id"]), event)
    return event
