"""`axiom cubes load|refresh|delete`: store cube files and build, refresh or delete their materialized views from a
shell."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from axiom.database import DatabaseSettings, create_engine
from axiom.settings import Settings
from subgraphs.vision.adapters.weaver_catalog import WeaverUnavailable, operator_catalog
from subgraphs.vision.service.cube_deletion import delete_cube
from subgraphs.vision.service.loading import CUBES_FOLDER, load_cube_documents, read_cube_folder
from subgraphs.vision.service.refresh import CubeRefresher
from subgraphs.vision.service.refresh_events import RefreshEvents
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import RefreshFailed, RefreshRun, ViewStore


class CommandError(Exception):
    """Bad arguments or configuration; the message is printed and the command exits with status 2."""


def read_documents(paths: list[Path]) -> list[tuple[str, str]]:
    """`(file name, xml)` of each file, and of the `*.xml` files of each folder; the built-in cubes by default."""
    documents = []
    for path in paths or [CUBES_FOLDER]:
        if path.is_dir():
            documents += read_cube_folder(path)
        elif path.is_file():
            documents.append((path.name, path.read_text(encoding="utf-8")))
        else:
            raise CommandError(f"{path}: no such file or folder")
    if not documents:
        raise CommandError("no cube files found")
    return documents


def _database(settings: Settings):
    if not settings.database_url:
        raise CommandError("DATABASE_URL is not set (`axiom up` starts an embedded PostgreSQL instead)")
    return create_engine(DatabaseSettings.of(settings, subgraph="vision"), pool_size=2, max_overflow=0)


async def load_cubes(
    settings: Settings, *, tenant_id: str, datasource_id: str, paths: list[Path]
) -> tuple[int, list[str]]:
    """Store the cube files for the tenant and build each cube's view: all of them, or none when any file is
    invalid or names a table or column its datasource (of that tenant, as Weaver last synced it) does not have.

    Returns the exit status (1 on any problem) and lines to print.
    """
    try:
        datasource_id = str(uuid.UUID(datasource_id))
    except ValueError as exc:
        raise CommandError("--datasource-id must be the Weaver datasource's id (a UUID)") from exc
    documents = read_documents(paths)
    engine = _database(settings)
    try:
        async with operator_catalog(settings, tenant_id=tenant_id, datasource_id=datasource_id) as read_catalog:
            report = await load_cube_documents(
                documents,
                tenant_id=tenant_id,
                datasource_id=datasource_id,
                read_catalog=read_catalog,
                cubes=CubeStore(engine),
                views=ViewStore(engine),
            )
    except WeaverUnavailable as exc:
        raise CommandError(f"cannot read the datasource's tables from Weaver: {exc}") from exc
    finally:
        await engine.dispose()
    lines = [
        f"{cube.name}: {'stored' if cube.name in report.changed else 'unchanged'} (version {cube.version}), "
        f"view {'ready' if cube.view_ready else 'not ready'}"
        for cube in report.cubes
    ]
    lines += [f"{p.file}{f':{p.line}' if p.line else ''}: {p.message}" for p in report.problems]
    lines += [f"warning: {w}" for w in report.warnings]
    if report.problems and not report.cubes:
        lines.append("nothing stored")
    return (1 if report.problems else 0), lines


async def delete_cubes(settings: Settings, *, tenant_id: str, names: list[str]) -> tuple[int, list[str]]:
    """Delete the tenant's named cubes with their views, refresh runs and glossary links.

    Returns the exit status (1 when a named cube does not exist) and lines to print.
    """
    engine = _database(settings)
    cache, airflow = await _refresh_services(settings)
    lines, status = [], 0
    try:
        cubes, views = CubeStore(engine), ViewStore(engine)
        for name in names:
            cube = await cubes.get_by_name(tenant_id, name)
            if cube is None:
                lines.append(f"{tenant_id}/{name}: no such cube")
                status = 1
                continue
            await delete_cube(cube, cubes=cubes, views=views, cache=cache)
            lines.append(f"{tenant_id}/{name}: deleted")
    finally:
        await _close(engine, cache, airflow)
    return status, lines


async def _close(engine, cache, airflow) -> None:
    """Release what `_database` and `_refresh_services` opened."""
    if cache is not None:
        await cache.redis.aclose()
    if airflow is not None:
        await airflow.close()
    await engine.dispose()


async def refresh_cubes(settings: Settings, *, tenant_id: str | None, names: list[str]) -> tuple[int, list[str]]:
    """Refresh cube views, building missing or outdated ones first.

    Without a tenant: every cube of every tenant through `CubeRefresher.full_sync` (handed to Airflow when
    AIRFLOW_BASE_URL is set; nothing when another process is syncing). With a tenant: its cubes, or the named ones.
    Returns the exit status (1 when a refresh failed or a named cube does not exist) and lines to print.
    """
    if names and not tenant_id:
        raise CommandError("naming cubes needs --tenant")
    engine = _database(settings)
    cache, airflow = await _refresh_services(settings)
    try:
        # With Redis, subscribers of `cubeRefreshes` on the running Vision processes hear of these runs too.
        announce = RefreshEvents(cache.redis).publish if cache is not None else None
        refresher = CubeRefresher(engine, cache, airflow, announce)
        started = time.perf_counter()
        if tenant_id is None:
            runs = await refresher.full_sync()
            cubes = {c.id: c for c in await refresher.cubes.all_tenants()}
            missing: list[str] = []
        else:
            stored = await refresher.cubes.list(tenant_id)
            chosen = [c for c in stored if not names or c.name in names]
            missing = sorted(set(names) - {c.name for c in stored})
            runs = [await _refresh_one(refresher, cube) for cube in chosen]
            cubes = {c.id: c for c in chosen}
    finally:
        await _close(engine, cache, airflow)
    lines = [_describe(run, cubes[run.cube_id].name) for run in runs]
    lines += [f"{tenant_id}/{name}: no such cube" for name in missing]
    if not runs and not missing:
        lines.append("no cube refreshed (none stored, or another process is syncing)")
    lines.append(f"{len(runs)} run(s) in {time.perf_counter() - started:.1f}s")
    failed = missing or any(run.status == "failed" for run in runs)
    return (1 if failed else 0), lines


async def _refresh_one(refresher: CubeRefresher, cube) -> RefreshRun:
    try:
        return await refresher.refresh(cube, trigger="manual")
    except RefreshFailed as exc:
        return exc.run


async def _refresh_services(settings: Settings):
    cache = airflow = None
    if settings.redis_url:  # a refresh drops the cube's cached pivots
        from redis.asyncio import Redis

        from subgraphs.vision.store.cache import PivotCache

        cache = PivotCache(Redis.from_url(settings.redis_url), settings.redis_cache_ttl)
    if settings.airflow_base_url:
        from subgraphs.vision.adapters.airflow import AirflowClient

        airflow = AirflowClient(settings.airflow_base_url)
    return cache, airflow


def _describe(run: RefreshRun, name: str) -> str:
    took = f" in {(run.finished_at - run.started_at).total_seconds():.2f}s" if run.finished_at else ""
    rows = f", {run.rows} rows" if run.rows is not None else ""
    detail = f": {run.error}" if run.error else (f" (Airflow run {run.dag_run_id})" if run.dag_run_id else "")
    return f"{run.tenant_id}/{name}: {run.status}{rows}{took}{detail}"
