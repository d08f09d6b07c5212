"""Loader values for resolvers without an async hop when they are already there.

A resolver that awaits makes graphql-core schedule a coroutine (and gather its siblings) even when the value is
in the loader's cache; returning the value itself lets the field complete synchronously. Resolvers using these
are plain `def`s: graphql-core awaits what they return only when it is still pending.

So each helper is typed as the value it stands for (what the resolver declares to the schema), pending or not.
"""

from __future__ import annotations

from asyncio import Future
from collections.abc import Callable, Hashable, Sequence
from typing import Any, TypeVar, cast

from aiodataloader import DataLoader

R = TypeVar("R")


def ready(future: Future) -> Any:
    """The loaded value when the future is done (no async hop for graphql-core), else the future itself."""
    return future.result() if future.done() else future


def then(future: Future, pick: Callable[[Any], R]) -> R:
    """`pick` applied to the loaded value: synchronously when it is there, else once it arrives."""
    if future.done():
        return pick(future.result())

    async def later() -> R:
        return pick(await future)

    return cast(R, later())


def ready_all(loader: DataLoader, keys: Sequence[Hashable]) -> list[Any]:
    """The values of `keys` without the missing ones; synchronous when every key is already loaded."""
    futures = [loader.load(k) for k in keys]
    if all(f.done() for f in futures):
        return [v for v in (f.result() for f in futures) if v is not None]

    async def later() -> list[Any]:
        return [v for v in [await f for f in futures] if v is not None]

    return cast(list[Any], later())
