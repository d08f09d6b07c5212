"""Refresh jobs: one cube's refresh run (`refreshCube`, loadCubes' view builds) and the scheduled full sync."""

from __future__ import annotations

import logging

from subgraphs.vision.jobs.heartbeat import heartbeat
from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.store.cubes import CubeStore, StoredCube
from subgraphs.vision.store.views import RefreshFailed, RefreshRun, ViewStore

log = logging.getLogger(__name__)

REFRESH_JOB = "refresh_cube"
REFRESH_TIMEOUT = 3600  # seconds; a refresh is bounded by the size of the fact table, not by us
_FINISHED = ("succeeded", "failed")


def refresh_job_key(run_id: str) -> str:
    return f"refresh:{run_id}"


async def queue_refresh(jobs: JobQueue, views: ViewStore, cube: StoredCube, *, trigger: str) -> RefreshRun:
    """Record a pending run for the cube and queue the job that does it; returns the pending run at once."""
    run = await views.record_pending(cube, trigger=trigger)
    await jobs.enqueue(REFRESH_JOB, key=refresh_job_key(run.id), timeout=REFRESH_TIMEOUT, run_id=run.id)
    return run


async def refresh_cube(ctx: dict, *, run_id: str) -> str:
    """Do the refresh run `run_id`; a retry after a crash refreshes again and finishes the same run."""
    runtime = ctx["runtime"]
    views = ViewStore(runtime.engine)
    run = await views.run(run_id)
    if run is None or run.status in _FINISHED:
        return run.status if run is not None else "missing"
    cube = await CubeStore(runtime.engine).get(run.tenant_id, run.cube_id)
    if cube is None:  # deleted since; the run goes with it (ON DELETE CASCADE)
        return "missing"
    async with heartbeat(ctx):
        try:
            run = await runtime.refresher().refresh(cube, trigger=run.trigger, run_id=run_id)
        except RefreshFailed as exc:  # recorded on the run; a failed refresh is an outcome, not a job error
            run = exc.run
    if run.status == "succeeded":
        await runtime.after_refresh(cube)
    return run.status


async def etl_sync(ctx: dict) -> int:
    """The ETL schedule (a cron job: once per interval across all workers): settle Airflow runs, sync all."""
    refresher = ctx["runtime"].refresher()
    async with heartbeat(ctx):
        await refresher.follow_airflow()
        runs = await refresher.full_sync()
    log.info("ETL sync: %d cube runs", len(runs))
    return len(runs)
