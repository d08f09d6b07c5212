"""Demo data: a sample enterprise schema loaded into PostgreSQL, registered in Weaver, cubed in Vision."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import asyncpg

from axiom.auth import JwtSettings, issue_token
from axiom.db_roles import grant_source_schema, libpq_url

DEMO_TENANT = "demo"
DEMO_SCHEMA = "sales"
# The login the demo datasource connects with: it reads the `sales` schema and nothing else of the database
# (not Weaver's or Vision's tables, not other schemas, not server files), so `runQuery` on it cannot either.
DEMO_READER = "axiom_demo_reader"
_SQL = Path(__file__).with_name("sales.sql")
DEMO_TOKEN_TTL_SECONDS = 8 * 3600


def issue_demo_token(jwt_settings: JwtSettings) -> str:
    """The development token `axiom up` prints and GraphiQL prefills: tenant demo, analyst and admin, 8 h."""
    return issue_token(
        jwt_settings,
        tenant_id=DEMO_TENANT,
        subject="demo-user",
        roles=["analyst", "admin"],
        ttl_seconds=DEMO_TOKEN_TTL_SECONDS,
    )


def demo_reader_password(secret: str) -> str:
    """The demo reader's password, derived from a deployment secret (stable across `up`s, never a default)."""
    return hmac.new(secret.encode(), DEMO_READER.encode(), hashlib.sha256).hexdigest()


async def load_demo_data(database_url: str, *, reader_password: str | None = None) -> bool:
    """Create the `sales` schema with its rows unless it exists, and (always) its reader role.

    Returns True when the schema was created now.
    """
    conn = await asyncpg.connect(libpq_url(database_url))
    try:
        async with conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('axiom-demo-data'))")
            exists = await conn.fetchval("SELECT 1 FROM pg_namespace WHERE nspname = $1", DEMO_SCHEMA)
            if not exists:
                await conn.execute(_SQL.read_text())
            await _ensure_reader(conn, reader_password)
        return not exists
    finally:
        await conn.close()


async def _ensure_reader(conn: asyncpg.Connection, password: str | None) -> None:
    verb = "ALTER" if await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", DEMO_READER) else "CREATE"
    # DDL takes no parameters: the server quotes the password.
    statement = await conn.fetchval(
        f"SELECT format('{verb} ROLE %I WITH LOGIN NOINHERIT PASSWORD %L', $1::text, $2::text)", DEMO_READER, password
    )
    await conn.execute(statement)
    await grant_source_schema(conn, DEMO_SCHEMA, roles=(DEMO_READER,))
