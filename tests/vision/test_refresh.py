"""Refreshes: the ETL schedule, full syncs, and handing them to Airflow over its REST API (a local server)."""

from __future__ import annotations

import itertools

import pytest

from subgraphs.vision.adapters.airflow import DAG_ID, AirflowClient, AirflowError, DagRun
from subgraphs.vision.service.loading import CUBES_FOLDER, load_cube_documents, read_cube_folder
from subgraphs.vision.service.refresh import CubeRefresher
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore
from tests.vision.airflow_server import FakeAirflow, serve
from tests.vision.conftest import running_worker, wait_until
from tests.vision.worker_processes import own_queue_settings


async def test_full_sync_refreshes_every_cube_and_records_schedule_runs(demo_cubes, engine):
    [cube] = demo_cubes
    runs = await CubeRefresher(engine).full_sync()
    mine = [r for r in runs if r.cube_id == cube.id]
    assert [(r.trigger, r.status) for r in mine] == [("schedule", "succeeded")]


async def test_the_etl_schedule_is_a_cron_job_run_once_per_interval_across_workers(
    demo_cubes, engine, services_settings
):
    [cube] = demo_cubes
    every_second = own_queue_settings(services_settings, 6).replace(etl_sync_interval=1)
    async with running_worker(every_second), running_worker(every_second):

        async def synced_twice():
            return len([r for r in await _schedule_runs(engine, cube) if r.status == "succeeded"]) >= 2

        await wait_until(synced_twice, timeout=90)  # a sync refreshes every cube of the session's tenants
    runs = sorted(await _schedule_runs(engine, cube), key=lambda r: r.started_at)
    # One sync at a time across both workers: each run starts after the one before it ended.
    finished = [r for r in runs if r.finished_at is not None]
    assert all(later.started_at >= earlier.finished_at for earlier, later in itertools.pairwise(finished)), runs


async def _schedule_runs(engine, cube):
    return [r for r in await ViewStore(engine).runs(cube.tenant_id, cube.id, limit=100) if r.trigger == "schedule"]


async def test_with_airflow_a_full_sync_triggers_the_dag_and_settles_when_it_finishes(demo_cubes, engine):
    [cube] = demo_cubes
    airflow = FakeAirflow(dags={DAG_ID})
    async with serve(airflow.app()) as url:
        base = url.replace("http://", "http://vision:s3cret@") + "/api/v1"
        client = AirflowClient(base)
        refresher = CubeRefresher(engine, airflow=client)
        try:
            runs = await refresher.full_sync()
            [mine] = [r for r in runs if r.cube_id == cube.id]
            assert (mine.trigger, mine.status) == ("airflow", "triggered") and mine.dag_run_id
            [request] = airflow.requests
            assert request["path"] == f"/api/v1/dags/{DAG_ID}/dagRuns"
            assert request["authorization"].startswith("Basic ")
            conf_cubes = {c["id"]: c for c in request["json"]["conf"]["cubes"]}
            assert (
                conf_cubes[cube.id]["view"] == cube.layout.view and conf_cubes[cube.id]["tenant_id"] == cube.tenant_id
            )
            assert conf_cubes[cube.id]["views"] == [cube.layout.view, cube.layout.distinct_view("Order Count")]
            assert (await CubeStore(engine).get(cube.tenant_id, cube.id)).refresh_status == "triggered"

            assert await refresher.follow_airflow() == 0  # still queued
            airflow.runs[mine.dag_run_id]["state"] = "success"
            assert await refresher.follow_airflow() >= 1
            [latest, *_] = await ViewStore(engine).runs(cube.tenant_id, cube.id)
            assert (latest.id, latest.status) == (mine.id, "succeeded") and latest.finished_at is not None
        finally:
            await client.close()


async def test_airflow_3_gets_a_token_for_the_credentials_and_a_fresh_one_when_it_expires():
    airflow = FakeAirflow(dags={DAG_ID}, users={"vision": "s3cret"})
    async with serve(airflow.app()) as url:
        client = AirflowClient(url.replace("http://", "http://vision:s3cret@") + "/api/v2")
        try:
            started = await client.trigger({"cubes": []})
            airflow.runs[started.dag_run_id]["state"] = "running"
            airflow.expire_tokens()
            assert await client.dag_run(started.dag_run_id) == DagRun(started.dag_run_id, "running")
        finally:
            await client.close()
    token_requests = [r for r in airflow.requests if r["path"] == "/auth/token"]
    assert [r["json"] for r in token_requests] == [{"username": "vision", "password": "s3cret"}] * 2
    trigger = next(r for r in airflow.requests if r["path"] == f"/api/v2/dags/{DAG_ID}/dagRuns")
    assert trigger["authorization"].startswith("Bearer ") and "s3cret" not in trigger["authorization"]
    assert trigger["json"]["logical_date"] is None and trigger["json"]["conf"] == {"cubes": []}


async def test_airflow_3_refusing_the_credentials_is_a_clear_error():
    airflow = FakeAirflow(dags={DAG_ID}, users={"vision": "s3cret"})
    async with serve(airflow.app()) as url:
        client = AirflowClient(url.replace("http://", "http://vision:wrong@") + "/api/v2")
        try:
            with pytest.raises(AirflowError, match="refused the credentials \\(401\\): Invalid credentials"):
                await client.trigger({})
        finally:
            await client.close()


async def test_airflow_errors_are_reported_with_airflows_detail():
    airflow = FakeAirflow(dags=set())
    async with serve(airflow.app()) as url:
        client = AirflowClient(url + "/api/v1")
        try:
            with pytest.raises(AirflowError, match="404: DAG with dag_id: 'vision_olap_full_sync' not found"):
                await client.trigger({"cubes": []})
        finally:
            await client.close()
    unreachable = AirflowClient(url + "/api/v1", timeout=1)
    try:
        with pytest.raises(AirflowError, match="unreachable"):
            await unreachable.trigger({})
    finally:
        await unreachable.close()


async def test_latest_runs_are_one_per_cube_oldest_first(read_catalog, demo_data, engine, tenant_id, datasource_id):
    sales = read_cube_folder(CUBES_FOLDER)[0][1]
    documents = [("sales.xml", sales), ("copy.xml", sales.replace('<Cube name="Sales"', '<Cube name="Sales Copy"'))]
    report = await load_cube_documents(
        documents,
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=CubeStore(engine),
        views=ViewStore(engine),
    )
    first, second = sorted(report.cubes, key=lambda c: c.name)
    refresher = CubeRefresher(engine)
    await refresher.refresh(second)
    again = await refresher.refresh(first)  # first: created before second, refreshed after it
    latest = await ViewStore(engine).latest_runs(tenant_id)
    assert [(r.cube_id, r.trigger) for r in latest] == [(second.id, "manual"), (first.id, "manual")]
    assert latest[-1].id == again.id
    assert await ViewStore(engine).latest_runs(tenant_id + "-other") == []
