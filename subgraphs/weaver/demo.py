"""The demo datasource: the `sales` schema of Axiom's own PostgreSQL, registered for the demo tenant."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from axiom.demo import DEMO_SCHEMA, DEMO_TENANT
from axiom.settings import Settings
from subgraphs.weaver.runtime import WeaverRuntime
from subgraphs.weaver.store.datasources import DuplicateDataSourceName

DEMO_NAME = "Demo sales"


def demo_connection(settings: Settings) -> dict:
    """Host, port, database, user and password of DATABASE_URL (a socket directory counts as the host)."""
    url = make_url(settings.database_url)
    host = url.host or url.query.get("host") or "127.0.0.1"
    if isinstance(host, tuple):
        host = host[0]
    return {"host": host, "port": url.port or 5432, "database": url.database or "postgres",
            "username": url.username or "postgres", "password": url.password or None}


async def register_demo_datasource(settings: Settings) -> str:
    """Register (once, by name) the demo datasource and sync it; returns its id.

    Idempotent: a registered one is pointed at DATABASE_URL's current host and port (an embedded PostgreSQL
    may have moved to another port), and synced only when its catalog changed, so each `up` does not add
    another snapshot.
    """
    runtime = WeaverRuntime.open(settings)
    try:
        connection = demo_connection(settings)
        record = await runtime.datasources.find_by_name(DEMO_TENANT, DEMO_NAME)
        if record is None:
            try:
                record = await runtime.datasources.create(
                    DEMO_TENANT, name=DEMO_NAME, engine="postgresql", options={"schemas": [DEMO_SCHEMA]},
                    **connection)
            except DuplicateDataSourceName:  # registered concurrently by another process
                record = await runtime.datasources.find_by_name(DEMO_TENANT, DEMO_NAME)
        moved = {name: connection[name] for name in ("host", "port") if getattr(record, name) != connection[name]}
        if moved:
            record = await runtime.datasources.update(DEMO_TENANT, record.id, moved)
        await runtime.catalog_sync.sync_if_changed(record)
        return record.id
    finally:
        await runtime.close()
