"""The shipped DAG `airflow_dags/vision_olap_full_sync.py` under real Apache Airflow (its own environment, see
airflow_env.py): it loads into a DagBag with the expected tasks, and `airflow dags test` refreshes the demo
tenant's cubes through the running gateway, recording the runs in Vision's database."""

from __future__ import annotations

import asyncio
import json
import os
import uuid

import asyncpg
import pytest

from axiom.db_roles import libpq_url
from axiom.demo import DEMO_TENANT
from tests.e2e.airflow_env import AirflowHome, AirflowInstallError, airflow_venv

DAG_ID = "vision_olap_full_sync"

DAGBAG = """
import json
from airflow.models import DagBag
bag = DagBag(dag_folder={folder!r})
dag = bag.dags.get({dag_id!r})
print("DAGBAG " + json.dumps({{
    "errors": {{path: str(error) for path, error in bag.import_errors.items()}},
    "dag_ids": sorted(bag.dag_ids),
    "downstream": {{t.task_id: sorted(t.downstream_task_ids) for t in dag.tasks}} if dag else None,
    "max_active_runs": dag.max_active_runs if dag else None,
    "params": sorted(dag.params) if dag else None,
}}))
"""


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> AirflowHome:
    try:
        venv, _ = airflow_venv()
    except AirflowInstallError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Apache Airflow could not be installed: {exc}")
        pytest.skip(f"Apache Airflow could not be installed: {exc}")
    home = AirflowHome(venv, tmp_path_factory.mktemp("airflow-home"))
    home.prepare()
    return home


def _connection(gateway_url: str, tokens: list[str]) -> dict[str, str]:
    """The `axiom_vision` connection as Airflow reads it from the environment: the gateway, tenant tokens."""
    host, port = gateway_url.removeprefix("http://").split(":")
    connection = {
        "conn_type": "http",
        "host": host,
        "port": int(port),
        "schema": "http",
        "password": tokens[0],
        "extra": {"endpoint": "/graphql", "tokens": tokens[1:]},
    }
    return {"AIRFLOW_CONN_AXIOM_VISION": json.dumps(connection)}


async def _dags_test(home: AirflowHome, env: dict[str, str], conf: dict | None = None):
    args = ["dags", "test", DAG_ID] + (["--conf", json.dumps(conf)] if conf is not None else [])
    return await asyncio.to_thread(home.airflow, *args, env=env)


async def _database(settings) -> asyncpg.Connection:
    return await asyncpg.connect(libpq_url(settings.database_url))


async def _runs_since(conn: asyncpg.Connection, since) -> dict[str, list[str]]:
    # The DAG's runs only (`refreshCube` records them as manual): workers may also run the ETL schedule meanwhile.
    rows = await conn.fetch(
        "SELECT cube_id::text, status FROM vision.refresh_runs WHERE started_at > $1 "
        "AND trigger = 'manual' ORDER BY started_at",
        since,
    )
    runs: dict[str, list[str]] = {}
    for row in rows:
        runs.setdefault(row["cube_id"], []).append(row["status"])
    return runs


def test_the_dag_loads_into_a_dagbag_with_its_three_tasks(airflow_home):
    result = airflow_home.python(DAGBAG.format(folder=str(airflow_home.home / "dags"), dag_id=DAG_ID))
    assert result.returncode == 0, result.stderr[-3000:]
    line = next(line for line in result.stdout.splitlines() if line.startswith("DAGBAG "))
    bag = json.loads(line.removeprefix("DAGBAG "))
    assert bag["errors"] == {}
    assert bag["dag_ids"] == [DAG_ID]
    assert bag["downstream"] == {
        "plan_refreshes": ["refresh_cubes"],
        "refresh_cubes": ["wait_for_refreshes"],
        "wait_for_refreshes": [],
    }
    assert bag["max_active_runs"] == 1
    assert bag["params"] == ["poll_interval_seconds", "request_timeout_seconds", "timeout_seconds"]


async def test_a_run_without_cubes_refreshes_every_cube_of_the_tenant_through_the_gateway(
    system, airflow_home, services_settings, make_token
):
    token = make_token(DEMO_TENANT)
    conn = await _database(services_settings)
    try:
        cubes = {
            r["id"] for r in await conn.fetch("SELECT id::text FROM vision.cubes WHERE tenant_id = $1", DEMO_TENANT)
        }
        since = await conn.fetchval("SELECT clock_timestamp()")
        result = await _dags_test(airflow_home, _connection(system["gateway"], [token]))
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-6000:]
        assert cubes and await _runs_since(conn, since) == {cube: ["succeeded"] for cube in cubes}
    finally:
        await conn.close()
    assert token not in output  # the bearer token is never logged


async def test_a_failed_cube_fails_the_run_after_the_other_cubes_refreshed(
    system, airflow_home, services_settings, make_token
):
    """conf.cubes as Vision sends it: a real cube, one that does not exist, one of a tenant without a token."""
    conn = await _database(services_settings)
    try:
        sales = await conn.fetchval(
            "SELECT id::text FROM vision.cubes WHERE tenant_id = $1 AND name = 'Sales'", DEMO_TENANT
        )
        unknown = str(uuid.uuid4())
        conf = {
            "cubes": [
                {"id": unknown, "tenant_id": DEMO_TENANT, "view": "vision_mv.gone"},
                {"id": sales, "tenant_id": DEMO_TENANT, "view": "vision_mv.sales"},
                {"id": str(uuid.uuid4()), "tenant_id": "tenant-without-token"},
            ]
        }
        since = await conn.fetchval("SELECT clock_timestamp()")
        result = await _dags_test(airflow_home, _connection(system["gateway"], [make_token(DEMO_TENANT)]), conf)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output[-6000:]
        assert "2 of 3 cube refreshes did not succeed" in output
        assert f"cube {unknown} (tenant {DEMO_TENANT}): failed: NOT_FOUND: cube not found" in output
        assert "holds no token for tenant 'tenant-without-token'" in output
        assert await _runs_since(conn, since) == {sales: ["succeeded"]}
    finally:
        await conn.close()


POLL = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("vision_olap_full_sync", {path!r})
dag_file = sys.modules[spec.name] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(dag_file)
api = dag_file.VisionApi(url={url!r}, tokens={{{tenant!r}: sys.stdin.readline().strip()}}, timeout=30)
runs = json.loads(sys.stdin.readline())
print("POLLING", flush=True)
runs = dag_file.settle_runs(api, runs, timeout_seconds={timeout}, poll_interval_seconds=0.2)
print("SETTLED " + json.dumps({{"runs": runs, "report": dag_file.failure_report(runs)}}), flush=True)
"""


def _line_starting(process, prefix: str) -> str | None:
    """The first line of the process's output starting with `prefix` (Airflow may log to stdout before it)."""
    for line in process.stdout:
        if line.startswith(prefix):
            return line.rstrip("\n")
    return None


async def test_open_runs_are_polled_until_final_and_time_out_when_they_stay_open(
    system, airflow_home, services_settings, make_token
):
    """A refresh may answer `running`/`pending` and finish later (on the job runner): the DAG's wait reads the
    runs through the gateway until they are final. The open runs are written as the runner writes them."""
    conn = await _database(services_settings)
    finishing, stuck = str(uuid.uuid4()), str(uuid.uuid4())
    try:
        sales = await conn.fetchval(
            "SELECT id::text FROM vision.cubes WHERE tenant_id = $1 AND name = 'Sales'", DEMO_TENANT
        )
        for run_id, status in ((finishing, "running"), (stuck, "pending")):
            await conn.execute(
                "INSERT INTO vision.refresh_runs (id, cube_id, tenant_id, trigger, status) "
                "VALUES ($1, $2, $3, 'manual', $4)",
                uuid.UUID(run_id),
                uuid.UUID(sales),
                DEMO_TENANT,
                status,
            )
        runs = [
            {
                "cube_id": sales,
                "tenant_id": DEMO_TENANT,
                "name": "Sales",
                "run_id": run_id,
                "status": status,
                "error": None,
            }
            for run_id, status in ((finishing, "running"), (stuck, "pending"))
        ]
        script = POLL.format(
            path=str(airflow_home.home / "dags" / f"{DAG_ID}.py"),
            url=system["gateway"] + "/graphql",
            tenant=DEMO_TENANT,
            timeout=4,
        )
        process = airflow_home.popen_python(script)
        try:
            process.stdin.write(make_token(DEMO_TENANT) + "\n" + json.dumps(runs) + "\n")
            process.stdin.close()
            assert await asyncio.to_thread(_line_starting, process, "POLLING") is not None
            await conn.execute(
                "UPDATE vision.refresh_runs SET status = 'succeeded', finished_at = now(), rows = 7 WHERE id = $1",
                uuid.UUID(finishing),
            )
            settled_line = await asyncio.to_thread(_line_starting, process, "SETTLED ")
        finally:
            await asyncio.to_thread(process.wait, 60)
        assert settled_line is not None, process.stderr.read()[-3000:]
        settled = json.loads(settled_line.removeprefix("SETTLED "))
        assert [(r["run_id"], r["status"]) for r in settled["runs"]] == [(finishing, "succeeded"), (stuck, "timed_out")]
        assert settled["report"] == [f"cube Sales (tenant {DEMO_TENANT}): timed_out: still pending after 4 s"]
    finally:
        await conn.execute("DELETE FROM vision.refresh_runs WHERE id = ANY($1::uuid[])", [finishing, stuck])
        await conn.close()
