"""`axiom cubes load|refresh|delete` run as a user would: the real command in a subprocess, on the session's PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy import text

from subgraphs.vision.cube import parse_cube_xml
from subgraphs.vision.service.loading import CUBES_FOLDER
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore


async def axiom(*args: str) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "axiom.cli",
        *args,
        env=dict(os.environ),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    return process.returncode, out.decode(), err.decode()


async def view_exists(engine, cube) -> bool:
    async with engine.connect() as conn:
        return (
            await conn.execute(
                text("SELECT count(*) FROM pg_matviews WHERE schemaname = 'vision_mv' AND matviewname = :name"),
                {"name": cube.layout.view_name},
            )
        ).scalar_one() == 1


async def test_cubes_load_stores_the_built_in_cubes_and_builds_their_views(demo_data, engine, tenant_id, datasource_id):
    status, out, err = await axiom("cubes", "load", "--tenant", tenant_id, "--datasource-id", datasource_id)
    assert status == 0, err
    assert out.splitlines()[0] == "Sales: stored (version 1), view ready"
    [cube] = await CubeStore(engine).list(tenant_id)
    assert cube.datasource_id == datasource_id and cube.view_ready and await view_exists(engine, cube)

    status, out, _ = await axiom("cubes", "load", "--tenant", tenant_id, "--datasource-id", datasource_id)
    assert status == 0 and out.splitlines()[0] == "Sales: unchanged (version 1), view ready"


async def test_cubes_load_reports_a_broken_file_with_its_line_and_exits_1(
    demo_data, tenant_id, datasource_id, tmp_path
):
    (tmp_path / "broken.xml").write_text('<Schema name="x">\n  <Cube name="B">\n  </Cube>\n</Schema>\n')
    status, out, _ = await axiom(
        "cubes", "load", str(tmp_path), "--tenant", tenant_id, "--datasource-id", datasource_id
    )
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
    _status, out, err = await axiom("cubes", "refresh")
    assert f"{tenant_id}/Sales: succeeded" in out, (out, err)
    stored = await CubeStore(engine).get(tenant_id, demo_cubes[0].id)
    assert stored.last_refreshed_at > demo_cubes[0].last_refreshed_at


BROKEN = """<Cube name="Broken">
  <Table schema="sales" name="order_lines"/>
  <Dimension name="Product" foreignKey="product_id">
    <Hierarchy hasAll="true" primaryKey="product_id">
      <Table schema="sales" name="products_gone"/>
      <Level name="Category" column="category"/>
    </Hierarchy>
  </Dimension>
  <Measure name="Amount" column="amount" aggregator="sum"/>
</Cube>"""


async def store_unchecked(engine, tenant_id: str, datasource_id: str, xml: str):
    """A cube stored without checks, as an older version (or a table dropped since) leaves one behind."""
    [model] = parse_cube_xml(xml)
    async with engine.begin() as conn:
        stored, _ = await CubeStore(engine).save(tenant_id, datasource_id, model, xml, conn=conn)
    return stored


async def test_one_broken_cube_never_blocks_refreshing_the_others(demo_cubes, engine, tenant_id, datasource_id):
    broken = await store_unchecked(engine, tenant_id, datasource_id, BROKEN)
    for args in (("--tenant", tenant_id), ()):
        status, out, err = await axiom("cubes", "refresh", *args)
        assert status == 1 and "Traceback" not in err, (out, err)
        assert f"{tenant_id}/Sales: succeeded" in out
        [line] = [line for line in out.splitlines() if line.startswith(f"{tenant_id}/Broken: ")]
        assert line.startswith(f"{tenant_id}/Broken: failed in ")
        assert line.endswith(': view not built: relation "sales.products_gone" does not exist')
    runs = await ViewStore(engine).runs(tenant_id, broken.id)
    assert [(r.trigger, r.status) for r in runs] == [("create", "failed"), ("create", "failed")]


async def test_cubes_load_refuses_tables_the_datasource_lacks_and_stores_nothing(
    demo_data, engine, tenant_id, datasource_id, tmp_path
):
    (tmp_path / "broken.xml").write_text(BROKEN)
    (tmp_path / "sales.xml").write_text((CUBES_FOLDER / "sales.xml").read_text())
    status, out, err = await axiom(
        "cubes", "load", str(tmp_path), "--tenant", tenant_id, "--datasource-id", datasource_id
    )
    assert status == 1 and "Traceback" not in err, (out, err)
    assert out.splitlines() == [
        f"broken.xml:4: cube 'Broken': <Hierarchy> dimension 'Product': table sales.products_gone is not a table "
        f"of datasource {datasource_id} (as last synced by Weaver, inside its schema filter)",
        "nothing stored",
    ]
    assert await CubeStore(engine).list(tenant_id) == []
    status, out, _ = await axiom("cubes", "load", "--tenant", f"{tenant_id}-b", "--datasource-id", datasource_id)
    assert status == 1 and out.splitlines() == [f"dataSourceId: datasource {datasource_id} not found", "nothing stored"]


async def test_cubes_delete_drops_the_cube_and_its_views(demo_cubes, engine, tenant_id):
    [cube] = demo_cubes
    status, out, err = await axiom("cubes", "delete", "--tenant", tenant_id, "Sales", "Nope")
    assert status == 1, err
    assert out.splitlines() == [f"{tenant_id}/Sales: deleted", f"{tenant_id}/Nope: no such cube"]
    assert await CubeStore(engine).list(tenant_id) == [] and not await view_exists(engine, cube)


async def test_cubes_refresh_of_an_unknown_cube_exits_1_and_bad_arguments_exit_2(demo_data, tenant_id):
    status, out, _ = await axiom("cubes", "refresh", "--tenant", tenant_id, "--cube", "Nope")
    assert status == 1 and f"{tenant_id}/Nope: no such cube" in out
    status, _, err = await axiom("cubes", "refresh", "--cube", "Nope")
    assert status == 2 and "naming cubes needs --tenant" in err
    status, _, err = await axiom("cubes", "load", "--datasource-id", "x")
    assert status == 2 and "must be the Weaver datasource's id" in err
