"""Each subgraph's PostgreSQL role reaches only its own schema; cube views are built and read by roles that can read
nothing else (axiom/db_roles.py). Connections are real logins as those roles."""

from __future__ import annotations

import asyncpg
import pytest

from axiom.db_roles import CUBE_BUILDER_ROLE, PIVOT_ROLE, libpq_url
from axiom.demo import load_demo_data


async def refused(url: str, sql: str, *, role: str | None = None) -> bool:
    """Whether PostgreSQL refuses `sql` for the URL's user (after SET ROLE `role`) with a privilege error."""
    conn = await asyncpg.connect(libpq_url(url))
    try:
        async with conn.transaction():
            if role:
                await conn.execute(f"SET LOCAL ROLE {role}")
            await conn.fetch(sql)
        return False
    except asyncpg.InsufficientPrivilegeError:
        return True
    finally:
        await conn.close()


async def test_vision_cannot_read_weavers_tables_and_weaver_cannot_read_visions(services_settings):
    vision, weaver = services_settings.database_url_for("vision"), services_settings.database_url_for("weaver")
    assert await refused(vision, "SELECT password_encrypted FROM weaver.datasources")
    assert await refused(vision, "SELECT * FROM weaver.glossary_terms")
    assert await refused(weaver, "SELECT * FROM vision.cubes")
    assert await refused(weaver, "SELECT * FROM vision.member_terms")
    assert not await refused(vision, "SELECT count(*) FROM vision.cubes")
    assert not await refused(weaver, "SELECT count(*) FROM weaver.datasources")


@pytest.mark.parametrize("role", [CUBE_BUILDER_ROLE, PIVOT_ROLE])
async def test_the_roles_cube_sql_runs_as_cannot_read_platform_tables(services_settings, role):
    vision = services_settings.database_url_for("vision")
    for table in ("weaver.datasources", "weaver.glossary_terms", "vision.cubes", "public.alembic_version"):
        assert await refused(vision, f"SELECT * FROM {table}", role=role), (role, table)


async def test_pivots_read_cube_views_but_not_their_sources(services_settings):
    await load_demo_data(services_settings.database_url)
    vision = services_settings.database_url_for("vision")
    assert await refused(vision, "SELECT * FROM sales.orders", role=PIVOT_ROLE)
    assert not await refused(vision, "SELECT count(*) FROM sales.orders", role=CUBE_BUILDER_ROLE)
    # Vision's own login inherits neither: it must switch role for each.
    assert await refused(vision, "SELECT * FROM sales.orders")
