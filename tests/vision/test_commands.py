"""`axiom cubes load|refresh` run as a user would: the real command in a subprocess, on the session's PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import text

from subgraphs.vision.store.cubes import CubeStore


async def axiom(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "axiom.cli", *args, env=dict(os.environ),
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode, out.decode(), err.decode()


async def view_exists(engine, cube) -> bool:
    async with engine.connect() as conn:
        return (await conn.execute(text("SELECT count(*) FROM pg_matviews WHERE schemaname = 'vision_mv' "
                                        "AND matviewname = :name"), {"name": cube.layout.view_name})).scalar_one() == 1


async def test_cubes_load_stores_the_built_in_cubes_and_builds_their_views(demo_data, engine, tenant_id,
                                                                           datasource_id):
    status, out, err = await axiom("cubes", "load", "--tenant", tenant_id, "--datasource-id", datasource_id)
    assert status == 0, err
    assert out.splitlines()[0] == "Sales: stored (version 1), view ready"
    [cube] = await CubeStore(engine).list(tenant_id)
    assert cube.datasource_id == datasource_id and cube.view_ready and await view_exists(engine, cube)

    status, out, _ = await axiom("cubes", "load", "--tenant", tenant_id, "--datasource-id", datasource_id)
    assert status == 0 and out.splitlines()[0] == "Sales: unchanged (version 1), view ready"


async def test_cubes_load_reports_a_broken_file_with_its_line_and_exits_1(demo_data, tenant_id, datasource_id,
                                                                          tmp_path):
    (tmp_path / "broken.xml").write_text('<Schema name="x">\n  <Cube name="B">\n  </Cube>\n</Schema>\n')
    status, out, _ = await axiom("cubes", "load", str(tmp_path), "--tenant", tenant_id,
                                 "--datasource-id", datasource_id)
    assert status == 1
    assert out.startswith("broken.xml:2: ")


async def test_cubes_refresh_rebuilds_a_dropped_view_and_records_the_run(demo_cubes, engine, tenant_id):
    [cube] = demo_cubes
    async with engine.begin() as conn:
        await conn.execute(text(f"DROP MATERIALIZED VIEW {cube.layout.view}"))
    status, out, err = await axiom("cubes", "refresh", "--tenant", tenant_id, "--cube", "Sales")
    assert status == 0, err
    assert out.splitlines()[0].startswith(f"{tenant_id}/Sales: succeeded, ")
    assert await view_exists(engine, cube)
    stored = await CubeStore(engine).get(tenant_id, cube.id)
    assert stored.view_ready and stored.last_refreshed_at > cube.last_refreshed_at


async def test_cubes_refresh_of_all_tenants_runs_the_full_sync(demo_cubes, engine, tenant_id):
    status, out, err = await axiom("cubes", "refresh")
    assert f"{tenant_id}/Sales: succeeded" in out, (out, err)
    stored = await CubeStore(engine).get(tenant_id, demo_cubes[0].id)
    assert stored.last_refreshed_at > demo_cubes[0].last_refreshed_at


async def test_cubes_refresh_of_an_unknown_cube_exits_1_and_bad_arguments_exit_2(demo_data, tenant_id):
    status, out, _ = await axiom("cubes", "refresh", "--tenant", tenant_id, "--cube", "Nope")
    assert status == 1 and f"{tenant_id}/Nope: no such cube" in out
    status, _, err = await axiom("cubes", "refresh", "--cube", "Nope")
    assert status == 2 and "naming cubes needs --tenant" in err
    status, _, err = await axiom("cubes", "load", "--datasource-id", "x")
    assert status == 2 and "must be the Weaver datasource's id" in err
