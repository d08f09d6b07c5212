"""`axiom worker`: a process running Vision's jobs (refreshes, the ETL schedule, scenario solves, causal
discovery) from the Redis queue. Run as many as you like; they share the queue."""

from __future__ import annotations

import asyncio
import logging
import os
import socket

from saq import CronJob, Worker

from axiom.logs import LogSettings, configure_logging
from axiom.settings import Settings, warn_about_environment
from subgraphs.vision.jobs.queue import HEARTBEAT_SECONDS, SWEEP_SECONDS, open_queue
from subgraphs.vision.jobs.refresh_jobs import REFRESH_JOB, etl_sync, refresh_cube

log = logging.getLogger(__name__)

CONCURRENCY = 4  # jobs at once per worker; solves run in threads, refreshes wait on PostgreSQL
# On SIGTERM running jobs get this long to finish; then they are cancelled and queued again for another worker.
SHUTDOWN_GRACE_SECONDS = 20


def interval_cron(seconds: int) -> str:
    """A cron expression firing every `seconds` (rounded to a step cron can express: s, min or h)."""
    if seconds < 60:
        return f"* * * * * */{max(1, seconds)}"  # croniter's sixth field: seconds
    if seconds < 3600:
        return f"*/{seconds // 60} * * * *"
    if seconds < 86400:
        return f"0 */{seconds // 3600} * * *"
    return "0 0 * * *"


def job_functions() -> list[tuple[str, object]]:
    """Every job a worker runs, by the name web processes enqueue it under."""
    from subgraphs.vision.causal.job import DISCOVERY_JOB, discover_causal_links
    from subgraphs.vision.scenarios.solve_job import SOLVE_JOB, solve_scenario

    # etl_sync too: a worker that does not schedule it (ETL_SYNC_INTERVAL=0) may still take it from the queue.
    return [
        (REFRESH_JOB, refresh_cube),
        (SOLVE_JOB, solve_scenario),
        (DISCOVERY_JOB, discover_causal_links),
        ("etl_sync", etl_sync),
    ]


class VisionWorker(Worker):
    """saq's worker, stopping without waiting on its idle loops; in a test's own event loop it leaves the
    process's signal handlers alone."""

    def __init__(self, *args, handle_signals: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not handle_signals:
            self.SIGNALS = []

    async def stop(self) -> None:
        # The upkeep loops (sweep, schedule, worker info) sleep up to 10 s between rounds; only jobs ("process"
        # tasks) deserve the shutdown grace period.
        self.event.set()
        for task in self.tasks:
            if task.get_name() != "process":
                task.cancel()
        await super().stop()


def build_worker(settings: Settings, runtime=None, *, handle_signals: bool = True) -> VisionWorker:
    """A worker on REDIS_URL; a `runtime` (opened by the caller) is shared instead of the worker opening its own."""
    from redis.asyncio import Redis

    from subgraphs.vision.runtime import VisionRuntime

    if not settings.redis_url:
        raise RuntimeError("REDIS_URL is not set: the job queue lives in Redis")
    own = runtime is None

    async def startup(ctx: dict) -> None:
        ctx["runtime"] = VisionRuntime.open(settings) if own else runtime

    async def shutdown(ctx: dict) -> None:
        if own and "runtime" in ctx:
            await ctx["runtime"].close()

    cron = []
    if settings.etl_sync_interval > 0:
        # unique (saq's default): every worker offers it, the queue keeps one per interval. Not retried: a
        # sync lost with its worker is done by the next interval's.
        cron.append(
            CronJob(
                etl_sync,
                cron=interval_cron(settings.etl_sync_interval),
                timeout=3600,
                heartbeat=HEARTBEAT_SECONDS,
                retries=1,
            )
        )
    return VisionWorker(
        open_queue(Redis.from_url(settings.redis_url)),
        job_functions(),
        id=worker_id(),
        concurrency=CONCURRENCY,
        cron_jobs=cron,
        startup=startup,
        shutdown=shutdown,
        timers={"sweep": SWEEP_SECONDS},
        handle_signals=handle_signals,
        shutdown_grace_period_s=SHUTDOWN_GRACE_SECONDS,
        dequeue_timeout=1,  # idle waits end, so stops are quick
    )


def worker_id() -> str:
    """Host and process: what a health check on this host can look for among the queue's live workers."""
    return f"{socket.gethostname()}-{os.getpid()}-{os.urandom(3).hex()}"


async def worker_is_live(settings: Settings) -> bool:
    """Whether a worker of this host has reported to the queue lately (saq's worker info, every 10 s)."""
    from redis.asyncio import Redis

    redis = Redis.from_url(settings.redis_url)
    try:
        workers = (await open_queue(redis).info())["workers"]
    finally:
        await redis.aclose()
    return any(name.startswith(f"{socket.gethostname()}-") for name in workers)


def run_worker(settings: Settings) -> None:
    """Run a worker until SIGINT/SIGTERM."""
    configure_logging(LogSettings.of(settings), "vision-worker")
    warn_about_environment()
    if settings.vision_worker_metrics_port:  # the solve metrics live in this process: let Prometheus scrape it
        from prometheus_client import start_http_server

        from axiom.metrics import REGISTRY

        start_http_server(settings.vision_worker_metrics_port, registry=REGISTRY)

    async def main() -> None:
        worker = build_worker(settings)
        log.info("vision worker %s started", worker.id)
        await worker.queue.connect()
        try:
            await worker.start()
        finally:
            await worker.queue.disconnect()

    asyncio.run(main())
