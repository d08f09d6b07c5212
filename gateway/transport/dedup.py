"""In-flight deduplication: identical concurrent requests share one upstream call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class InflightDeduplicator:
    """Callers with the same key while a call is pending await that same call.

    The shared call outlives any one caller that is cancelled, and is cancelled with the last one: once
    nobody waits for its answer, the subgraph should stop working on it."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}
        self._waiters: dict[Hashable, int] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[Any]]) -> Any:
        task = self._pending.get(key)
        if task is None:
            task = asyncio.ensure_future(call())
            self._pending[key] = task
            self._waiters[key] = 0
        self._waiters[key] += 1
        try:
            return await asyncio.shield(task)
        finally:
            self._waiters[key] -= 1
            if self._waiters[key] == 0:
                del self._waiters[key]
                if self._pending.get(key) is task:
                    del self._pending[key]
                if not task.done():
                    task.cancel()
