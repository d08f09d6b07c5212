"""The Vision job queue on Redis (saq), and how web processes put work on it.

saq notices a dead worker by heartbeat: each running job touches its record every few seconds
(`heartbeat`), and one worker per `SWEEP_SECONDS` (a Redis lock) sweeps the active jobs, retrying those whose
record went quiet for `HEARTBEAT_SECONDS`. A SIGKILLed worker's job therefore runs again elsewhere within
about HEARTBEAT + SWEEP + SWEEP_ABORT_WAIT seconds. Jobs are keyed by what they work on (a run id), so
enqueueing twice is a no-op, and every job function is written to be run again from the start.
"""

from __future__ import annotations

from redis.asyncio import Redis
from saq.job import Status
from saq.queue.redis import RedisQueue

QUEUE_NAME = "vision"
HEARTBEAT_SECONDS = 4
SWEEP_SECONDS = 2
# How long the sweep waits for an aborted job to stop before retrying it; a dead worker never answers.
SWEEP_ABORT_WAIT = 0.5
ATTEMPTS = 3  # a job survives two worker deaths


class VisionQueue(RedisQueue):
    """saq's Redis queue, sweeping lost jobs without waiting long for a dead worker to acknowledge."""

    async def sweep(self, lock: int = 60, abort: float = SWEEP_ABORT_WAIT) -> list[str]:
        return await super().sweep(lock, min(abort, SWEEP_ABORT_WAIT))


def open_queue(redis: Redis) -> VisionQueue:
    return VisionQueue(redis, name=QUEUE_NAME)


class JobQueue:
    """What web processes (and jobs) need: enqueue by key, look a job up, abort it."""

    def __init__(self, redis: Redis):
        self.queue = open_queue(redis)

    async def enqueue(self, function: str, *, key: str, timeout: int, **kwargs) -> None:
        """Queue `function(**kwargs)` once per `key` (a key queued or running already is left alone)."""
        await self.queue.enqueue(function, key=key, timeout=timeout, heartbeat=HEARTBEAT_SECONDS,
                                 retries=ATTEMPTS, ttl=24 * 3600, **kwargs)

    async def status(self, key: str) -> Status | None:
        job = await self.queue.job(key)
        return job.status if job is not None else None

    async def abort(self, key: str, reason: str) -> None:
        """Take a queued job off the queue (a running one is told to stop by its own means)."""
        job = await self.queue.job(key)
        if job is not None and job.status in (Status.NEW, Status.QUEUED):
            await self.queue.abort(job, reason)
