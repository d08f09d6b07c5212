"""The demo cubes: the files in `cubes/` stored for the demo tenant over the demo datasource."""

from __future__ import annotations

from axiom.database import DatabaseSettings, create_engine
from axiom.demo import DEMO_TENANT
from axiom.settings import Settings
from subgraphs.vision.adapters.weaver_catalog import operator_catalog
from subgraphs.vision.service.loading import CUBES_FOLDER, load_cube_documents, read_cube_folder
from subgraphs.vision.store.cubes import CubeStore
from subgraphs.vision.store.views import ViewStore


async def load_demo_cubes(settings: Settings, datasource_id: str) -> list[str]:
    """Store the cube files for `DEMO_TENANT`, bound to Weaver's datasource id, and build their views.

    Idempotent: unchanged files change nothing, existing views are kept. Returns the cubes' ids.
    Raises RuntimeError naming the problems when a file is invalid or a view cannot be built.
    """
    engine = create_engine(DatabaseSettings.of(settings, subgraph="vision"), pool_size=2, max_overflow=0)
    try:
        async with operator_catalog(settings, tenant_id=DEMO_TENANT, datasource_id=datasource_id) as read_catalog:
            report = await load_cube_documents(
                read_cube_folder(CUBES_FOLDER),
                tenant_id=DEMO_TENANT,
                datasource_id=datasource_id,
                read_catalog=read_catalog,
                cubes=CubeStore(engine),
                views=ViewStore(engine),
            )
    finally:
        await engine.dispose()
    if report.problems:
        raise RuntimeError("demo cubes: " + "; ".join(p.message for p in report.problems))
    return [cube.id for cube in report.cubes]
