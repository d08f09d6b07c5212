"""Glossary terms linked to cube members (`vision.member_terms`), always read and written for one tenant.

Vision keeps only the term's id: the term itself (name, definition, synonyms) stays Weaver's, so an edit in the
glossary shows up everywhere at once.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


class MemberTermStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def link(self, tenant_id: str, cube_id: str, member: str, term_id: str, *, linked_by: str | None) -> None:
        """Link (or re-link) a member of a tenant's cube to a term; one term per member."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO vision.member_terms (cube_id, member, tenant_id, term_id, linked_by) "
                    "SELECT id, :member, tenant_id, CAST(:term AS uuid), :by FROM vision.cubes "
                    "WHERE id = CAST(:cube AS uuid) AND tenant_id = :tenant "
                    "ON CONFLICT (cube_id, member) DO UPDATE SET term_id = EXCLUDED.term_id, "
                    "linked_by = EXCLUDED.linked_by, linked_at = now()"
                ),
                {"cube": cube_id, "member": member, "tenant": tenant_id, "term": term_id, "by": linked_by},
            )

    async def unlink(self, tenant_id: str, cube_id: str, member: str) -> bool:
        """Remove a member's link; False when there was none."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                text(
                    "DELETE FROM vision.member_terms WHERE tenant_id = :tenant AND cube_id = CAST(:cube AS uuid) "
                    "AND member = :member"
                ),
                {"tenant": tenant_id, "cube": cube_id, "member": member},
            )
            return result.rowcount > 0

    async def of_cubes(self, tenant_id: str, cube_ids: list[str]) -> dict[str, dict[str, str]]:
        """For each cube id: member → term id (one query for all cubes)."""
        links: dict[str, dict[str, str]] = {}
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    "SELECT cube_id, member, term_id FROM vision.member_terms WHERE tenant_id = :tenant "
                    "AND cube_id = ANY(CAST(:ids AS uuid[]))"
                ),
                {"tenant": tenant_id, "ids": cube_ids},
            )
            for row in result:
                links.setdefault(str(row.cube_id), {})[row.member] = str(row.term_id)
        return links
