"""Cube definitions in `vision.cubes`, always read and written for one tenant."""

from __future__ import annotations

import builtins
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import orjson
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from subgraphs.vision.cube import CubeModel, parse_cube_xml
from subgraphs.vision.cube.layout import CubeLayout

_COLUMNS = (
    "id, tenant_id, name, datasource_id, fact_schema, fact_table, definition_xml, version, created_at, "
    "updated_at, view_version, last_refreshed_at, refresh_status"
)


@lru_cache(maxsize=256)
def _parse(xml: str) -> dict[str, CubeModel]:
    return {cube.name: cube for cube in parse_cube_xml(xml)}


@dataclass(frozen=True)
class StoredCube:
    id: str
    tenant_id: str
    name: str
    datasource_id: str
    fact_schema: str
    fact_table: str
    definition_xml: str
    version: int
    created_at: datetime
    updated_at: datetime
    view_version: int | None
    last_refreshed_at: datetime | None
    refresh_status: str | None

    @property
    def model(self) -> CubeModel:
        """The parsed definition (the XML is the source of truth; parsing is cached)."""
        return _parse(self.definition_xml)[self.name]

    @property
    def layout(self) -> CubeLayout:
        return CubeLayout(self.model, self.id)

    @property
    def view_ready(self) -> bool:
        """The view exists for the current definition and has been populated at least once."""
        return self.view_version == self.version and self.last_refreshed_at is not None


def _row(row) -> StoredCube:
    data = dict(row._mapping)
    data["id"], data["datasource_id"] = str(data["id"]), str(data["datasource_id"])
    return StoredCube(**data)


class CubeStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def save(
        self, tenant_id: str, datasource_id: str, cube: CubeModel, xml: str, *, conn: AsyncConnection
    ) -> tuple[StoredCube, bool]:
        """Insert or update a cube by (tenant, name) in the caller's transaction. Returns it and whether its
        definition changed.

        Storing the same XML again changes nothing (idempotent); new XML bumps `version`.
        """
        statement = text(
            f"""
            INSERT INTO vision.cubes AS c (id, tenant_id, name, datasource_id, fact_schema, fact_table,
                                           definition_xml, definition)
            VALUES (:id, :tenant_id, :name, :datasource_id, :fact_schema, :fact_table, :xml, CAST(:definition AS jsonb))
            ON CONFLICT (tenant_id, name) DO UPDATE SET
                datasource_id = EXCLUDED.datasource_id, fact_schema = EXCLUDED.fact_schema,
                fact_table = EXCLUDED.fact_table, definition_xml = EXCLUDED.definition_xml,
                definition = EXCLUDED.definition, version = c.version + 1, updated_at = now()
            WHERE c.definition_xml IS DISTINCT FROM EXCLUDED.definition_xml
               OR c.datasource_id IS DISTINCT FROM EXCLUDED.datasource_id
            RETURNING {_COLUMNS}
            """
        )
        params = {
            "id": str(uuid.uuid4()),
            "tenant_id": tenant_id,
            "name": cube.name,
            "datasource_id": datasource_id,
            "fact_schema": cube.fact_schema or "public",
            "fact_table": cube.fact_table,
            "xml": xml,
            "definition": orjson.dumps(cube.to_dict()).decode(),
        }
        row = (await conn.execute(statement, params)).first()
        if row is not None:
            return _row(row), True
        row = (
            await conn.execute(
                text(f"SELECT {_COLUMNS} FROM vision.cubes WHERE tenant_id = :tenant_id AND name = :name"),
                {"tenant_id": tenant_id, "name": cube.name},
            )
        ).one()
        return _row(row), False

    async def delete(self, conn: AsyncConnection, cube: StoredCube) -> None:
        """Delete the cube's row in the caller's transaction (its runs and glossary links go with it)."""
        await conn.execute(
            text("DELETE FROM vision.cubes WHERE id = CAST(:id AS uuid) AND tenant_id = :tenant_id"),
            {"id": cube.id, "tenant_id": cube.tenant_id},
        )

    async def list(self, tenant_id: str) -> list[StoredCube]:
        return await self._select("tenant_id = :tenant_id ORDER BY name", tenant_id=tenant_id)

    async def get(self, tenant_id: str, cube_id: str) -> StoredCube | None:
        try:
            uuid.UUID(cube_id)
        except ValueError:
            return None
        rows = await self._select("tenant_id = :tenant_id AND id = CAST(:id AS uuid)", tenant_id=tenant_id, id=cube_id)
        return rows[0] if rows else None

    async def get_by_name(self, tenant_id: str, name: str) -> StoredCube | None:
        rows = await self._select("tenant_id = :tenant_id AND name = :name", tenant_id=tenant_id, name=name)
        return rows[0] if rows else None

    async def by_fact_tables(
        self, tenant_id: str, tables: builtins.list[tuple[str, str, str]]
    ) -> dict[tuple[str, str, str], builtins.list[StoredCube]]:
        """Cubes per `(datasource id, schema, table)` fact table, in one query for all the tables."""
        wanted = [t for t in tables if _is_uuid(t[0])]
        found: dict[tuple[str, str, str], builtins.list[StoredCube]] = {}
        if not wanted:
            return found
        rows = await self._select(
            "tenant_id = :tenant_id AND (datasource_id, fact_schema, fact_table) IN (SELECT * FROM "
            "unnest(CAST(:ds AS uuid[]), CAST(:schemas AS text[]), CAST(:tables AS text[]))) ORDER BY name",
            tenant_id=tenant_id,
            ds=[t[0] for t in wanted],
            schemas=[t[1] for t in wanted],
            tables=[t[2] for t in wanted],
        )
        for cube in rows:
            found.setdefault((cube.datasource_id, cube.fact_schema, cube.fact_table), []).append(cube)
        return found

    async def all_tenants(self) -> builtins.list[StoredCube]:
        """Every cube of every tenant: for the ETL schedule, which runs outside any request."""
        return await self._select("true ORDER BY tenant_id, name")

    async def _select(self, where: str, **params) -> builtins.list[StoredCube]:
        async with self.engine.connect() as conn:
            result = await conn.execute(text(f"SELECT {_COLUMNS} FROM vision.cubes WHERE {where}"), params)
            return [_row(row) for row in result]


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False
