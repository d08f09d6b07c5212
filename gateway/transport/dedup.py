"""In-flight deduplication: identical concurrent requests share one upstream call."""

from __future__ import annotations

import asyncio
from typing import Awaitable, Callable, Hashable


class InflightDeduplicator:
    """Callers with the same key while a call is pending await that same call."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable]):
        pending = self._pending.get(key)
        if pending is not None:
            # Shielded so that one cancelled caller does not cancel the shared call.
            return await asyncio.shield(pending)
        task = asyncio.ensure_future(call())
        self._pending[key] = task
        try:
            return await asyncio.shield(task)
        finally:
            if self._pending.get(key) is task:
                del self._pending[key]
