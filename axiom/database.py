"""SQLAlchemy async engines on asyncpg from DATABASE_URL."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from axiom.settings import Settings


def async_url(database_url: str) -> str:
    """`postgresql://…` (as libpq and the seeds write it) → the asyncpg dialect SQLAlchemy needs."""
    url = make_url(database_url)
    return url.set(drivername="postgresql+asyncpg").render_as_string(hide_password=False)


@dataclass(frozen=True)
class DatabaseSettings:
    """Where and how wide an engine connects: the part of `axiom.settings.Settings` `create_engine` reads."""

    url: str | None  # DATABASE_URL, or a subgraph's own URL (`Settings.database_url_for`)
    pool_size: int  # DB_POOL_SIZE
    max_overflow: int  # DB_MAX_OVERFLOW

    @classmethod
    def of(cls, settings: Settings, *, subgraph: str | None = None) -> DatabaseSettings:
        """DATABASE_URL's, or with `subgraph` the URL that subgraph connects with."""
        return cls(
            url=settings.database_url_for(subgraph) if subgraph else settings.database_url,
            pool_size=settings.db_pool_size,
            max_overflow=settings.db_max_overflow,
        )


def create_engine(database: DatabaseSettings, **overrides: Any) -> AsyncEngine:
    """An engine on `database.url` with its pool size; `overrides` are further engine options."""
    url = database.url
    if not url:
        raise RuntimeError("DATABASE_URL is not set")
    # hide_parameters: error texts would otherwise carry the bound values (sealed passwords among them).
    options = {
        "pool_size": database.pool_size,
        "max_overflow": database.max_overflow,
        "pool_pre_ping": True,
        "hide_parameters": True,
    }
    options.update(overrides)
    return create_async_engine(async_url(url), **options)


async def ping(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))
