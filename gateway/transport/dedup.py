"""In-flight deduplication: identical concurrent requests share one upstream call."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Any


class _LeaderLeft(Exception):
    """The caller running a shared call was cancelled, and the call with it."""


class InflightDeduplicator:
    """Callers with the same key while a call is pending await that same call.

    The first caller runs the call in its own task (no task per call: this is every query's path); later ones
    wait for its result. When that first caller is cancelled (its client left), the call stops with it and a
    waiting caller runs it again; so a call runs as long as one of its callers waits, and never for nobody."""

    def __init__(self) -> None:
        self._pending: dict[Hashable, asyncio.Future[Any]] = {}

    async def run(self, key: Hashable, call: Callable[[], Awaitable[Any]]) -> Any:
        while True:
            shared = self._pending.get(key)
            if shared is None:
                return await self._lead(key, call)
            try:
                # Shielded: a waiting caller that is cancelled must not cancel the others' result.
                return await asyncio.shield(shared)
            except _LeaderLeft:
                continue

    async def _lead(self, key: Hashable, call: Callable[[], Awaitable[Any]]) -> Any:
        shared: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self._pending[key] = shared
        try:
            result = await call()
        except asyncio.CancelledError:
            shared.set_exception(_LeaderLeft())
            raise
        except BaseException as error:
            shared.set_exception(error)
            raise
        else:
            shared.set_result(result)
            return result
        finally:
            del self._pending[key]
            if shared.done() and not shared.cancelled():
                shared.exception()  # retrieved: no "never retrieved" warning when nobody waited
