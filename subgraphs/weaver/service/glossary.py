"""Glossary use cases: terms with hierarchy and related terms, links to tables/columns, CSV import/export."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from subgraphs.weaver.catalog.keys import split_key
from subgraphs.weaver.glossary.csv_format import CsvProblem, parse_glossary_csv, render_glossary_csv
from subgraphs.weaver.glossary.import_plan import ImportPlan, plan_import
from subgraphs.weaver.glossary.model import name_problem, status_problem
from subgraphs.weaver.service.user_errors import (
    CONFLICT,
    DUPLICATE,
    INVALID,
    NOT_FOUND,
    UserErrorData,
    UserInputProblem,
    problem,
)
from subgraphs.weaver.store.glossary import DuplicateTermName, GlossaryStore, TermRecord
from subgraphs.weaver.store.schema_graph import SchemaGraphStore

TABLE = "TABLE"
COLUMN = "COLUMN"


@dataclass(frozen=True)
class ImportOutcome:
    plan: ImportPlan
    applied: bool


class GlossaryService:
    def __init__(self, store: GlossaryStore, graph: SchemaGraphStore):
        self.store = store
        self.graph = graph

    async def require(self, tenant_id: str, term_id: str, field: str = "id") -> TermRecord:
        found = (await self.store.get_many(tenant_id, [term_id])).get(term_id)
        if found is None:
            raise problem(field, "glossary term not found", NOT_FOUND)
        return found

    async def _checked(self, tenant_id: str, values: dict[str, Any], term_id: str | None) -> dict[str, Any]:
        errors: list[UserErrorData] = []
        clean = dict(values)
        if "name" in clean:
            clean["name"] = (clean["name"] or "").strip()
            if message := name_problem(clean["name"]):
                errors.append(UserErrorData("name", message, INVALID))
        if "status" in clean and (message := status_problem(clean["status"])):
            errors.append(UserErrorData("status", message, INVALID))
        if "synonyms" in clean:
            clean["synonyms"] = list(dict.fromkeys(s.strip() for s in clean["synonyms"] or [] if s.strip()))
        if "definition" in clean:
            clean["definition"] = clean["definition"] or ""
        if clean.get("parent_id") is not None:
            parent = str(clean["parent_id"])
            if not (await self.store.get_many(tenant_id, [parent])):
                errors.append(UserErrorData("parentId", "parent term not found", NOT_FOUND))
            elif term_id is not None and term_id in await self.store.ancestors(tenant_id, parent):
                errors.append(UserErrorData("parentId", "a term cannot be its own ancestor", CONFLICT))
            else:
                clean["parent_id"] = (await self.store.get_many(tenant_id, [parent]))[parent].id
        if errors:
            raise UserInputProblem(*errors)
        return clean

    async def create(self, tenant_id: str, values: dict[str, Any]) -> TermRecord:
        clean = await self._checked(tenant_id, values, None)
        try:
            return await self.store.create(tenant_id, clean)
        except DuplicateTermName:
            raise problem("name", f"a term named '{clean['name']}' already exists", DUPLICATE) from None

    async def update(self, tenant_id: str, term_id: str, values: dict[str, Any]) -> TermRecord:
        term = await self.require(tenant_id, term_id)
        clean = await self._checked(tenant_id, values, term.id)
        try:
            updated = await self.store.update(tenant_id, term.id, clean) if clean else term
        except DuplicateTermName:
            raise problem("name", f"a term named '{clean['name']}' already exists", DUPLICATE) from None
        if updated is None:
            raise problem("id", "glossary term not found", NOT_FOUND)
        return updated

    async def delete(self, tenant_id: str, term_id: str) -> str:
        term = await self.require(tenant_id, term_id)
        await self.store.delete(tenant_id, term.id)
        return term.id

    async def relate(self, tenant_id: str, term_id: str, other_id: str, related: bool) -> TermRecord:
        term = await self.require(tenant_id, term_id, "termId")
        other = await self.require(tenant_id, other_id, "relatedTermId")
        if term.id == other.id:
            raise problem("relatedTermId", "a term cannot be related to itself", INVALID)
        await self.store.relate(tenant_id, term.id, other.id, related)
        return term

    async def _target(self, tenant_id: str, target_id: str) -> tuple[str, str]:
        """(kind, key) of a table or column id of this tenant; NOT_FOUND otherwise (also for other tenants)."""
        if await self.graph.tables_by_key(tenant_id, [target_id]):
            return TABLE, target_id
        if await self.graph.columns_by_key(tenant_id, [target_id]):
            return COLUMN, target_id
        raise problem("targetId", "table or column not found", NOT_FOUND)

    async def link(self, tenant_id: str, term_id: str, target_id: str) -> TermRecord:
        term = await self.require(tenant_id, term_id, "termId")
        kind, key = await self._target(tenant_id, target_id)
        await self.store.link(tenant_id, term.id, split_key(key)[0], kind, key)
        return term

    async def unlink(self, tenant_id: str, term_id: str, target_id: str) -> TermRecord:
        term = await self.require(tenant_id, term_id, "termId")
        if not await self.store.unlink(tenant_id, term.id, target_id):
            raise problem("targetId", "the term is not linked to this table or column", NOT_FOUND)
        return term

    async def import_csv(self, tenant_id: str, csv_text: str, dry_run: bool) -> ImportOutcome:
        """Plan the import; apply it only when it has no problems and `dry_run` is false."""
        rows, problems = parse_glossary_csv(csv_text)
        plan = plan_import(await self.store.all_terms(tenant_id), rows)
        plan.problems = problems + plan.problems
        if dry_run or plan.problems:
            return ImportOutcome(plan, applied=False)
        await self.store.apply_import(tenant_id, plan)
        return ImportOutcome(plan, applied=True)

    async def export_csv(self, tenant_id: str) -> str:
        return render_glossary_csv(list((await self.store.all_terms(tenant_id)).values()))


def problem_errors(problems: list[CsvProblem]) -> list[UserErrorData]:
    return [UserErrorData(p.field or "csv", f"line {p.line}: {p.message}", INVALID, line=p.line) for p in problems]
