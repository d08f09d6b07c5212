"""Glossary queries and mutations."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from axiom.errors import BadUserInput, NotFound
from axiom.graphql_types import UserError
from subgraphs.weaver.glossary.import_plan import CREATE, UNCHANGED, UPDATE
from subgraphs.weaver.pagination import DEFAULT_PAGE, check_first, decode_cursor, encode_cursor
from subgraphs.weaver.resolvers.access import loaders, runtime, tenant
from subgraphs.weaver.resolvers.guard import guarded_create
from subgraphs.weaver.service.glossary import problem_errors
from subgraphs.weaver.service.user_errors import UserInputProblem
from subgraphs.weaver.store.tenant_rows import parse_id
from subgraphs.weaver.types.arguments import After, First, IdArg
from subgraphs.weaver.types.connection import Connection, Edge, PageInfo
from subgraphs.weaver.types.glossary import (
    CreateGlossaryTermInput,
    DeleteGlossaryTermPayload,
    GlossaryImportAction,
    GlossaryImportChange,
    GlossaryTerm,
    GlossaryTermPayload,
    ImportGlossaryPayload,
    UpdateGlossaryTermInput,
)
from subgraphs.weaver.types.payloads import given

TermIdArg = Annotated[strawberry.ID, strawberry.argument(description="Glossary term id.")]
TargetIdArg = Annotated[strawberry.ID, strawberry.argument(description="Id of a Table or Column.")]


def _values(input_obj) -> dict:
    values = given(input_obj)
    if "status" in values and values["status"] is not None:
        values["status"] = getattr(values["status"], "value", values["status"])
    if "parent_id" in values and values["parent_id"] is not None:
        values["parent_id"] = str(values["parent_id"])
    return values


async def _term_payload(call) -> GlossaryTermPayload:
    try:
        record = await call
    except UserInputProblem as exc:
        return GlossaryTermPayload(term=None, user_errors=UserError.of(exc.errors))
    return GlossaryTermPayload(term=GlossaryTerm.from_record(record), user_errors=[])


@strawberry.type
class GlossaryQueries:
    @strawberry.field(
        description="Glossary terms of the caller's tenant by name; `query` matches name, synonyms "
        "or definition (Relay connection)."
    )
    async def glossary_terms(
        self,
        info: Info,
        query: Annotated[str | None, strawberry.argument(description="Text to look for.")] = None,
        first: First = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[GlossaryTerm]:
        check_first(first)
        position = None
        if after is not None:
            name, term_id = decode_cursor(after, 2)
            if not isinstance(name, str) or parse_id(str(term_id)) is None:
                raise BadUserInput("invalid cursor", field="after")
            position = (name, str(term_id))
        t, store = tenant(info), runtime(info).glossary
        records, has_next = await store.list_page(t, query, first, position)
        edges = [Edge(cursor=encode_cursor(r.name, r.id), node=GlossaryTerm.from_record(r)) for r in records]
        return Connection(
            edges=edges,
            page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1].cursor if edges else None),
            count=lambda: store.count(t, query),
        )

    @strawberry.field(description="One glossary term by id; NOT_FOUND when unknown to the caller's tenant.")
    async def glossary_term(self, info: Info, id: IdArg) -> GlossaryTerm:
        record = await loaders(info).term.load(str(id))
        if record is None:
            raise NotFound("glossary term not found", field="id")
        return GlossaryTerm.from_record(record)

    @strawberry.field(
        description="The whole glossary as CSV (name,definition,synonyms,parent,owner,status,"
        "related; lists separated by `|`)."
    )
    async def glossary_csv(self, info: Info) -> str:
        return await runtime(info).glossary_service.export_csv(tenant(info))


@strawberry.type
class GlossaryMutations:
    @strawberry.mutation(description="Create a glossary term (honours an `Idempotency-Key` header).")
    async def create_glossary_term(
        self,
        info: Info,
        input: Annotated[CreateGlossaryTermInput, strawberry.argument(description="The new term.")],
    ) -> GlossaryTermPayload:
        values = _values(input)

        async def replay(term_id: str) -> GlossaryTermPayload:
            record = await loaders(info).term.load(term_id)
            return GlossaryTermPayload(term=GlossaryTerm.from_record(record) if record else None, user_errors=[])

        return await guarded_create(
            info,
            "createGlossaryTerm",
            values,
            lambda: _term_payload(runtime(info).glossary_service.create(tenant(info), values)),
            lambda p: str(p.term.id) if p.term else None,
            replay,
        )

    @strawberry.mutation(description="Change a glossary term; omitted fields keep their value.")
    async def update_glossary_term(
        self,
        info: Info,
        input: Annotated[UpdateGlossaryTermInput, strawberry.argument(description="Id and changed fields.")],
    ) -> GlossaryTermPayload:
        values = _values(input)
        term_id = str(values.pop("id"))
        return await _term_payload(runtime(info).glossary_service.update(tenant(info), term_id, values))

    @strawberry.mutation(description="Delete a glossary term with its links; its children lose their parent.")
    async def delete_glossary_term(self, info: Info, id: IdArg) -> DeleteGlossaryTermPayload:
        try:
            deleted = await runtime(info).glossary_service.delete(tenant(info), str(id))
        except UserInputProblem as exc:
            return DeleteGlossaryTermPayload(deleted_id=None, user_errors=UserError.of(exc.errors))
        return DeleteGlossaryTermPayload(deleted_id=strawberry.ID(deleted), user_errors=[])

    @strawberry.mutation(description="Link a term to a table or column of the caller's tenant.")
    async def link_term(self, info: Info, term_id: TermIdArg, target_id: TargetIdArg) -> GlossaryTermPayload:
        return await _term_payload(runtime(info).glossary_service.link(tenant(info), str(term_id), str(target_id)))

    @strawberry.mutation(description="Remove the link between a term and a table or column.")
    async def unlink_term(self, info: Info, term_id: TermIdArg, target_id: TargetIdArg) -> GlossaryTermPayload:
        return await _term_payload(runtime(info).glossary_service.unlink(tenant(info), str(term_id), str(target_id)))

    @strawberry.mutation(description="Mark two terms as related (symmetric).")
    async def relate_terms(
        self,
        info: Info,
        term_id: TermIdArg,
        related_term_id: Annotated[strawberry.ID, strawberry.argument(description="The other term.")],
    ) -> GlossaryTermPayload:
        return await _term_payload(
            runtime(info).glossary_service.relate(tenant(info), str(term_id), str(related_term_id), True)
        )

    @strawberry.mutation(description="Remove the related mark between two terms.")
    async def unrelate_terms(
        self,
        info: Info,
        term_id: TermIdArg,
        related_term_id: Annotated[strawberry.ID, strawberry.argument(description="The other term.")],
    ) -> GlossaryTermPayload:
        return await _term_payload(
            runtime(info).glossary_service.relate(tenant(info), str(term_id), str(related_term_id), False)
        )

    @strawberry.mutation(
        description="Import terms from CSV (matched by name; absent terms are kept). With "
        "`dryRun` nothing is written and the payload says what would change."
    )
    async def import_glossary(
        self,
        info: Info,
        csv: Annotated[str, strawberry.argument(description="CSV text with a header row (see glossaryCsv).")],
        dry_run: Annotated[bool, strawberry.argument(description="Only report what would change.")] = False,
    ) -> ImportGlossaryPayload:
        outcome = await runtime(info).glossary_service.import_csv(tenant(info), csv, dry_run)
        plan = outcome.plan
        return ImportGlossaryPayload(
            applied=outcome.applied,
            created=plan.count(CREATE),
            updated=plan.count(UPDATE),
            unchanged=plan.count(UNCHANGED),
            changes=[
                GlossaryImportChange(name=c.name, action=GlossaryImportAction(c.action), fields=list(c.fields))
                for c in plan.changes
            ],
            user_errors=UserError.of(problem_errors(plan.problems)),
        )
