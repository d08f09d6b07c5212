"""Subscriptions: refresh runs of a cube as they happen."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from subgraphs.vision.resolvers import find_cube
from subgraphs.vision.types import RefreshRun


@strawberry.type
class Subscription:
    @strawberry.subscription(description="A cube's latest refresh run at once (when it has one), then each of its "
                                         "runs as it starts and as it ends (running, then succeeded or failed; "
                                         "triggered when handed to Airflow), whoever started it: refreshCube, "
                                         "the ETL schedule, loadCubes or the CLI. Errors: NOT_FOUND.")
    async def cube_refreshes(
        self, info: strawberry.Info,
        cube: Annotated[str, strawberry.argument(description="The cube's id or name.")],
    ) -> AsyncGenerator[RefreshRun, None]:
        context = info.context
        stored = await find_cube(context, cube)
        stream = context.resources.events.stream(context.tenant_id)
        await stream.open()  # before reading the latest run, so that no run falls between the two
        try:
            last = None
            for run in await context.views.runs(context.tenant_id, stored.id, limit=1):
                last = (run.id, run.status)
                yield RefreshRun.of(run)
            async for run in stream:
                if run.cube_id != stored.id or (run.id, run.status) == last:
                    continue
                last = (run.id, run.status)
                yield RefreshRun.of(run)
        finally:
            await stream.close()
