"""The solve job: a scenario run solved by SLSQP in a thread of the worker, its progress published as it goes,
its result recorded in PostgreSQL. Cancelling is a Redis flag the job watches (a solve stops within ~0.1 s)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

from redis.asyncio import Redis

from subgraphs.vision.jobs.events import EventBus
from subgraphs.vision.jobs.heartbeat import heartbeat
from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.metrics import ACTIVE_COMPUTATIONS, SCENARIO_COMPUTE_DURATION
from subgraphs.vision.scenarios.model import ScenarioModel
from subgraphs.vision.scenarios.progress import publish_run_event, run_event
from subgraphs.vision.scenarios.solver import Progress, SolveResult, solve
from subgraphs.vision.store.scenarios import ScenarioRun, ScenarioStore, StoredScenario

SOLVE_JOB = "solve_scenario"
CANCEL_POLL_SECONDS = 0.1
CANCEL_TTL = 24 * 3600
completion_log = logging.getLogger("vision.engines.scenario_solver")


def solve_job_key(run_id: str) -> str:
    return f"scenario-run:{run_id}"


def cancel_key(run_id: str) -> str:
    return f"vision:scenario-cancel:{run_id}"


async def queue_solve(
    jobs: JobQueue,
    store: ScenarioStore,
    bus: EventBus,
    scenario: StoredScenario,
    *,
    requested_by: str | None,
    solver_timeout: float,
) -> ScenarioRun:
    """Record a PENDING run, announce it and queue its solve; returns the run at once."""
    run = await store.create_run(scenario, requested_by=requested_by)
    await publish_run_event(bus, run_event(run))
    # The job's own deadline leaves room for the solver's timeout, setting up and recording.
    await jobs.enqueue(SOLVE_JOB, key=solve_job_key(run.id), timeout=int(solver_timeout) + 60, run_id=run.id)
    return run


async def request_cancel(redis: Redis, run_id: str) -> None:
    await redis.set(cancel_key(run_id), b"1", ex=CANCEL_TTL)


async def solve_scenario(ctx: dict, *, run_id: str) -> str:
    """Solve run `run_id` from the start (also when retried after its worker died); returns the final status."""
    runtime = ctx["runtime"]
    store = ScenarioStore(runtime.engine)
    run = await store.claim(run_id)
    if run is None:  # finished, or cancelled before it started
        return "skipped"
    scenario = await store.scenario_of_run(run)
    if scenario is None:  # deleted since it was claimed; its runs went with it
        return "skipped"
    bus = runtime.bus
    await publish_run_event(bus, run_event(run, iteration=0, elapsed=0.0))
    async with heartbeat(ctx):
        result = await _solve_off_loop(
            ScenarioModel(scenario.definition), run, bus, runtime.redis, runtime.settings.scenario_solver_timeout
        )
    finished = await store.finish(run_id, result)
    if finished is None:  # another attempt finished it meanwhile (a worker taken for dead that was not)
        return "skipped"
    await publish_run_event(bus, run_event(finished))
    SCENARIO_COMPUTE_DURATION.labels(result.status).observe(result.duration_ms / 1000)
    completion_log.info(
        "scenario solve %s: %s",
        result.status,
        result.message,
        extra={
            "event": "scenario_compute_completed",
            "case_id": run.case_id,
            "scenario_id": run.scenario_id,
            "run_id": run.id,
            "solver_method": result.method,
            "iterations": result.iterations,
            "duration_ms": round(result.duration_ms, 3),
            "is_feasible": result.is_feasible,
            "feasibility_score": result.feasibility_score,
            "status": result.status,
        },
    )
    return result.status


async def _solve_off_loop(
    model: ScenarioModel, run: ScenarioRun, bus: EventBus, redis: Redis | None, timeout: float
) -> SolveResult:
    """SLSQP in a thread (the event loop keeps beating, publishing and watching for a cancel)."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()
    progress: asyncio.Queue[Progress | None] = asyncio.Queue()

    def report(step: Progress) -> None:  # called in the solver's thread
        loop.call_soon_threadsafe(progress.put_nowait, step)

    async def publish_progress() -> None:
        while (step := await progress.get()) is not None:
            await publish_run_event(
                bus,
                run_event(
                    run,
                    iteration=step.iteration,
                    objective=step.objective,
                    max_violation=step.max_violation,
                    elapsed=step.elapsed,
                ),
            )

    async def watch_cancel() -> None:
        while redis is not None and not stop.is_set():
            if await redis.exists(cancel_key(run.id)):
                stop.set()
            await asyncio.sleep(CANCEL_POLL_SECONDS)

    publisher = asyncio.create_task(publish_progress())
    watcher = asyncio.create_task(watch_cancel())
    ACTIVE_COMPUTATIONS.inc()
    try:
        return await asyncio.to_thread(solve, model, timeout=timeout, should_stop=stop.is_set, on_progress=report)
    finally:
        stop.set()  # also tells a solve still running (this task was cancelled) to leave its thread
        ACTIVE_COMPUTATIONS.dec()
        progress.put_nowait(None)
        with contextlib.suppress(asyncio.CancelledError):
            await publisher
        watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await watcher
