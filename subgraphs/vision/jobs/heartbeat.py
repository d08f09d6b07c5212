"""Keeping a running job's record fresh, so that the sweep retries it only when its worker is gone."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from redis.exceptions import RedisError

from subgraphs.vision.jobs.queue import HEARTBEAT_SECONDS

log = logging.getLogger(__name__)


@contextlib.asynccontextmanager
async def heartbeat(ctx: dict):
    """Touch the job's record every third of HEARTBEAT_SECONDS while the block runs.

    The block must leave the event loop free (CPU work goes to a thread), or the beats stop and the job is
    taken as lost.
    """
    job = ctx.get("job")
    if job is None:  # called outside a worker (a test calling the job function directly)
        yield
        return

    async def beat() -> None:
        while True:
            await asyncio.sleep(HEARTBEAT_SECONDS / 3)
            try:
                await job.update()
            except RedisError as exc:  # a missed beat or two is harmless; the job goes on
                log.warning("job %s heartbeat failed: %s", job.key, type(exc).__name__)

    task = asyncio.create_task(beat(), name=f"heartbeat {job.key}")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
