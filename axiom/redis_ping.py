"""PING over an asyncio Redis client, typed (for readiness probes)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import cast

from redis.asyncio import Redis


async def ping_redis(client: Redis) -> None:
    """Send PING; raises what redis-py raises when Redis is down."""
    # redis-py types each command for its sync and async clients at once (`Awaitable[bool] | bool`); the asyncio
    # client always returns the awaitable.
    await cast("Awaitable[bool]", client.ping())
