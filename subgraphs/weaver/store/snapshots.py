"""`weaver.snapshots`: a versioned copy of a datasource's catalog per successful sync."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from subgraphs.weaver.catalog.model import DatabaseCatalog
from subgraphs.weaver.store.tenant_rows import parse_id, rows_by_id


@dataclass(frozen=True)
class SnapshotRecord:
    id: str
    tenant_id: str
    datasource_id: str
    version: int
    created_at: dt.datetime
    schema_count: int
    table_count: int
    column_count: int
    foreign_key_count: int


_COLUMNS = (
    "id, tenant_id, datasource_id, version, created_at, schema_count, table_count, column_count, foreign_key_count"
)


def _record(row) -> SnapshotRecord:
    m = dict(row._mapping)
    return SnapshotRecord(**{**m, "id": str(m["id"]), "datasource_id": str(m["datasource_id"])})


class SnapshotStore:
    def __init__(self, engine: AsyncEngine):
        self._engine = engine

    async def add(
        self, conn: AsyncConnection, tenant_id: str, datasource_id: str, catalog: DatabaseCatalog, at: dt.datetime
    ) -> SnapshotRecord:
        """Insert the next version inside the caller's transaction (the datasource row is locked first)."""
        await conn.execute(text("SELECT 1 FROM weaver.datasources WHERE id = :ds FOR UPDATE"), {"ds": datasource_id})
        row = (
            await conn.execute(
                text(
                    f"""INSERT INTO weaver.snapshots (id, tenant_id, datasource_id, version, created_at, schema_count,
                                             table_count, column_count, foreign_key_count, catalog)
                SELECT :id, :tenant, :ds, COALESCE(MAX(version), 0) + 1, :at, :schemas, :tables, :columns, :fks,
                       CAST(:catalog AS jsonb)
                FROM weaver.snapshots WHERE datasource_id = :ds
                RETURNING {_COLUMNS}"""
                ),
                {
                    "id": str(uuid.uuid4()),
                    "tenant": tenant_id,
                    "ds": datasource_id,
                    "at": at,
                    "schemas": len(catalog.schemas),
                    "tables": catalog.table_count,
                    "columns": catalog.column_count,
                    "fks": catalog.foreign_key_count,
                    "catalog": json.dumps(catalog.to_dict()),
                },
            )
        ).one()
        return _record(row)

    async def get_many(self, tenant_id: str, ids: Iterable[str]) -> dict[str, SnapshotRecord]:
        return await rows_by_id(self._engine, "weaver.snapshots", _COLUMNS, tenant_id, ids, _record)

    async def catalog(self, tenant_id: str, snapshot_id: str) -> DatabaseCatalog | None:
        canon = parse_id(snapshot_id)
        if canon is None:
            return None
        async with self._engine.connect() as conn:
            data = (
                await conn.execute(
                    text("SELECT catalog FROM weaver.snapshots WHERE tenant_id = :t AND id = :id"),
                    {"t": tenant_id, "id": canon},
                )
            ).scalar_one_or_none()
        if data is None:
            return None
        return DatabaseCatalog.from_dict(json.loads(data) if isinstance(data, str) else data)

    async def latest_catalog(self, tenant_id: str, datasource_id: str) -> DatabaseCatalog | None:
        async with self._engine.connect() as conn:
            data = (
                await conn.execute(
                    text(
                        """SELECT catalog FROM weaver.snapshots WHERE tenant_id = :t AND datasource_id = :ds
                   ORDER BY version DESC LIMIT 1"""
                    ),
                    {"t": tenant_id, "ds": datasource_id},
                )
            ).scalar_one_or_none()
        if data is None:
            return None
        return DatabaseCatalog.from_dict(json.loads(data) if isinstance(data, str) else data)

    async def list_for(self, tenant_id: str, datasource_ids: Iterable[str]) -> dict[str, list[SnapshotRecord]]:
        """Snapshots of several datasources, newest first (one query for a loader batch)."""
        ids = [i for i in map(parse_id, datasource_ids) if i]
        if not ids:
            return {}
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        f"""SELECT {_COLUMNS} FROM weaver.snapshots
                    WHERE tenant_id = :t AND datasource_id = ANY(CAST(:ids AS uuid[])) ORDER BY version DESC"""
                    ),
                    {"t": tenant_id, "ids": ids},
                )
            ).all()
        grouped: dict[str, list[SnapshotRecord]] = {}
        for record in map(_record, rows):
            grouped.setdefault(record.datasource_id, []).append(record)
        return grouped
