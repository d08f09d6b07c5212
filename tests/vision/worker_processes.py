"""Real `axiom worker` processes for tests that kill them."""

from __future__ import annotations

import asyncio
import os
import re
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from axiom.embedded.process import ManagedProcess


@contextmanager
def worker_processes(folder: Path, count: int, **env_overrides: str):
    """`count` worker processes on the session's servers (the env the services fixture exported)."""
    env = {**os.environ, "ETL_SYNC_INTERVAL": "0", "LOG_FORMAT": "console", **env_overrides}
    processes = [ManagedProcess(f"worker-{n}", folder) for n in range(count)]
    try:
        for process in processes:
            process.start([sys.executable, "-m", "axiom.cli", "worker"], env=env)
        yield processes
    finally:
        for process in processes:
            process.stop()


def pid_of(worker_id: str) -> int:
    """The process id inside a worker id (`host-pid-random`, see `subgraphs.vision.jobs.worker.worker_id`)."""
    return int(worker_id.rsplit("-", 2)[1])


async def wait_registered(queue, count: int, timeout: float = 120.0) -> None:
    """Wait until `count` workers have reported to the queue.

    A worker imports scipy and statsmodels before it registers: a second or two when idle, but far longer on a
    loaded CI machine, hence the generous bound.
    """
    deadline = time.monotonic() + timeout
    while len((await queue.info())["workers"]) < count:
        assert time.monotonic() < deadline, f"{count} workers did not register within {timeout}s"
        await asyncio.sleep(0.2)


def own_queue_settings(settings, database: int):
    """The settings with REDIS_URL on another Redis database: a queue no other test's workers take jobs from."""
    base = re.sub(r"/\d+$", "", settings.redis_url.rstrip("/"))
    return settings.replace(redis_url=f"{base}/{database}")
