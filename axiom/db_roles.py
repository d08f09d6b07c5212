"""PostgreSQL roles: each subgraph connects as its own role, and cube SQL runs as roles that can read only what
it needs. Defense in depth behind the code's own tenant checks: a cube or query that slips past them still
cannot read the other subgraph's tables (datasource passwords, other tenants' glossaries, …).

| role | login | may |
|---|---|---|
| Weaver's (`WEAVER_DATABASE_URL`, default user `axiom_weaver`) | yes | use schema `weaver` |
| Vision's (`VISION_DATABASE_URL`, default user `axiom_vision`) | yes, NOINHERIT | use schema `vision`; become the two below |
| `axiom_cube_builder` | no | create, own and refresh the cube views in `vision_mv`; read the source schemas granted to it |
| `axiom_pivot` | no | read the cube views, nothing else |

Vision's own role inherits nothing: a pivot runs after `SET LOCAL ROLE axiom_pivot` and a view is built or
refreshed after `SET LOCAL ROLE axiom_cube_builder` (a refresh reads its sources as the view's owner).
Source schemas are granted to the builder explicitly (`grant_source_schema`; the demo's `sales` by `axiom up`).
`provision_roles` runs after every migration (idempotent), as the DATABASE_URL user, so new tables are granted.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy.engine import make_url

CUBE_BUILDER_ROLE = "axiom_cube_builder"
PIVOT_ROLE = "axiom_pivot"
WEAVER_ROLE = "axiom_weaver"
VISION_ROLE = "axiom_vision"


def role_url(database_url: str, user: str) -> str:
    """DATABASE_URL with another user (same password, host and database): a subgraph's default URL."""
    return make_url(database_url).set(username=user).render_as_string(hide_password=False)


def libpq_url(url: str) -> str:
    """A URL asyncpg accepts (`postgresql://…`, whatever driver name the setting carries)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def _ensure_role(
    conn: asyncpg.Connection, name: str, *, login: bool, password: str | None = None, inherit: bool = True
) -> None:
    exists = await conn.fetchval("SELECT 1 FROM pg_roles WHERE rolname = $1", name)
    verb = "ALTER" if exists else "CREATE"
    options = f"{'LOGIN' if login else 'NOLOGIN'} {'INHERIT' if inherit else 'NOINHERIT'}"
    if password:  # quoted by the server: DDL takes no parameters
        statement = await conn.fetchval(
            f"SELECT format('{verb} ROLE %I WITH {options} PASSWORD %L', $1::text, $2::text)", name, password
        )
    else:
        statement = await conn.fetchval(f"SELECT format('{verb} ROLE %I WITH {options}', $1::text)", name)
    await conn.execute(statement)


async def _quoted(conn: asyncpg.Connection, name: str) -> str:
    quoted: str = await conn.fetchval("SELECT quote_ident($1::text)", name)
    return quoted


async def _grant_schema(conn: asyncpg.Connection, schema: str, role: str) -> None:
    """Use of a subgraph's own schema: read and write its tables and sequences, and those made later."""
    s, r = await _quoted(conn, schema), await _quoted(conn, role)
    await conn.execute(f"GRANT USAGE ON SCHEMA {s} TO {r}")
    await conn.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}")
    await conn.execute(f"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA {s} TO {r}")


async def provision_roles(admin_url: str, *, weaver_url: str, vision_url: str) -> None:
    """Create or update the roles and their grants (run as the DATABASE_URL user, after migrations)."""
    weaver, vision = make_url(weaver_url), make_url(vision_url)
    admin = make_url(admin_url).username
    if weaver.username is None or vision.username is None:
        raise ValueError("WEAVER_DATABASE_URL and VISION_DATABASE_URL must name a user")
    if admin in (weaver.username, vision.username):
        raise ValueError("WEAVER_DATABASE_URL and VISION_DATABASE_URL must name their own users, not DATABASE_URL's")
    conn = await asyncpg.connect(libpq_url(admin_url))
    try:
        async with conn.transaction():
            # Serialized: two `up`s or test sessions provisioning at once would race on CREATE ROLE.
            await conn.execute("SELECT pg_advisory_xact_lock(hashtext('axiom-provision-roles'))")
            await _ensure_role(conn, weaver.username, login=True, password=weaver.password)
            await _ensure_role(conn, vision.username, login=True, password=vision.password, inherit=False)
            await _ensure_role(conn, CUBE_BUILDER_ROLE, login=False)
            await _ensure_role(conn, PIVOT_ROLE, login=False)
            await _grant_schema(conn, "weaver", weaver.username)
            await _grant_schema(conn, "vision", vision.username)
            v = await _quoted(conn, vision.username)
            await conn.execute(f"GRANT {CUBE_BUILDER_ROLE}, {PIVOT_ROLE} TO {v}")
            await conn.execute(f"GRANT USAGE, CREATE ON SCHEMA vision_mv TO {CUBE_BUILDER_ROLE}")
            await conn.execute(f"GRANT USAGE ON SCHEMA vision_mv TO {PIVOT_ROLE}")
            # Views built before the roles existed (an older data folder) pass to the builder.
            for view in await conn.fetch(
                "SELECT format('%I.%I', schemaname, matviewname) AS name FROM pg_matviews "
                "WHERE schemaname = 'vision_mv' AND matviewowner <> $1",
                CUBE_BUILDER_ROLE,
            ):
                await conn.execute(f"ALTER MATERIALIZED VIEW {view['name']} OWNER TO {CUBE_BUILDER_ROLE}")
            await conn.execute(
                f"ALTER DEFAULT PRIVILEGES FOR ROLE {CUBE_BUILDER_ROLE} IN SCHEMA vision_mv "
                f"GRANT SELECT ON TABLES TO {PIVOT_ROLE}"
            )
            await conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA vision_mv TO {PIVOT_ROLE}")
    finally:
        await conn.close()


async def grant_source_schema(conn: asyncpg.Connection, schema: str, *, roles: tuple[str, ...] = ()) -> None:
    """Let cube views (and `roles`, e.g. a datasource's reader) read every table of a source schema, now and
    later. Run as the schema's owner or the DATABASE_URL user."""
    s = await _quoted(conn, schema)
    for role in (CUBE_BUILDER_ROLE, *roles):
        r = await _quoted(conn, role)
        await conn.execute(f"GRANT USAGE ON SCHEMA {s} TO {r}")
        await conn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA {s} TO {r}")
        await conn.execute(f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT ON TABLES TO {r}")
