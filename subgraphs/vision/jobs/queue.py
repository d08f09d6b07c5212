"""The Vision job queue on Redis (saq), and how web processes put work on it.

saq notices a dead worker by heartbeat: each running job touches its record every few seconds
(`heartbeat`), and one worker per `SWEEP_SECONDS` (a Redis lock) sweeps the active jobs, retrying those whose
record went quiet for `HEARTBEAT_SECONDS`. A SIGKILLed worker's job therefore runs again elsewhere within
about HEARTBEAT + SWEEP + SWEEP_ABORT_WAIT seconds. Jobs are keyed by what they work on (a run id), so
enqueueing twice is a no-op, and every job function is written to be run again from the start.
"""

from __future__ import annotations

import contextlib

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
    """saq's Redis queue with a sweep that neither waits long for a dead worker nor takes a live one's job.

    saq 0.26's sweep retries any job on the active list whose record is not ACTIVE. But a worker moves a job
    onto that list (BLMOVE) a moment before it marks the record ACTIVE; a sweep in between retries a job that
    is starting, and it then runs twice at once (seen here with a worker starting while a job was queued). This
    sweep retries a not-yet-active job only when the previous sweep of this process saw it unchanged; jobs
    whose heartbeat stopped are retried at once.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._suspects: dict[bytes, tuple] = {}

    async def sweep(self, lock: int = 60, abort: float = SWEEP_ABORT_WAIT) -> list[str]:
        if not await self.redis.set(self.namespace("sweep"), 1, ex=lock, nx=True):
            return []  # another worker swept within the interval
        ids = await self.redis.lrange(self.namespace("active"), 0, -1)
        records = await self.redis.mget(ids) if ids else []
        suspects, swept = {}, []
        for job_id, record in zip(ids, records, strict=True):
            job = self.deserialize(record)
            if job is None:  # the record expired: only the list entry is left
                await self.redis.lrem(self.namespace("active"), 0, job_id)
                await self.redis.zrem(self.namespace("incomplete"), job_id)
                continue
            if job.status == Status.ACTIVE and not job.stuck:
                continue
            if not job.stuck:
                suspects[job_id] = mark = (job.status, job.touched, job.attempts)
                if self._suspects.get(job_id) != mark:
                    continue
            swept.append(job_id.decode())
            await self._retry_lost(job, abort)
        self._suspects = suspects
        return swept

    async def _retry_lost(self, job, abort_wait: float) -> None:
        await self.abort(job, error=self.swept_error_message)
        with contextlib.suppress(TimeoutError):  # its worker is gone and cannot acknowledge; retry regardless
            await job.refresh(min(abort_wait, SWEEP_ABORT_WAIT))
        if job.retryable:
            await self.retry(job, error=self.swept_error_message)
        else:
            await self.finish(job, Status.ABORTED, error=self.swept_error_message)


def open_queue(redis: Redis) -> VisionQueue:
    return VisionQueue(redis, name=QUEUE_NAME)


class JobQueue:
    """What web processes (and jobs) need: enqueue by key, look a job up, abort it."""

    def __init__(self, redis: Redis):
        self.redis = redis  # jobs' side channels (a scenario run's cancel flag) live next to the queue
        self.queue = open_queue(redis)

    async def enqueue(self, function: str, *, key: str, timeout: int, **kwargs) -> None:
        """Queue `function(**kwargs)` once per `key` (a key queued or running already is left alone)."""
        await self.queue.enqueue(
            function, key=key, timeout=timeout, heartbeat=HEARTBEAT_SECONDS, retries=ATTEMPTS, ttl=24 * 3600, **kwargs
        )

    async def status(self, key: str) -> Status | None:
        job = await self.queue.job(key)
        return job.status if job is not None else None

    async def abort(self, key: str, reason: str) -> None:
        """Take a queued job off the queue (a running one is told to stop by its own means)."""
        job = await self.queue.job(key)
        if job is not None and job.status in (Status.NEW, Status.QUEUED):
            await self.queue.abort(job, reason)
