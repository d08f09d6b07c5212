"""Glossary tables: `weaver.glossary_terms`, `glossary_related` (both directions stored), `glossary_links`."""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from subgraphs.weaver.glossary.import_plan import CREATE, UNCHANGED, ImportPlan
from subgraphs.weaver.glossary.model import TermData
from subgraphs.weaver.store.tenant_rows import delete_by_id, parse_id, rows_by_id


class DuplicateTermName(Exception):
    """The tenant already has a term with this name."""


@dataclass(frozen=True)
class TermRecord:
    id: str
    tenant_id: str
    name: str
    definition: str
    synonyms: list[str]
    parent_id: str | None
    owner: str | None
    status: str
    created_at: dt.datetime
    updated_at: dt.datetime


@dataclass(frozen=True)
class LinkRecord:
    term_id: str
    target_kind: str
    target_key: str


_COLUMNS = "id, tenant_id, name, definition, synonyms, parent_id, owner, status, created_at, updated_at"
_UPDATABLE = frozenset({"name", "definition", "synonyms", "parent_id", "owner", "status"})


def _record(row) -> TermRecord:
    m = dict(row._mapping)
    return TermRecord(
        **{
            **m,
            "id": str(m["id"]),
            "parent_id": str(m["parent_id"]) if m["parent_id"] else None,
            "synonyms": list(m["synonyms"] or []),
        }
    )


def _like(query: str) -> str:
    """An ILIKE pattern matching `query` anywhere, with its own wildcards escaped."""
    return "%" + query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _ids(values: Iterable[str]) -> list[str]:
    return [i for i in map(parse_id, values) if i]


class GlossaryStore:
    def __init__(self, engine: AsyncEngine):
        self._engine = engine

    async def create(self, tenant_id: str, values: dict[str, Any]) -> TermRecord:
        try:
            async with self._engine.begin() as conn:
                return await self._insert(conn, tenant_id, values)
        except IntegrityError as exc:
            raise DuplicateTermName(values.get("name", "")) from exc

    async def _insert(self, conn: AsyncConnection, tenant_id: str, values: dict[str, Any]) -> TermRecord:
        row = (
            await conn.execute(
                text(
                    f"""INSERT INTO weaver.glossary_terms (id, tenant_id, name, definition, synonyms, parent_id, owner, status)
                VALUES (:id, :tenant, :name, :definition, :synonyms, :parent_id, :owner, :status)
                RETURNING {_COLUMNS}"""
                ),
                {
                    "id": str(uuid.uuid4()),
                    "tenant": tenant_id,
                    "definition": "",
                    "synonyms": [],
                    "parent_id": None,
                    "owner": None,
                    "status": "DRAFT",
                    **values,
                },
            )
        ).one()
        return _record(row)

    async def update(self, tenant_id: str, term_id: str, changes: dict[str, Any]) -> TermRecord | None:
        unknown = set(changes) - _UPDATABLE
        if unknown:
            raise ValueError(f"not updatable: {sorted(unknown)}")
        canon = parse_id(term_id)
        if canon is None:
            return None
        assignments = ", ".join([f"{k} = :{k}" for k in changes] + ["updated_at = now()"])
        try:
            async with self._engine.begin() as conn:
                row = (
                    await conn.execute(
                        text(
                            f"""UPDATE weaver.glossary_terms SET {assignments} WHERE tenant_id = :tenant AND id = :id
                        RETURNING {_COLUMNS}"""
                        ),
                        {**changes, "tenant": tenant_id, "id": canon},
                    )
                ).first()
        except IntegrityError as exc:
            raise DuplicateTermName(changes.get("name", "")) from exc
        return _record(row) if row else None

    async def delete(self, tenant_id: str, term_id: str) -> bool:
        return await delete_by_id(self._engine, "weaver.glossary_terms", tenant_id, term_id)

    async def get_many(self, tenant_id: str, ids: Iterable[str]) -> dict[str, TermRecord]:
        return await rows_by_id(self._engine, "weaver.glossary_terms", _COLUMNS, tenant_id, ids, _record)

    async def ancestors(self, tenant_id: str, term_id: str) -> set[str]:
        """Ids of the term's parent, grandparent … (to refuse cycles)."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """WITH RECURSIVE up(id, parent_id) AS (
                       SELECT id, parent_id FROM weaver.glossary_terms WHERE tenant_id = :t AND id = :id
                       UNION SELECT g.id, g.parent_id FROM weaver.glossary_terms g JOIN up ON g.id = up.parent_id)
                   SELECT id FROM up"""
                    ),
                    {"t": tenant_id, "id": term_id},
                )
            ).all()
        return {str(r.id) for r in rows}

    async def list_page(
        self, tenant_id: str, query: str | None, first: int, after: tuple[str, str] | None
    ) -> tuple[list[TermRecord], bool]:
        """Terms by name (keyset on name, id); `query` matches name, synonyms or definition."""
        params: dict[str, Any] = {"t": tenant_id, "limit": first + 1}
        conditions = ["tenant_id = :t"]
        if query:
            conditions.append(
                "(name ILIKE :q OR definition ILIKE :q OR EXISTS (SELECT 1 FROM unnest(synonyms) s WHERE s ILIKE :q))"
            )
            params["q"] = _like(query)
        if after is not None:
            conditions.append("(name, id) > (:after_name, CAST(:after_id AS uuid))")
            params.update(after_name=after[0], after_id=after[1])
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        f"SELECT {_COLUMNS} FROM weaver.glossary_terms WHERE {' AND '.join(conditions)} "
                        f"ORDER BY name, id LIMIT :limit"
                    ),
                    params,
                )
            ).all()
        records = [_record(r) for r in rows]
        return records[:first], len(records) > first

    async def count(self, tenant_id: str, query: str | None) -> int:
        condition, params = "", {"t": tenant_id}
        if query:
            condition = (
                "AND (name ILIKE :q OR definition ILIKE :q OR EXISTS "
                "(SELECT 1 FROM unnest(synonyms) s WHERE s ILIKE :q))"
            )
            params["q"] = _like(query)
        async with self._engine.connect() as conn:
            return (
                await conn.execute(
                    text(f"SELECT count(*) FROM weaver.glossary_terms WHERE tenant_id = :t {condition}"), params
                )
            ).scalar_one()

    async def children_of(self, tenant_id: str, ids: Sequence[str]) -> dict[str, list[TermRecord]]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        f"""SELECT {_COLUMNS} FROM weaver.glossary_terms
                    WHERE tenant_id = :t AND parent_id = ANY(CAST(:ids AS uuid[])) ORDER BY name"""
                    ),
                    {"t": tenant_id, "ids": _ids(ids)},
                )
            ).all()
        grouped: dict[str, list[TermRecord]] = defaultdict(list)
        for r in map(_record, rows):
            if r.parent_id is not None:  # selected by parent id: always set
                grouped[r.parent_id].append(r)
        return dict(grouped)

    async def related_of(self, tenant_id: str, ids: Sequence[str]) -> dict[str, list[TermRecord]]:
        cols = ", ".join(f"g.{c.strip()}" for c in _COLUMNS.split(","))
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        f"""SELECT r.term_id AS source, {cols} FROM weaver.glossary_related r
                    JOIN weaver.glossary_terms g ON g.id = r.related_id
                    WHERE g.tenant_id = :t AND r.term_id = ANY(CAST(:ids AS uuid[])) ORDER BY g.name"""
                    ),
                    {"t": tenant_id, "ids": _ids(ids)},
                )
            ).all()
        grouped: dict[str, list[TermRecord]] = defaultdict(list)
        for row in rows:
            m = dict(row._mapping)
            source = str(m.pop("source"))
            grouped[source].append(
                TermRecord(
                    **{
                        **m,
                        "id": str(m["id"]),
                        "synonyms": list(m["synonyms"] or []),
                        "parent_id": str(m["parent_id"]) if m["parent_id"] else None,
                    }
                )
            )
        return dict(grouped)

    async def relate(self, tenant_id: str, term_id: str, other_id: str, related: bool) -> None:
        """Add (or remove) a symmetric related-term pair; both ids must be the tenant's (checked by caller)."""
        async with self._engine.begin() as conn:
            if related:
                await conn.execute(
                    text(
                        """INSERT INTO weaver.glossary_related (term_id, related_id) VALUES (:a, :b), (:b, :a)
                       ON CONFLICT DO NOTHING"""
                    ),
                    {"a": term_id, "b": other_id},
                )
            else:
                await conn.execute(
                    text(
                        """DELETE FROM weaver.glossary_related WHERE (term_id = :a AND related_id = :b)
                       OR (term_id = :b AND related_id = :a)"""
                    ),
                    {"a": term_id, "b": other_id},
                )

    async def terms_of_targets(self, tenant_id: str, keys: Sequence[str]) -> dict[str, list[TermRecord]]:
        cols = ", ".join(f"g.{c.strip()}" for c in _COLUMNS.split(","))
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        f"""SELECT l.target_key AS target, {cols} FROM weaver.glossary_links l
                    JOIN weaver.glossary_terms g ON g.id = l.term_id
                    WHERE l.tenant_id = :t AND l.target_key = ANY(:keys) ORDER BY g.name"""
                    ),
                    {"t": tenant_id, "keys": list(keys)},
                )
            ).all()
        grouped: dict[str, list[TermRecord]] = defaultdict(list)
        for row in rows:
            m = dict(row._mapping)
            target = m.pop("target")
            grouped[target].append(
                TermRecord(
                    **{
                        **m,
                        "id": str(m["id"]),
                        "synonyms": list(m["synonyms"] or []),
                        "parent_id": str(m["parent_id"]) if m["parent_id"] else None,
                    }
                )
            )
        return dict(grouped)

    async def links_of_terms(self, tenant_id: str, ids: Sequence[str]) -> dict[str, list[LinkRecord]]:
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(
                        """SELECT term_id, target_kind, target_key FROM weaver.glossary_links
                   WHERE tenant_id = :t AND term_id = ANY(CAST(:ids AS uuid[])) ORDER BY target_key"""
                    ),
                    {"t": tenant_id, "ids": _ids(ids)},
                )
            ).all()
        grouped: dict[str, list[LinkRecord]] = defaultdict(list)
        for r in rows:
            grouped[str(r.term_id)].append(LinkRecord(str(r.term_id), r.target_kind, r.target_key))
        return dict(grouped)

    async def link(self, tenant_id: str, term_id: str, datasource_id: str, kind: str, key: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                text(
                    """INSERT INTO weaver.glossary_links (term_id, tenant_id, datasource_id, target_kind, target_key)
                   VALUES (:term, :t, :ds, :kind, :key) ON CONFLICT DO NOTHING"""
                ),
                {"term": term_id, "t": tenant_id, "ds": datasource_id, "kind": kind, "key": key},
            )

    async def unlink(self, tenant_id: str, term_id: str, key: str) -> bool:
        async with self._engine.begin() as conn:
            result = await conn.execute(
                text(
                    "DELETE FROM weaver.glossary_links WHERE tenant_id = :t AND term_id = :term AND target_key = :key"
                ),
                {"t": tenant_id, "term": term_id, "key": key},
            )
        return result.rowcount > 0

    @staticmethod
    async def prune_links(conn: AsyncConnection, datasource_id: str, keep: Sequence[str]) -> None:
        """Drop links to tables and columns that a sync found gone (inside the sync's transaction)."""
        await conn.execute(
            text("DELETE FROM weaver.glossary_links WHERE datasource_id = :ds AND NOT (target_key = ANY(:keep))"),
            {"ds": datasource_id, "keep": list(keep)},
        )

    async def all_terms(self, tenant_id: str) -> dict[str, TermData]:
        """Every term of the tenant as plain data with relations by name (for export and import planning)."""
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    text(f"SELECT {_COLUMNS} FROM weaver.glossary_terms WHERE tenant_id = :t"), {"t": tenant_id}
                )
            ).all()
            pairs = (
                await conn.execute(
                    text(
                        """SELECT r.term_id, r.related_id FROM weaver.glossary_related r
                   JOIN weaver.glossary_terms g ON g.id = r.term_id WHERE g.tenant_id = :t"""
                    ),
                    {"t": tenant_id},
                )
            ).all()
        records = [_record(r) for r in rows]
        names = {r.id: r.name for r in records}
        related: dict[str, list[str]] = defaultdict(list)
        for a, b in pairs:
            related[str(a)].append(names[str(b)])
        return {
            r.name: TermData(
                name=r.name,
                definition=r.definition,
                synonyms=tuple(r.synonyms),
                parent=names.get(r.parent_id) if r.parent_id else None,
                owner=r.owner,
                status=r.status,
                related=tuple(sorted(related[r.id])),
            )
            for r in records
        }

    async def apply_import(self, tenant_id: str, plan: ImportPlan) -> None:
        """Write a valid plan in one transaction: create/update terms, then parents, then related pairs."""
        async with self._engine.begin() as conn:
            rows = (
                await conn.execute(
                    text("SELECT id, name FROM weaver.glossary_terms WHERE tenant_id = :t"), {"t": tenant_id}
                )
            ).all()
            ids = {r.name: str(r.id) for r in rows}
            for change in plan.changes:
                term = change.term
                values = {
                    "definition": term.definition,
                    "synonyms": list(term.synonyms),
                    "owner": term.owner,
                    "status": term.status,
                }
                if change.action == CREATE:
                    ids[term.name] = (await self._insert(conn, tenant_id, {"name": term.name, **values})).id
                elif change.action != UNCHANGED:
                    await conn.execute(
                        text(
                            """UPDATE weaver.glossary_terms SET definition = :definition, synonyms = :synonyms,
                           owner = :owner, status = :status, updated_at = now() WHERE id = :id"""
                        ),
                        {**values, "id": ids[term.name]},
                    )
            for change in plan.changes:
                parent = ids.get(change.term.parent) if change.term.parent else None
                await conn.execute(
                    text("UPDATE weaver.glossary_terms SET parent_id = :p WHERE id = :id"),
                    {"p": parent, "id": ids[change.name]},
                )
                for other in change.term.related:
                    await conn.execute(
                        text(
                            """INSERT INTO weaver.glossary_related (term_id, related_id) VALUES (:a, :b), (:b, :a)
                           ON CONFLICT DO NOTHING"""
                        ),
                        {"a": ids[change.name], "b": ids[other]},
                    )
