"""Demo data: a sample enterprise schema loaded into PostgreSQL, registered in Weaver, cubed in Vision."""

from __future__ import annotations

from pathlib import Path

import asyncpg

DEMO_TENANT = "demo"
DEMO_SCHEMA = "sales"
_SQL = Path(__file__).with_name("sales.sql")


async def load_demo_data(database_url: str) -> bool:
    """Create the `sales` schema with its rows unless it exists. Returns True when it was created now."""
    conn = await asyncpg.connect(database_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", DEMO_SCHEMA)
        if exists:
            return False
        async with conn.transaction():
            await conn.execute(_SQL.read_text())
        return True
    finally:
        await conn.close()
