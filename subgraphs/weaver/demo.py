"""The demo datasource: the `sales` schema of Axiom's own PostgreSQL, registered for the demo tenant."""

from __future__ import annotations

from sqlalchemy.engine import make_url

from axiom.demo import DEMO_READER, DEMO_SCHEMA, DEMO_TENANT, demo_reader_password
from axiom.settings import Settings
from subgraphs.weaver.runtime import WeaverRuntime
from subgraphs.weaver.store.datasources import DuplicateDataSourceName

DEMO_NAME = "Demo sales"


def demo_connection(settings: Settings) -> dict:
    """Host, port, database, user and password of DATABASE_URL (a socket directory counts as the host)."""
    if not settings.database_url:
        raise RuntimeError("the demo data lives in DATABASE_URL, which is not set")
    url = make_url(settings.database_url)
    host = url.host or url.query.get("host") or "127.0.0.1"
    if isinstance(host, tuple):
        host = host[0]
    return {
        "host": host,
        "port": url.port or 5432,
        "database": url.database or "postgres",
        "username": url.username or "postgres",
        "password": url.password or None,
    }


def demo_reader_connection(settings: Settings) -> dict:
    """Like `demo_connection`, as the demo reader role (`axiom.demo.DEMO_READER`), which reads `sales` only."""
    return {
        **demo_connection(settings),
        "username": DEMO_READER,
        "password": demo_reader_password(settings.encryption_key),
    }


async def register_demo_datasource(settings: Settings) -> str:
    """Register (once, by name) the demo datasource and sync it; returns its id.

    It connects as the demo reader role (one registered by an older version as DATABASE_URL's user is moved to
    it). Idempotent: a registered one is pointed at DATABASE_URL's current host and port (an embedded PostgreSQL
    may have moved to another port), and synced only when its catalog changed, so each `up` does not add
    another snapshot.
    """
    runtime = WeaverRuntime.open(settings)
    connection = demo_reader_connection(settings)
    try:
        record = await runtime.datasources.find_by_name(DEMO_TENANT, DEMO_NAME)
        if record is None:
            try:
                record = await runtime.datasources.create(
                    DEMO_TENANT, name=DEMO_NAME, engine="postgresql", options={"schemas": [DEMO_SCHEMA]}, **connection
                )
            except DuplicateDataSourceName:  # registered concurrently by another process
                record = await runtime.datasources.find_by_name(DEMO_TENANT, DEMO_NAME)
        if record is None:  # deleted again between the two calls
            raise RuntimeError(f"{DEMO_NAME!r} could not be registered; run again")
        changes = {name: connection[name] for name in ("host", "port") if getattr(record, name) != connection[name]}
        if record.username != DEMO_READER:
            changes.update(username=DEMO_READER, password=connection["password"], options={"schemas": [DEMO_SCHEMA]})
        if changes:
            updated = await runtime.datasources.update(DEMO_TENANT, record.id, changes)
            if updated is None:
                raise RuntimeError(f"{DEMO_NAME!r} was deleted while being updated; run again")
            record = updated
        await runtime.catalog_sync.sync_if_changed(record)
        return record.id
    finally:
        await runtime.close()
