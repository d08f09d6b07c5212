"""Query and mutation resolvers: thin use cases over the stores and services."""

from __future__ import annotations

import logging
import uuid
from typing import Annotated

import strawberry

from axiom.errors import ApiError, BadUserInput, Forbidden, NotFound
from axiom.graphql_types import UserError, UserErrorCode
from subgraphs.vision.adapters.weaver_catalog import WeaverUnavailable
from subgraphs.vision.adapters.weaver_glossary import GlossaryUnavailable, member_hints
from subgraphs.vision.context import VisionContext, vision_context
from subgraphs.vision.jobs.refresh_jobs import queue_refresh
from subgraphs.vision.nl.prompt import check_question
from subgraphs.vision.service.cube_deletion import delete_cube
from subgraphs.vision.service.loading import load_cube_documents
from subgraphs.vision.store.cubes import StoredCube
from subgraphs.vision.types.cube import Cube, RefreshRun
from subgraphs.vision.types.pivot import AskPivotResult, ChosenPivot, PivotInput, PivotResult, PivotSeries, PivotTotals

log = logging.getLogger(__name__)

WEAVER_UNAVAILABLE = "WEAVER_UNAVAILABLE"


async def find_cube(context: VisionContext, reference: str) -> StoredCube:
    """A cube of the caller's tenant by id or name; NOT_FOUND otherwise (also for other tenants' cubes)."""
    try:
        uuid.UUID(reference)
        stored = await context.cubes.get(context.tenant_id, reference)
    except ValueError:
        stored = await context.cubes.get_by_name(context.tenant_id, reference)
    if stored is None:
        raise NotFound("cube not found")
    return stored


async def run_pivot(context: VisionContext, stored: StoredCube, query) -> PivotResult:
    outcome = await context.pivots.run(stored, query, include_sql=context.caller.is_admin)
    data = outcome.data
    return PivotResult(
        cube_id=strawberry.ID(stored.id),
        row_levels=data.row_levels,
        column_levels=data.column_levels,
        measures=data.measures,
        row_headers=data.row_headers,
        column_headers=data.column_headers,
        values=[PivotSeries.of(s) for s in data.values],
        totals=PivotTotals.of(data.totals),
        total_rows=data.total_rows,
        truncated=data.truncated,
        cached=outcome.cached,
        duration_ms=outcome.duration_ms,
        sql=outcome.sql,
    )


@strawberry.type
class Query:
    @strawberry.field(description="The tenant's cubes, by name.")
    async def cubes(self, info: strawberry.Info) -> list[Cube]:
        context = vision_context(info)
        return [Cube.of(c) for c in await context.cubes.list(context.tenant_id)]

    @strawberry.field(description="One cube by id or by name (exactly one of them). NOT_FOUND when unknown.")
    async def cube(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID | None, strawberry.argument(description="The cube's id.")] = None,
        name: Annotated[str | None, strawberry.argument(description="The cube's name.")] = None,
    ) -> Cube | None:
        if (id is None) == (name is None):
            raise BadUserInput("give exactly one of `id` and `name`")
        context = vision_context(info)
        if name is not None:
            stored = await context.cubes.get_by_name(context.tenant_id, name)
        else:
            stored = await context.cubes.get(context.tenant_id, str(id))
        if stored is None:
            raise NotFound("cube not found")
        return Cube.of(stored)

    @strawberry.field(
        description="Group a cube's measures by levels on rows and columns. Errors: NOT_FOUND, "
        "BAD_USER_INPUT (with extensions.field), TIMEOUT (QUERY_TIMEOUT), CUBE_NOT_READY."
    )
    async def pivot(
        self, info: strawberry.Info, input: Annotated[PivotInput, strawberry.argument(description="The pivot.")]
    ) -> PivotResult:
        stored = await find_cube(vision_context(info), input.cube)
        return await run_pivot(vision_context(info), stored, input.to_query())

    @strawberry.field(
        description="Answer a question in plain language with a pivot chosen by the language "
        "model. Errors: LLM_DISABLED (no OPENAI_API_KEY), LLM_INVALID_ANSWER, "
        "LLM_UNAVAILABLE, TIMEOUT, NOT_FOUND, BAD_USER_INPUT."
    )
    async def ask_pivot(
        self,
        info: strawberry.Info,
        cube: Annotated[str, strawberry.argument(description="The cube's id or name.")],
        question: Annotated[str, strawberry.argument(description="The question, e.g. 'sales by region in 2024'.")],
    ) -> AskPivotResult:
        context = vision_context(info)
        question = check_question(question)
        stored = await find_cube(context, cube)
        asker = context.asker
        values = await context.pivots.runner.level_values(stored.layout) if stored.view_ready else {}
        links = await context.loaders.member_terms.load(stored.id)
        terms = await member_hints(
            context.runtime.glossary if links else None, links, authorization=context.authorization
        )
        answer = await asker.ask(stored.model, question, values, terms)
        result = await run_pivot(context, stored, answer.query)
        return AskPivotResult(
            question=question, pivot=ChosenPivot.of(answer.query), explanation=answer.explanation, result=result
        )


@strawberry.input(description="A cube file: its name (for error messages) and its XML.")
class CubeDocumentInput:
    file_name: str = strawberry.field(description="The file's name, quoted in errors.")
    xml: str = strawberry.field(description="Mondrian-style schema or cube XML.")


@strawberry.input(description="Cube files to store for the tenant over one Weaver datasource.")
class LoadCubesInput:
    data_source_id: strawberry.ID = strawberry.field(description="The Weaver datasource holding the fact tables.")
    documents: list[CubeDocumentInput] = strawberry.field(description="The cube files.")


@strawberry.type(description="Something of a cube file that is not supported and was left out (the rest loaded).")
class CubeFileWarning:
    file: str = strawberry.field(description="The file's name.")
    cube: str | None = strawberry.field(description="The cube it belongs to (null: the schema's).")
    element: str = strawberry.field(description="The XML element left out, e.g. Role, AggName, NamedSet.")
    line: int | None = strawberry.field(description="Its line in the file.")
    message: str = strawberry.field(description="What is left out and why.")


@strawberry.type(
    description="Cubes stored by loadCubes (their views are filled by jobs: watch cubeRefreshes); "
    "problems are in userErrors."
)
class LoadCubesPayload:
    cubes: list[Cube] = strawberry.field(description="The cubes stored; empty when any file has a problem.")
    user_errors: list[UserError] = strawberry.field(description="One per problem, naming file and line.")
    warnings: list[CubeFileWarning] = strawberry.field(
        description="What of the files is not supported and was left out, per cube, naming element and line."
    )


@strawberry.type(description="The outcome of refreshCube.")
class RefreshCubePayload:
    cube: Cube | None = strawberry.field(description="The cube (as it is before the queued refresh runs).")
    run: RefreshRun | None = strawberry.field(description="The queued run, `pending`.")
    user_errors: list[UserError] = strawberry.field(
        description="Always empty: a failed refresh is recorded on its run (status failed, error)."
    )


@strawberry.input(description="Which cube member names which glossary term.")
class LinkCubeTermInput:
    cube: str = strawberry.field(description="The cube's id or name.")
    member: str = strawberry.field(
        description="A measure or calculated member by name, or a level as `Dimension.Level`."
    )
    term_id: strawberry.ID = strawberry.field(description="The id of a GlossaryTerm of Weaver's glossary.")


@strawberry.type(description="The outcome of linkCubeTerm / unlinkCubeTerm.")
class CubeTermPayload:
    cube: Cube | None = strawberry.field(description="The cube, with the member's glossaryTerm as it is now.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing changed, if it did not.")


def _member_problem(stored: StoredCube, member: str) -> UserError | None:
    model = stored.model
    if member in model.member_names or model.level(member) is not None:
        return None
    return UserError(
        field="member",
        code=UserErrorCode.BAD_USER_INPUT,
        message=f"cube {stored.name!r} has no measure, calculated member or level {member!r}",
    )


@strawberry.type(description="The outcome of deleteCube.")
class DeleteCubePayload:
    deleted_id: strawberry.ID | None = strawberry.field(description="The deleted cube's id.")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was deleted, if it was not.")


async def _term_visible(context: VisionContext, term_id: str) -> bool:
    """Whether the caller's tenant has the glossary term (Weaver answers with the caller's token)."""
    try:
        return term_id in await context.runtime.glossary.terms([term_id], authorization=context.authorization)
    except GlossaryUnavailable as exc:
        log.warning("linkCubeTerm: %s", exc)
        raise ApiError("the glossary cannot be read from Weaver now; try again", code=WEAVER_UNAVAILABLE) from exc


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Store cube files for the tenant and build their views (admin role). All or "
        "nothing: any invalid file, or a table or column the datasource (of the "
        "caller's tenant, as Weaver last synced it) does not have, stores nothing and "
        "is reported in userErrors with its file, line, cube and element. The views are "
        "filled by jobs (runs with trigger `create`)."
    )
    async def load_cubes(
        self,
        info: strawberry.Info,
        input: Annotated[LoadCubesInput, strawberry.argument(description="The cube files and their datasource.")],
    ) -> LoadCubesPayload:
        context = vision_context(info)
        if not context.caller.is_admin:
            raise Forbidden("loadCubes needs the admin role")
        try:
            uuid.UUID(str(input.data_source_id))
        except ValueError as exc:
            raise BadUserInput("dataSourceId must be a datasource id (UUID)", field="dataSourceId") from exc
        datasource_id = str(uuid.UUID(str(input.data_source_id)))

        async def read_catalog(wanted: list[tuple[str, str]]):
            # Weaver answers with the caller's own token, so only their tenant's datasource is found.
            return await context.runtime.weaver_catalog.tables(
                datasource_id, wanted, authorization=context.authorization
            )

        jobs = context.runtime.require_jobs()  # before anything is stored: no Redis, no view builds
        try:
            report = await load_cube_documents(
                [(d.file_name, d.xml) for d in input.documents],
                tenant_id=context.tenant_id,
                datasource_id=datasource_id,
                read_catalog=read_catalog,
                cubes=context.cubes,
                views=context.views,
                populate=lambda stored: queue_refresh(jobs, context.views, stored, trigger="create"),
            )
        except WeaverUnavailable as exc:
            log.warning("loadCubes: %s", exc)
            raise ApiError(
                "the datasource's tables cannot be read from Weaver now; try again", code=WEAVER_UNAVAILABLE
            ) from exc
        errors = [
            UserError(field=p.file, message=p.message, code=UserErrorCode(p.code), line=p.line) for p in report.problems
        ]
        warnings = [
            CubeFileWarning(file=w.source, cube=w.cube, element=w.element, line=w.line, message=w.message)
            for w in report.warnings
        ]
        return LoadCubesPayload(cubes=[Cube.of(c) for c in report.cubes], user_errors=errors, warnings=warnings)

    @strawberry.mutation(
        description="Delete a cube with its materialized views, refresh runs, glossary links and "
        "cached pivots (admin role). An unknown cube is a NOT_FOUND user error."
    )
    async def delete_cube(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The cube's id or name.")],
    ) -> DeleteCubePayload:
        context = vision_context(info)
        if not context.caller.is_admin:
            raise Forbidden("deleteCube needs the admin role")
        try:
            stored = await find_cube(context, str(id))
        except NotFound:
            return DeleteCubePayload(
                deleted_id=None,
                user_errors=[UserError(field="id", code=UserErrorCode.NOT_FOUND, message="cube not found")],
            )
        await delete_cube(stored, cubes=context.cubes, views=context.views, cache=context.runtime.cache)
        return DeleteCubePayload(deleted_id=strawberry.ID(stored.id), user_errors=[])

    @strawberry.mutation(
        description="Queue a refresh of a cube's materialized view (built first if missing) and "
        "return its run at once, `pending`; a worker runs it (watch it with "
        "cubeRefreshes or Cube.refreshRuns) and drops the cube's cached pivots. "
        "Errors: NOT_FOUND, JOBS_UNAVAILABLE (no REDIS_URL)."
    )
    async def refresh_cube(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The cube's id.")]
    ) -> RefreshCubePayload:
        context = vision_context(info)
        stored = await find_cube(context, str(id))
        run = await queue_refresh(context.runtime.require_jobs(), context.views, stored, trigger="manual")
        return RefreshCubePayload(cube=Cube.of(stored), run=RefreshRun.of(run), user_errors=[])

    @strawberry.mutation(
        description="Link a cube's measure, calculated member or level to a term of Weaver's "
        "glossary (replacing its previous term). The member's `glossaryTerm` then "
        "resolves to it, and askPivot prompts carry the term's synonyms."
    )
    async def link_cube_term(
        self,
        info: strawberry.Info,
        input: Annotated[LinkCubeTermInput, strawberry.argument(description="The member and the term.")],
    ) -> CubeTermPayload:
        context = vision_context(info)
        stored = await find_cube(context, input.cube)
        errors = [e for e in [_member_problem(stored, input.member)] if e is not None]
        try:
            term_id = str(uuid.UUID(str(input.term_id)))
        except ValueError:
            errors.append(
                UserError(
                    field="termId",
                    code=UserErrorCode.BAD_USER_INPUT,
                    message="termId must be a glossary term id (UUID)",
                )
            )
        if not errors and not await _term_visible(context, term_id):
            errors.append(UserError(field="termId", code=UserErrorCode.NOT_FOUND, message="glossary term not found"))
        if errors:
            return CubeTermPayload(cube=Cube.of(stored), user_errors=errors)
        await context.terms.link(context.tenant_id, stored.id, input.member, term_id, linked_by=context.caller.subject)
        return CubeTermPayload(cube=Cube.of(stored), user_errors=[])

    @strawberry.mutation(description="Remove the glossary term of a cube member.")
    async def unlink_cube_term(
        self,
        info: strawberry.Info,
        cube: Annotated[str, strawberry.argument(description="The cube's id or name.")],
        member: Annotated[str, strawberry.argument(description="The member, named as in linkCubeTerm.")],
    ) -> CubeTermPayload:
        context = vision_context(info)
        stored = await find_cube(context, cube)
        if not await context.terms.unlink(context.tenant_id, stored.id, member):
            return CubeTermPayload(
                cube=Cube.of(stored),
                user_errors=[
                    UserError(
                        field="member",
                        code=UserErrorCode.NOT_FOUND,
                        message=f"{member!r} has no glossary term in {stored.name!r}",
                    )
                ],
            )
        return CubeTermPayload(cube=Cube.of(stored), user_errors=[])
