"""Cube definitions and their materialized views on the session's real PostgreSQL."""

from __future__ import annotations

from sqlalchemy import text

from subgraphs.vision.cube import parse_cube_xml
from subgraphs.vision.demo import load_demo_cubes
from subgraphs.vision.service.loading import CUBES_FOLDER, load_cube_documents, read_cube_folder
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore
from subgraphs.weaver.demo import register_demo_datasource

SALES_XML = (CUBES_FOLDER / "sales.xml").read_text()


async def save(store: CubeStore, *args):
    async with store.engine.begin() as conn:
        return await store.save(*args, conn=conn)


async def test_saving_the_same_xml_twice_changes_nothing(engine, tenant_id, datasource_id):
    store = CubeStore(engine)
    [model] = parse_cube_xml(SALES_XML)
    first, changed_first = await save(store, tenant_id, datasource_id, model, SALES_XML)
    again, changed_again = await save(store, tenant_id, datasource_id, model, SALES_XML)
    assert changed_first and not changed_again
    assert (again.id, again.version) == (first.id, 1)
    assert (first.fact_schema, first.fact_table, first.datasource_id) == ("sales", "order_lines", datasource_id)


async def test_changed_xml_keeps_the_id_and_bumps_the_version(engine, tenant_id, datasource_id):
    store = CubeStore(engine)
    [model] = parse_cube_xml(SALES_XML)
    first, _ = await save(store, tenant_id, datasource_id, model, SALES_XML)
    edited = SALES_XML.replace('description="Order lines', 'description="Edited order lines')
    [edited_model] = parse_cube_xml(edited)
    second, changed = await save(store, tenant_id, datasource_id, edited_model, edited)
    assert changed and second.id == first.id and second.version == 2
    assert second.model.description.startswith("Edited")


async def test_reads_are_scoped_to_the_tenant(engine, tenant_id, datasource_id):
    store = CubeStore(engine)
    [model] = parse_cube_xml(SALES_XML)
    mine, _ = await save(store, tenant_id, datasource_id, model, SALES_XML)
    other = f"{tenant_id}-other"
    assert await store.get(other, mine.id) is None
    assert await store.get_by_name(other, "Sales") is None
    assert await store.list(other) == []
    assert [c.id for c in await store.list(tenant_id)] == [mine.id]
    assert await store.get(tenant_id, "not-a-uuid") is None
    table = (datasource_id, "sales", "order_lines")
    assert [c.id for c in (await store.by_fact_tables(tenant_id, [table]))[table]] == [mine.id]
    assert await store.by_fact_tables(other, [table]) == {}


async def test_view_aggregates_match_the_fact_table(demo_cubes, engine):
    [cube] = demo_cubes
    assert cube.view_ready and cube.refresh_status == "succeeded"
    async with engine.connect() as conn:
        mv = (
            await conn.execute(
                text(f'SELECT sum("m0_amount_sum"), sum("m1_quantity_sum"), sum("fact_rows") FROM {cube.layout.view}')
            )
        ).one()
        raw = (await conn.execute(text("SELECT sum(amount), sum(quantity), count(*) FROM sales.order_lines"))).one()
    assert tuple(mv) == tuple(raw)


async def test_ensure_keeps_a_current_view_and_rebuilds_after_a_definition_change(
    read_catalog, demo_cubes, engine, tenant_id, datasource_id
):
    [cube] = demo_cubes
    views, store = ViewStore(engine), CubeStore(engine)
    assert await views.ensure(cube) is None
    edited = SALES_XML.replace(
        '<Measure name="Quantity" column="quantity" aggregator="sum" formatString="#,##0"/>',
        '<Measure name="Quantity" column="quantity" aggregator="max"/>',
    )
    report = await load_cube_documents(
        [("sales.xml", edited)],
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=store,
        views=views,
    )
    [rebuilt] = report.cubes
    assert rebuilt.version == 2 and rebuilt.view_version == 2 and rebuilt.view_ready
    async with engine.connect() as conn:
        columns = (
            (
                await conn.execute(
                    text("SELECT attname FROM pg_attribute WHERE attrelid = CAST(:view AS regclass) AND attnum > 0"),
                    {"view": rebuilt.layout.view},
                )
            )
            .scalars()
            .all()
        )
    assert "m1_quantity_max" in columns and "m1_quantity_sum" not in columns


async def test_refresh_runs_concurrently_and_is_recorded(demo_cubes, engine):
    [cube] = demo_cubes
    views = ViewStore(engine)
    run = await views.refresh(cube, trigger="manual")
    assert (run.status, run.trigger, run.error) == ("succeeded", "manual", None)
    assert run.rows > 0 and run.finished_at >= run.started_at
    runs = await views.runs(cube.tenant_id, cube.id)
    assert [r.trigger for r in runs] == ["manual", "create"]


async def test_a_batch_with_one_broken_file_stores_nothing(read_catalog, demo_data, engine, tenant_id, datasource_id):
    documents = [("broken.xml", "<Cube name='X'><Table name='t'/></Cube>"), *read_cube_folder(CUBES_FOLDER)]
    report = await load_cube_documents(
        documents,
        tenant_id=tenant_id,
        datasource_id=datasource_id,
        read_catalog=read_catalog,
        cubes=CubeStore(engine),
        views=ViewStore(engine),
    )
    assert report.cubes == [] and await CubeStore(engine).list(tenant_id) == []
    assert {p.file for p in report.problems} == {"broken.xml"}
    assert any("needs at least one <Measure>" in p.message and p.line == 1 for p in report.problems)


async def test_load_demo_cubes_is_idempotent(demo_data, services_settings):
    datasource_id = await register_demo_datasource(services_settings)
    first = await load_demo_cubes(services_settings, datasource_id)
    second = await load_demo_cubes(services_settings, datasource_id)
    assert first == second and len(first) == 1
