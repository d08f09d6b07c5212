"""`weaver.datasources`: registered datasources, passwords sealed with ENCRYPTION_KEY (row id bound)."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from axiom.secrets import SecretBox
from subgraphs.weaver.adapters.base import ConnectionParams
from subgraphs.weaver.store.tenant_rows import delete_by_id, parse_id, rows_by_id


class DuplicateDataSourceName(Exception):
    """The tenant already has a datasource with this name."""


@dataclass(frozen=True)
class DataSourceRecord:
    id: str
    tenant_id: str
    name: str
    engine: str
    host: str
    port: int
    database: str
    username: str
    has_password: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    options: dict[str, Any] = field(default_factory=dict)
    last_synced_at: dt.datetime | None = None

    @property
    def schema_filter(self) -> list[str] | None:
        """Schemas to introspect (None: all the user can see)."""
        return self.options.get("schemas") or None


_COLUMNS = (
    "id, tenant_id, name, engine, host, port, database, username, password_encrypted IS NOT NULL "
    "AS has_password, options, last_synced_at, created_at, updated_at"
)


_UPDATABLE = frozenset({"name", "host", "port", "database", "username", "password", "options"})


def _record(row) -> DataSourceRecord:
    m = dict(row._mapping)
    options = m["options"]
    if isinstance(options, str):
        options = json.loads(options)
    return DataSourceRecord(**{**m, "id": str(m["id"]), "options": options or {}})


class DataSourceStore:
    def __init__(self, engine: AsyncEngine, box: SecretBox):
        self._engine = engine
        self._box = box

    async def create(
        self,
        tenant_id: str,
        *,
        name: str,
        engine: str,
        host: str,
        port: int,
        database: str,
        username: str,
        password: str | None = None,
        options: dict | None = None,
        datasource_id: str | None = None,
    ) -> DataSourceRecord:
        new_id = datasource_id or str(uuid.uuid4())
        sealed = self._box.encrypt(password, context=new_id) if password else None
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        text(
                            f"""INSERT INTO weaver.datasources (id, tenant_id, name, engine, host, port, database, username,
                                                       password_encrypted, options)
                        VALUES (:id, :tenant, :name, :engine, :host, :port, :database, :username, :password,
                                CAST(:options AS jsonb))
                        RETURNING {_COLUMNS}"""
                        ),
                        {
                            "id": new_id,
                            "tenant": tenant_id,
                            "name": name,
                            "engine": engine,
                            "host": host,
                            "port": port,
                            "database": database,
                            "username": username,
                            "password": sealed,
                            "options": json.dumps(options or {}),
                        },
                    )
                ).one()
        except IntegrityError as exc:
            raise DuplicateDataSourceName(name) from exc
        return _record(row)

    async def get(self, tenant_id: str, datasource_id: str) -> DataSourceRecord | None:
        found = await self.get_many(tenant_id, [datasource_id])
        return found.get(datasource_id)

    async def get_many(self, tenant_id: str, ids: Iterable[str]) -> dict[str, DataSourceRecord]:
        """Records by id for one tenant; ids of other tenants or malformed ids are simply absent."""
        return await rows_by_id(self._engine, "weaver.datasources", _COLUMNS, tenant_id, ids, _record)

    async def find_by_name(self, tenant_id: str, name: str) -> DataSourceRecord | None:
        async with self._engine.connect() as conn:
            row = (
                await conn.execute(
                    text(f"SELECT {_COLUMNS} FROM weaver.datasources WHERE tenant_id = :tenant AND name = :name"),
                    {"tenant": tenant_id, "name": name},
                )
            ).first()
        return _record(row) if row else None

    async def list_page(
        self, tenant_id: str, first: int, after: tuple[dt.datetime, str] | None
    ) -> tuple[list[DataSourceRecord], bool]:
        """Keyset page ordered by (created_at, id); returns the records and whether more follow."""
        params: dict[str, Any] = {"tenant": tenant_id, "limit": first + 1}
        condition = ""
        if after is not None:
            condition = "AND (created_at, id) > (:after_ts, CAST(:after_id AS uuid))"
            params.update(after_ts=after[0], after_id=after[1])
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        f"""SELECT {_COLUMNS} FROM weaver.datasources WHERE tenant_id = :tenant {condition}
                    ORDER BY created_at, id LIMIT :limit"""
                    ),
                    params,
                )
            ).all()
        records = [_record(r) for r in rows]
        return records[:first], len(records) > first

    async def count(self, tenant_id: str) -> int:
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    text("SELECT count(*) FROM weaver.datasources WHERE tenant_id = :tenant"), {"tenant": tenant_id}
                )
            ).scalar_one()

    async def update(self, tenant_id: str, datasource_id: str, changes: dict[str, Any]) -> DataSourceRecord | None:
        """Apply the given column changes; `password` is re-sealed (None or "" clears it)."""
        canon = parse_id(datasource_id)
        if canon is None:
            return None
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        values = dict(changes)
        assignments = []
        if "password" in values:
            password = values.pop("password")
            values["password_encrypted"] = self._box.encrypt(password, context=canon) if password else None
        if "options" in values:
            values["options"] = json.dumps(values["options"] or {})
            assignments.append("options = CAST(:options AS jsonb)")
        assignments += [f"{name} = :{name}" for name in values if name != "options"]
        assignments.append("updated_at = now()")
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        text(
                            f"""UPDATE weaver.datasources SET {", ".join(assignments)}
                        WHERE tenant_id = :tenant AND id = :id RETURNING {_COLUMNS}"""
                        ),
                        {**values, "tenant": tenant_id, "id": canon},
                    )
                ).first()
        except IntegrityError as exc:
            raise DuplicateDataSourceName(changes.get("name", "")) from exc
        return _record(row) if row else None

    async def delete(self, tenant_id: str, datasource_id: str) -> bool:
        return await delete_by_id(self._engine, "weaver.datasources", tenant_id, datasource_id)

    async def mark_synced(self, tenant_id: str, datasource_id: str, at: dt.datetime, *, conn: AsyncConnection) -> None:
        await conn.execute(
            text("UPDATE weaver.datasources SET last_synced_at = :at WHERE tenant_id = :tenant AND id = :id"),
            {"at": at, "tenant": tenant_id, "id": datasource_id},
        )

    async def connection_params(self, record: DataSourceRecord) -> ConnectionParams:
        """Connection parameters with the decrypted password (kept in memory only for the call)."""
        async with self._engine.connect() as conn:
            sealed = (
                await conn.execute(
                    text("SELECT password_encrypted FROM weaver.datasources WHERE tenant_id = :tenant AND id = :id"),
                    {"tenant": record.tenant_id, "id": record.id},
                )
            ).scalar_one_or_none()
        password = self._box.decrypt(sealed, context=record.id) if sealed else ""
        return ConnectionParams(
            engine=record.engine,
            host=record.host,
            port=record.port,
            database=record.database,
            username=record.username,
            password=password,
        )
