"""Demo data: a sample enterprise schema loaded into PostgreSQL, registered in Weaver, cubed in Vision."""

from __future__ import annotations

from pathlib import Path

import asyncpg

from axiom.auth import issue_token
from axiom.settings import Settings

DEMO_TENANT = "demo"
DEMO_SCHEMA = "sales"
_SQL = Path(__file__).with_name("sales.sql")
DEMO_TOKEN_TTL_SECONDS = 8 * 3600


def issue_demo_token(settings: Settings) -> str:
    """The development token `axiom up` prints and GraphiQL prefills: tenant demo, analyst and admin, 8 h."""
    return issue_token(settings, tenant_id=DEMO_TENANT, subject="demo-user", roles=["analyst", "admin"],
                       ttl_seconds=DEMO_TOKEN_TTL_SECONDS)


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
