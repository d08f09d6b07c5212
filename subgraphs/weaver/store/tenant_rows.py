"""Tenant-scoped lookups by id shared by the Postgres stores: ids are UUIDs, and an id that is malformed or
belongs to another tenant is simply absent from the answer (the caller turns that into NOT_FOUND)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class _Identified(Protocol):
    @property
    def id(self) -> str:
        """The row's id, canonical (as `parse_id` gives it)."""
        ...


Record = TypeVar("Record", bound=_Identified)


def parse_id(value: str) -> str | None:
    """The canonical form of an object id, or None when it is not a UUID (so: not found)."""
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


async def rows_by_id(
    engine: AsyncEngine,
    table: str,
    columns: str,
    tenant_id: str,
    ids: Iterable[str],
    to_record: Callable[[object], Record],
) -> dict[str, Record]:
    """Records of `table` (a name from our code, never from a client) keyed by the ids as the caller gave them."""
    wanted = {given: parse_id(given) for given in ids}
    valid = [canon for canon in wanted.values() if canon]
    if not valid:
        return {}
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                text(f"SELECT {columns} FROM {table} WHERE tenant_id = :tenant AND id = ANY(CAST(:ids AS uuid[]))"),
                {"tenant": tenant_id, "ids": valid},
            )
        ).all()
    by_id = {record.id: record for record in map(to_record, rows)}
    return {given: by_id[canon] for given, canon in wanted.items() if canon in by_id}


async def delete_by_id(engine: AsyncEngine, table: str, tenant_id: str, object_id: str) -> bool:
    """Delete one row of the tenant; False when the id is malformed, unknown or another tenant's."""
    canon = parse_id(object_id)
    if canon is None:
        return False
    async with engine.begin() as conn:
        result = await conn.execute(
            text(f"DELETE FROM {table} WHERE tenant_id = :tenant AND id = :id"), {"tenant": tenant_id, "id": canon}
        )
    return result.rowcount > 0
