"""Subscriptions: refresh runs of cubes as they happen."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from subgraphs.vision.context import vision_context
from subgraphs.vision.resolvers.cubes import find_cube
from subgraphs.vision.types.cube import RefreshRun


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Refresh runs as they happen, whoever started them: refreshCube, the ETL "
        "schedule, loadCubes or the CLI. First the latest run of the cube (or of "
        "each of the tenant's cubes when `cube` is not given), then each run as "
        "it starts and as it ends (running, then succeeded or failed; triggered "
        "when handed to Airflow). Errors: NOT_FOUND."
    )
    async def cube_refreshes(
        self,
        info: strawberry.Info,
        cube: Annotated[
            str | None,
            strawberry.argument(description="The cube's id or name; every cube of the tenant when not given."),
        ] = None,
    ) -> AsyncGenerator[RefreshRun, None]:
        context = vision_context(info)
        only = (await find_cube(context, cube)).id if cube is not None else None
        stream = context.runtime.events.stream(context.tenant_id)
        await stream.open()  # before reading the latest runs, so that no run falls between the two
        try:
            if only is not None:
                latest = await context.views.runs(context.tenant_id, only, limit=1)
            else:
                latest = await context.views.latest_runs(context.tenant_id)
            last: dict[str, tuple[str, str]] = {}  # cube id -> (run id, status) last sent
            for run in latest:
                last[run.cube_id] = (run.id, run.status)
                yield RefreshRun.of(run)
            async for run in stream:
                if (only is not None and run.cube_id != only) or last.get(run.cube_id) == (run.id, run.status):
                    continue
                last[run.cube_id] = (run.id, run.status)
                yield RefreshRun.of(run)
        finally:
            await stream.close()
