"""Weaver's `Idempotency-Key` records in PostgreSQL (see `PostgresGuardState`)."""

from __future__ import annotations

import time

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class PostgresGuardState:
    """Keys with expiry in `weaver.idempotency_keys`, for records that must survive what Redis may lose.

    An idempotent create's record (its input's fingerprint, then the id it made) must be found by a replay
    even while Redis is down or after it restarted empty; otherwise the replay runs the create again. These
    records are written once or twice per create, so PostgreSQL's cost does not matter. Counters are not
    kept here (rate limits stay in Redis).
    """

    name = "postgres"
    _PURGE_EVERY_SECONDS = 60.0

    def __init__(self, engine: AsyncEngine):
        self._engine = engine
        self._next_purge = 0.0

    async def set_nx(self, key: str, value: str, ttl: int) -> bool:
        # An expired row counts as absent: the claim takes it over.
        async with self._engine.begin() as conn:
            await self._purge_expired(conn)
            claimed = (
                await conn.execute(
                    text(
                        """INSERT INTO weaver.idempotency_keys (key, value, expires_at)
                   VALUES (:key, :value, now() + make_interval(secs => :ttl))
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
                   WHERE weaver.idempotency_keys.expires_at <= now()
                   RETURNING key"""
                    ),
                    {"key": key, "value": value, "ttl": ttl},
                )
            ).first()
        return claimed is not None

    async def get(self, key: str) -> str | None:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    text("SELECT value FROM weaver.idempotency_keys WHERE key = :key AND expires_at > now()"),
                    {"key": key},
                )
            ).scalar_one_or_none()

    async def set(self, key: str, value: str, ttl: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text(
                    """INSERT INTO weaver.idempotency_keys (key, value, expires_at)
                   VALUES (:key, :value, now() + make_interval(secs => :ttl))
                   ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at"""
                ),
                {"key": key, "value": value, "ttl": ttl},
            )

    async def delete(self, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(text("DELETE FROM weaver.idempotency_keys WHERE key = :key"), {"key": key})

    async def _purge_expired(self, conn) -> None:
        """Expired records of keys never used again would stay forever; drop them now and then."""
        now = time.monotonic()
        if now < self._next_purge:
            return
        self._next_purge = now + self._PURGE_EVERY_SECONDS
        await conn.execute(text("DELETE FROM weaver.idempotency_keys WHERE expires_at <= now()"))
