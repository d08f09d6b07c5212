"""Alembic environment: runs migrations on DATABASE_URL with the asyncpg driver."""

import asyncio
import os

from alembic import context
from sqlalchemy.ext.asyncio import create_async_engine

from axiom.database import async_url

config = context.config


def _url() -> str:
    url = config.attributes.get("database_url") or os.environ.get("DATABASE_URL") or os.environ.get("POSTGRES_DSN")
    if not url:
        raise RuntimeError("DATABASE_URL is not set")
    return async_url(url)


def _run(connection) -> None:
    # The version table sits in public so that both subgraph branches share one history.
    context.configure(connection=connection, target_metadata=None, transaction_per_migration=True)
    with context.begin_transaction():
        context.run_migrations()


async def _run_online() -> None:
    engine = create_async_engine(_url(), hide_parameters=True)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    context.configure(url=_url(), literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
