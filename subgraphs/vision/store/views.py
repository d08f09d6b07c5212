"""Each cube's materialized view: created for its current definition, refreshed, every run recorded."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from axiom.db_roles import CUBE_BUILDER_ROLE
from subgraphs.vision.cube import CubeXmlError
from subgraphs.vision.cube.layout import MV_SCHEMA, CubeLayout, UniqueKey, qualified, quote
from subgraphs.vision.store.cubes import StoredCube

log = logging.getLogger(__name__)

_RUN_COLUMNS = "id, cube_id, tenant_id, trigger, status, started_at, finished_at, rows, error, dag_run_id"


@dataclass(frozen=True)
class RefreshRun:
    id: str
    cube_id: str
    tenant_id: str
    trigger: str  # create | manual | schedule | airflow
    status: str  # pending (queued as a job) | running | succeeded | failed | triggered
    started_at: datetime
    finished_at: datetime | None
    rows: int | None
    error: str | None
    dag_run_id: str | None


def _run(row) -> RefreshRun:
    data = dict(row._mapping)
    data["id"], data["cube_id"] = str(data["id"]), str(data["cube_id"])
    return RefreshRun(**data)


class FanOut(Exception):
    """A join of the cube reaches several rows for one key: fact rows would be repeated and totals inflated."""


# A single-column unique index (or primary key) without predicate proves a column unique without a scan.
_UNIQUE_BY_CONSTRAINT = text(
    "SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
    "AND a.attnum = i.indkey[0] WHERE i.indrelid = to_regclass(:table) AND i.indisunique "
    "AND i.indnkeyatts = 1 AND i.indpred IS NULL AND a.attname = :column)"
)


async def check_unique_keys(conn, layout: CubeLayout) -> None:
    """Raise FanOut naming the join whose key is not unique (by constraint, else by the data as it is now)."""
    for key in layout.unique_keys():
        table = qualified(key.table.schema, key.table.name)
        if (await conn.execute(_UNIQUE_BY_CONSTRAINT, {"table": table, "column": key.column})).scalar_one():
            continue
        column = quote(key.column)
        duplicate = (
            await conn.execute(
                text(
                    f"SELECT CAST({column} AS text) AS value, count(*) AS n FROM {table} WHERE {column} IS NOT NULL "
                    f"GROUP BY {column} HAVING count(*) > 1 LIMIT 1"
                )
            )
        ).first()
        if duplicate is not None:
            raise FanOut(_fan_out_message(key, duplicate.value, duplicate.n))


def _fan_out_message(key: UniqueKey, value: str, rows: int) -> str:
    return (
        f"{key.origin}: {key.table.name}.{key.column} is not unique ({key.column} {value!r} is on {rows} rows), "
        f"so the join would repeat fact rows and inflate every total; join only to a table where the key is "
        f"unique (a many-to-many bridge cannot be a hierarchy's table)"
    )


def database_message(exc: DBAPIError) -> str:
    """PostgreSQL's own message (e.g. `relation "x" does not exist`), without the driver's class name or SQL."""
    original = exc.orig.__cause__ if exc.orig is not None and exc.orig.__cause__ is not None else exc.orig
    return str(original).splitlines()[0] if original is not None else "database error"


class RefreshFailed(Exception):
    """A refresh failed; the run is recorded with the error."""

    def __init__(self, run: RefreshRun):
        super().__init__(run.error)
        self.run = run


Announce = Callable[[RefreshRun], Awaitable[None]]


class ViewStore:
    def __init__(self, engine: AsyncEngine, announce: Announce | None = None):
        """`announce` hears of each run when it starts and when it ends (after the change is committed)."""
        self.engine = engine
        self._announce = announce

    async def _announced(self, run: RefreshRun) -> RefreshRun:
        if self._announce is not None:
            await self._announce(run)
        return run

    async def ensure(self, cube: StoredCube, *, run_id: str | None = None) -> RefreshRun | None:
        """Create the view if it is missing or was built for an older definition, and populate it.

        Returns the populating run (recorded as `run_id` when given: a job's pending run), or None when the view
        was already current. Raises RefreshFailed (with a recorded failed run) when PostgreSQL refuses to build
        the view, e.g. a table has gone.
        """
        try:
            async with self.engine.begin() as conn:
                built = await self.build(conn, cube)
        except (DBAPIError, CubeXmlError, FanOut) as exc:
            message = database_message(exc) if isinstance(exc, DBAPIError) else str(exc)
            log.warning("view of cube %s not built: %s", cube.id, message)
            run_id = await self._start(cube, "create", run_id)
            raise RefreshFailed(
                await self._finish(run_id, cube.id, "failed", None, f"view not built: {message}"[:1000])
            ) from exc
        return await self.refresh(cube, trigger="create", run_id=run_id) if built else None

    async def build(self, conn: AsyncConnection, cube: StoredCube) -> bool:
        """In the caller's transaction: (re)create the cube's views, empty, unless they are current.

        Returns whether they were built (and so need populating). The views are created as the cube builder role,
        which owns them and is the only role whose privileges their refreshes read the source tables with.
        """
        layout = cube.layout
        if cube.view_version == cube.version and set(layout.view_names) <= set(await self._views_of(cube, conn)):
            return False
        # One cube's rebuilds are serialized; the lock is released at commit.
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:id))"), {"id": cube.id})
        await conn.execute(text(f"SET LOCAL ROLE {CUBE_BUILDER_ROLE}"))
        await check_unique_keys(conn, layout)  # before anything is built: a fan-out join refuses the cube
        # Also the views of older definitions (e.g. of a distinct-count measure since removed).
        await self._drop_views(conn, cube)
        for statement in layout.create_view_sql():
            await conn.execute(text(statement))
        await conn.execute(text("RESET ROLE"))
        await conn.execute(
            text(
                "UPDATE vision.cubes SET view_version = :version, last_refreshed_at = NULL, "
                "refresh_status = NULL WHERE id = CAST(:id AS uuid)"
            ),
            {"version": cube.version, "id": cube.id},
        )
        return True

    async def drop(self, conn: AsyncConnection, cube: StoredCube) -> None:
        """In the caller's transaction: drop every view of the cube (for deleteCube)."""
        await conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:id))"), {"id": cube.id})
        await conn.execute(text(f"SET LOCAL ROLE {CUBE_BUILDER_ROLE}"))
        await self._drop_views(conn, cube)
        await conn.execute(text("RESET ROLE"))

    async def _drop_views(self, conn: AsyncConnection, cube: StoredCube) -> None:
        for name in await self._views_of(cube, conn):
            await conn.execute(text(f"DROP MATERIALIZED VIEW IF EXISTS {qualified(MV_SCHEMA, name)}"))

    async def _start(self, cube: StoredCube, trigger: str, run_id: str | None = None) -> str:
        """Record a run as running and announce it; returns its id.

        With `run_id`, that run (pending, or left running by a worker that died) is the one recorded: a job
        retried after a crash refreshes again and finishes the same run.
        """
        run_id = run_id or str(uuid.uuid4())
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"INSERT INTO vision.refresh_runs (id, cube_id, tenant_id, trigger, status) "
                        f"VALUES (:id, :cube_id, :tenant_id, :trigger, 'running') ON CONFLICT (id) DO UPDATE SET "
                        f"status = 'running', started_at = clock_timestamp(), finished_at = NULL, rows = NULL, "
                        f"error = NULL RETURNING {_RUN_COLUMNS}"
                    ),
                    {"id": run_id, "cube_id": cube.id, "tenant_id": cube.tenant_id, "trigger": trigger},
                )
            ).one()
        await self._announced(_run(row))
        return run_id

    async def record_pending(self, cube: StoredCube, *, trigger: str) -> RefreshRun:
        """Record a run queued as a job (not announced: subscribers hear of it when it starts running)."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"INSERT INTO vision.refresh_runs (id, cube_id, tenant_id, trigger, status) "
                        f"VALUES (:id, :cube_id, :tenant_id, :trigger, 'pending') RETURNING {_RUN_COLUMNS}"
                    ),
                    {"id": str(uuid.uuid4()), "cube_id": cube.id, "tenant_id": cube.tenant_id, "trigger": trigger},
                )
            ).one()
        return _run(row)

    async def run(self, run_id: str) -> RefreshRun | None:
        """One run by id, whatever its tenant (for jobs, which carry only the run id)."""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(f"SELECT {_RUN_COLUMNS} FROM vision.refresh_runs WHERE id = CAST(:id AS uuid)"), {"id": run_id}
                )
            ).one_or_none()
        return _run(row) if row is not None else None

    async def refresh(self, cube: StoredCube, *, trigger: str, run_id: str | None = None) -> RefreshRun:
        """Refresh the view (concurrently once it holds data) and record the run (`run_id`: a job's run);
        raises RefreshFailed."""
        run_id = await self._start(cube, trigger, run_id)
        layout = cube.layout
        started = time.perf_counter()
        try:
            populated = await self._populated(cube)
            if populated is None:
                raise RuntimeError(f"materialized view {layout.view_name} does not exist")
            async with self.engine.begin() as conn:
                # The views' owner: a refresh reads the source tables with its privileges only.
                await conn.execute(text(f"SET LOCAL ROLE {CUBE_BUILDER_ROLE}"))
                await check_unique_keys(conn, layout)
                for statement in layout.refresh_view_sql(concurrently=populated):
                    await conn.execute(text(statement))
                rows = (await conn.execute(text(f"SELECT count(*) FROM {layout.view}"))).scalar_one()
        except Exception as exc:  # recorded on the run; the caller decides what the client sees
            log.warning("refresh of cube %s failed: %s", cube.id, exc)
            message = database_message(exc) if isinstance(exc, DBAPIError) else str(exc)
            run = await self._finish(run_id, cube.id, "failed", None, message[:1000])
            raise RefreshFailed(run) from exc
        run = await self._finish(run_id, cube.id, "succeeded", rows, None)
        log.info("refreshed cube %s (%s rows) in %.3fs", cube.id, rows, time.perf_counter() - started)
        return run

    async def record_triggered(self, cube: StoredCube, *, dag_run_id: str) -> RefreshRun:
        """Record a refresh handed to Airflow (the DAG does the work)."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"INSERT INTO vision.refresh_runs (id, cube_id, tenant_id, trigger, status, dag_run_id) "
                        f"VALUES (:id, :cube_id, :tenant_id, 'airflow', 'triggered', :dag) RETURNING {_RUN_COLUMNS}"
                    ),
                    {"id": str(uuid.uuid4()), "cube_id": cube.id, "tenant_id": cube.tenant_id, "dag": dag_run_id},
                )
            ).one()
            await conn.execute(
                text("UPDATE vision.cubes SET refresh_status = 'triggered' WHERE id = CAST(:id AS uuid)"),
                {"id": cube.id},
            )
        return await self._announced(_run(row))

    async def triggered_runs(self) -> dict[str, list[RefreshRun]]:
        """Runs handed to Airflow and not settled yet, by DAG run id (all tenants: for the ETL schedule)."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(f"SELECT {_RUN_COLUMNS} FROM vision.refresh_runs WHERE status = 'triggered' ORDER BY started_at")
            )
            runs: dict[str, list[RefreshRun]] = {}
            for row in result:
                run = _run(row)
                if run.dag_run_id is not None:  # set on every triggered run
                    runs.setdefault(run.dag_run_id, []).append(run)
            return runs

    async def settle(self, run: RefreshRun, status: str, *, error: str | None = None) -> RefreshRun:
        """Close a run handed to Airflow with the DAG run's outcome."""
        return await self._finish(run.id, run.cube_id, status, None, error)

    async def runs(self, tenant_id: str, cube_id: str, limit: int = 20) -> list[RefreshRun]:
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    f"SELECT {_RUN_COLUMNS} FROM vision.refresh_runs WHERE tenant_id = :tenant_id "
                    f"AND cube_id = CAST(:cube_id AS uuid) ORDER BY started_at DESC, id LIMIT :limit"
                ),
                {"tenant_id": tenant_id, "cube_id": cube_id, "limit": limit},
            )
            return [_run(row) for row in result]

    async def latest_runs(self, tenant_id: str) -> list[RefreshRun]:
        """The latest run of each of the tenant's cubes, oldest first."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    f"SELECT * FROM (SELECT DISTINCT ON (cube_id) {_RUN_COLUMNS} FROM vision.refresh_runs "
                    f"WHERE tenant_id = :tenant_id ORDER BY cube_id, started_at DESC, id) latest "
                    f"ORDER BY started_at, id"
                ),
                {"tenant_id": tenant_id},
            )
            return [_run(row) for row in result]

    async def _views_of(self, cube: StoredCube, conn=None) -> list[str]:
        """Names of the materialized views of the cube that exist now (whatever definition built them)."""
        statement = text(
            "SELECT matviewname FROM pg_matviews WHERE schemaname = :schema "
            "AND (matviewname = :name OR matviewname LIKE :prefix)"
        )
        params = {"schema": MV_SCHEMA, "name": cube.layout.view_name, "prefix": cube.layout.view_name + "\\_%"}
        if conn is not None:
            return list((await conn.execute(statement, params)).scalars())
        async with self.engine.connect() as own:
            return list((await own.execute(statement, params)).scalars())

    async def _populated(self, cube: StoredCube) -> bool | None:
        """None when the view does not exist, else whether it holds data."""
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    text("SELECT ispopulated FROM pg_matviews WHERE schemaname = :schema AND matviewname = :name"),
                    {"schema": MV_SCHEMA, "name": cube.layout.view_name},
                )
            ).scalar_one_or_none()

    async def _finish(self, run_id: str, cube_id: str, status: str, rows: int | None, error: str | None) -> RefreshRun:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"UPDATE vision.refresh_runs SET status = :status, finished_at = clock_timestamp(), "
                        f"rows = :rows, error = :error WHERE id = CAST(:id AS uuid) RETURNING {_RUN_COLUMNS}"
                    ),
                    {"status": status, "rows": rows, "error": error, "id": run_id},
                )
            ).one()
            finished = "last_refreshed_at = clock_timestamp(), " if status == "succeeded" else ""
            await conn.execute(
                text(f"UPDATE vision.cubes SET {finished}refresh_status = :status WHERE id = CAST(:id AS uuid)"),
                {"status": status, "id": cube_id},
            )
        return await self._announced(_run(row))
