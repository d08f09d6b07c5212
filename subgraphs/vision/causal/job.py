"""The causal discovery job: read the cube's measure series, run the Granger tests in a thread, store the links
for the cube's version. Queued by `discoverCausalLinks` and after every successful refresh."""

from __future__ import annotations

import asyncio
import logging

from subgraphs.vision.causal.discovery import discover_links
from subgraphs.vision.causal.series import measure_series
from subgraphs.vision.jobs.heartbeat import heartbeat
from subgraphs.vision.jobs.queue import JobQueue
from subgraphs.vision.service.pivots import PivotService
from subgraphs.vision.store.causal import CausalLinkStore
from subgraphs.vision.store.cubes import CubeStore, StoredCube

log = logging.getLogger(__name__)

DISCOVERY_JOB = "discover_causal_links"
DISCOVERY_TIMEOUT = 600


def discovery_job_key(cube: StoredCube, refreshed_at: str) -> str:
    return f"causal:{cube.id}:{cube.version}:{refreshed_at}"


async def queue_discovery(jobs: JobQueue, cube: StoredCube) -> None:
    """Queue discovery for the cube's current version and data (once per refresh: the key names both)."""
    refreshed = cube.last_refreshed_at.isoformat() if cube.last_refreshed_at else "never"
    await jobs.enqueue(
        DISCOVERY_JOB,
        key=discovery_job_key(cube, refreshed),
        timeout=DISCOVERY_TIMEOUT,
        cube_id=cube.id,
        tenant_id=cube.tenant_id,
    )


async def discover_causal_links(ctx: dict, *, cube_id: str, tenant_id: str) -> int:
    """Discover and store the links of the cube's current version; returns how many pairs were tested."""
    runtime = ctx["runtime"]
    engine = runtime.engine
    cube = await CubeStore(engine).get(tenant_id, cube_id)
    if cube is None or not cube.view_ready:
        return 0
    async with heartbeat(ctx):
        series = await measure_series(PivotService(runtime.settings, engine, None), cube)
        links = await asyncio.to_thread(discover_links, series)  # statsmodels is CPU work
        await CausalLinkStore(engine).replace_discovered(tenant_id, cube.id, cube.version, links)
    log.info("cube %s v%s: %d measure pairs tested for causal links", cube.id, cube.version, len(links))
    return len(links)
