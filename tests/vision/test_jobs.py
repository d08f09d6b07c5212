"""Vision's job runner: workers share one Redis queue, and a SIGKILLed worker's job (a refresh, a solve)
completes elsewhere."""

from __future__ import annotations

import os
import signal

from redis.asyncio import Redis
from saq.job import Status
from sqlalchemy import text

from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.jobs.refresh_jobs import queue_refresh, refresh_job_key
from subgraphs.vision.scenarios.solve_job import solve_job_key
from subgraphs.vision.store.views import ViewStore
from tests.vision.conftest import graphql_caller, running_worker, vision_client, wait_until
from tests.vision.scenario_inputs import CREATE, RUN, RUN_RESULT, slow_input
from tests.vision.worker_processes import own_queue_settings, pid_of, wait_registered, worker_processes


async def _finished_run(engine, run_id):
    run = await ViewStore(engine).run(run_id)
    return run if run.status in ("succeeded", "failed") else None


async def _completed_job(jobs, key):
    job = await jobs.queue.job(key)
    return job if job.status == Status.COMPLETE else None


async def test_two_workers_share_the_queue(demo_cubes, engine, services_settings):
    [cube] = demo_cubes
    settings = own_queue_settings(services_settings, 3).replace(etl_sync_interval=0)
    redis = Redis.from_url(settings.redis_url)
    jobs = JobQueue(redis)
    try:
        async with running_worker(settings) as first, running_worker(settings) as second:
            runs = [await queue_refresh(jobs, ViewStore(engine), cube, trigger="manual") for _ in range(12)]
            finished = [await wait_until(lambda r=run: _finished_run(engine, r.id)) for run in runs]
            workers = {(await jobs.queue.job(refresh_job_key(run.id))).worker_id for run in runs}
    finally:
        await redis.aclose()
    assert [run.status for run in finished] == ["succeeded"] * 12
    assert workers == {first.id, second.id}


async def test_a_worker_killed_mid_refresh_loses_nothing(demo_cubes, engine, services_settings, tmp_path):
    [cube] = demo_cubes
    settings = own_queue_settings(services_settings, 4)
    redis = Redis.from_url(settings.redis_url)
    jobs = JobQueue(redis)
    try:
        with worker_processes(tmp_path, 2, REDIS_URL=settings.redis_url):
            await wait_registered(jobs.queue, 2)
            async with engine.connect() as blocker:
                # Hold the fact table so that the refresh is caught running, inside REFRESH MATERIALIZED VIEW.
                transaction = await blocker.begin()
                await blocker.execute(
                    text(f'LOCK TABLE "{cube.fact_schema}"."{cube.fact_table}" IN ACCESS EXCLUSIVE MODE')
                )
                run = await queue_refresh(jobs, ViewStore(engine), cube, trigger="manual")

                async def running_job():
                    job = await jobs.queue.job(refresh_job_key(run.id))
                    stored = await ViewStore(engine).run(run.id)
                    return job if job.status == Status.ACTIVE and stored.status == "running" else None

                victim = pid_of((await wait_until(running_job)).worker_id)
                os.kill(victim, signal.SIGKILL)
                await transaction.rollback()
            finished = await wait_until(lambda: _finished_run(engine, run.id), timeout=60)
            job = await wait_until(lambda: _completed_job(jobs, refresh_job_key(run.id)))
    finally:
        await redis.aclose()
    assert (finished.id, finished.status, finished.trigger) == (run.id, "succeeded", "manual") and finished.rows > 0
    assert job.status == Status.COMPLETE and job.attempts == 2 and pid_of(job.worker_id) != victim
    runs = await ViewStore(engine).runs(cube.tenant_id, cube.id, limit=100)
    assert [r.status for r in runs if r.trigger == "manual"] == ["succeeded"]  # one run, finished once


async def test_a_worker_killed_mid_solve_loses_nothing(demo_cubes, tenant_id, services_settings, make_token, tmp_path):
    settings = own_queue_settings(services_settings, 5)
    async with vision_client(settings) as client:
        graphql = graphql_caller(client, make_token)
        # 100 levers: seconds of SLSQP even on an idle machine, so the kill lands mid-solve.
        created = await graphql(CREATE, {"input": slow_input(levers=100)}, tenant=tenant_id)
        scenario_id = created["data"]["createScenario"]["scenario"]["id"]
        redis = Redis.from_url(settings.redis_url)
        jobs = JobQueue(redis)
        try:
            with worker_processes(tmp_path, 2, REDIS_URL=settings.redis_url):
                await wait_registered(jobs.queue, 2)
                run_id = (await graphql(RUN, {"id": scenario_id}, tenant=tenant_id))["data"]["runScenario"]["run"]["id"]

                async def solving():
                    # Mid-solve: the worker took the job and claimed the run (a kill before the claim is no retry).
                    job = await jobs.queue.job(solve_job_key(run_id))
                    if not (job.status == Status.ACTIVE and job.worker_id):
                        return None
                    run = (await graphql(RUN_RESULT, {"id": run_id}, tenant=tenant_id))["data"]["scenarioRun"]
                    return job if run["status"] == "RUNNING" else None

                victim = pid_of((await wait_until(solving)).worker_id)
                os.kill(victim, signal.SIGKILL)

                async def finished():
                    run = (await graphql(RUN_RESULT, {"id": run_id}, tenant=tenant_id))["data"]["scenarioRun"]
                    return run if run["status"] not in ("PENDING", "RUNNING") else None

                run = await wait_until(finished, timeout=120)
                job = await wait_until(lambda: _completed_job(jobs, solve_job_key(run_id)))
        finally:
            await redis.aclose()
    assert run["status"] == "COMPLETED" and run["attempts"] == 2 and run["isFeasible"]
    assert pid_of(job.worker_id) != victim
