"""Refreshing cubes: one cube on demand (`refreshCube`), all cubes on the ETL schedule or through Airflow.

Both run as jobs of the worker (`subgraphs.vision.jobs`); this module is the work itself.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.vision.adapters.airflow import AirflowClient, AirflowError
from subgraphs.vision.cube.layout import MV_SCHEMA, qualified
from subgraphs.vision.metrics import ETL_SYNC_DURATION
from subgraphs.vision.store.cache import PivotCache
from subgraphs.vision.store.cubes import CubeStore, StoredCube
from subgraphs.vision.store.views import Announce, RefreshFailed, RefreshRun, ViewStore

log = logging.getLogger(__name__)

_SYNC_LOCK = "vision-etl-full-sync"


class CubeRefresher:
    def __init__(
        self,
        engine: AsyncEngine,
        cache: PivotCache | None = None,
        airflow: AirflowClient | None = None,
        announce: Announce | None = None,
    ):
        self.engine = engine
        self.cubes = CubeStore(engine)
        self.views = ViewStore(engine, announce)
        self.cache = cache
        self.airflow = airflow

    async def refresh(self, cube: StoredCube, *, trigger: str = "manual", run_id: str | None = None) -> RefreshRun:
        """Build the view if it is missing or outdated, else refresh it concurrently; drop the cube's cached pivots.

        With `run_id`, that (pending) run is the one recorded. Raises RefreshFailed (the failed run is recorded).
        """
        started = time.perf_counter()
        status = "failed"
        try:
            run = await self.views.ensure(cube, run_id=run_id)
            if run is None:
                run = await self.views.refresh(cube, trigger=trigger, run_id=run_id)
            status = "succeeded"
            return run
        finally:
            ETL_SYNC_DURATION.labels(trigger, status).observe(time.perf_counter() - started)
            if self.cache is not None:
                await self.cache.invalidate_cube(cube.tenant_id, cube.id)

    async def full_sync(self) -> list[RefreshRun]:
        """Refresh every cube of every tenant, or hand them all to one Airflow DAG run.

        Only one process syncs at a time (a PostgreSQL advisory lock); others return [] at once.
        """
        async with self.engine.connect() as conn, conn.begin():
            locked = (
                await conn.execute(text("SELECT pg_try_advisory_xact_lock(hashtext(:name))"), {"name": _SYNC_LOCK})
            ).scalar_one()
            if not locked:
                return []
            started = time.perf_counter()
            cubes = await self.cubes.all_tenants()
            if self.airflow is not None:
                runs = await self._trigger_airflow(self.airflow, cubes)
                ETL_SYNC_DURATION.labels("airflow", "triggered").observe(time.perf_counter() - started)
                return runs
            runs = []
            for cube in cubes:
                try:
                    runs.append(await self.refresh(cube, trigger="schedule"))
                except RefreshFailed as exc:
                    runs.append(exc.run)
            return runs

    async def _trigger_airflow(self, airflow: AirflowClient, cubes: list[StoredCube]) -> list[RefreshRun]:
        if not cubes:
            return []
        # `views`: every view to refresh, in order, in one transaction (the cell view and key-signature views).
        conf = {
            "cubes": [
                {
                    "id": c.id,
                    "tenant_id": c.tenant_id,
                    "view": c.layout.view,
                    "views": [qualified(MV_SCHEMA, name) for name in c.layout.view_names],
                }
                for c in cubes
            ]
        }
        dag_run = await airflow.trigger(conf)
        return [await self.views.record_triggered(cube, dag_run_id=dag_run.dag_run_id) for cube in cubes]

    async def follow_airflow(self) -> int:
        """Settle runs handed to Airflow whose DAG run finished; returns how many were settled."""
        if self.airflow is None:
            return 0
        settled = 0
        for dag_run_id, runs in (await self.views.triggered_runs()).items():
            try:
                state = (await self.airflow.dag_run(dag_run_id)).state
            except AirflowError as exc:
                log.warning("cannot follow Airflow run %s: %s", dag_run_id, exc)
                continue
            if state not in ("success", "failed"):
                continue
            status = "succeeded" if state == "success" else "failed"
            for run in runs:
                await self.views.settle(run, status, error=None if state == "success" else "Airflow DAG run failed")
                if self.cache is not None:
                    await self.cache.invalidate_cube(run.tenant_id, run.cube_id)
                settled += 1
        return settled
