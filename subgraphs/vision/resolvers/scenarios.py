"""Scenario queries, mutations and subscriptions (merged into the Vision schema)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncGenerator
from typing import Annotated

import strawberry

from axiom.errors import NotFound
from axiom.graphql_types import UserError, UserErrorCode
from subgraphs.vision.context import VisionContext, vision_context
from subgraphs.vision.resolvers.cubes import find_cube
from subgraphs.vision.scenarios import model
from subgraphs.vision.scenarios.progress import case_topic, publish_run_event, run_event, scenario_topic
from subgraphs.vision.scenarios.solve_job import queue_solve, request_cancel, solve_job_key
from subgraphs.vision.store.scenarios import TERMINAL, DuplicateName
from subgraphs.vision.types.scenario import (
    ObjectiveSense,
    OutcomeSource,
    Scenario,
    ScenarioCase,
    ScenarioProgress,
    ScenarioRun,
)

MAX_CASE_NAME = 100


@strawberry.input(description="A lever: a driver measure of the cube or a named variable, with its bounds.")
class LeverInput:
    name: str = strawberry.field(description="Measure name (for causal outcome models) or any variable name.")
    base: float = strawberry.field(description="Today's value; the solve starts here.")
    min: float = strawberry.field(description="Lowest allowed value.")
    max: float = strawberry.field(description="Highest allowed value.")


@strawberry.input(description="What to optimise.")
class ObjectiveInput:
    sense: ObjectiveSense = strawberry.field(description="MAXIMIZE or MINIMIZE.")
    expression: str = strawberry.field(description="Over levers and outcomes, e.g. `Revenue - [Ad Spend]`.")


@strawberry.input(description="A coefficient of an outcome on a lever.")
class CoefficientInput:
    lever: str = strawberry.field(description="The lever's name.")
    coefficient: float = strawberry.field(description="The outcome's change per unit of the lever.")


@strawberry.input(description="A linear outcome: intercept + Σ coefficient × lever.")
class OutcomeInput:
    name: str = strawberry.field(description="The outcome's name, used in expressions.")
    intercept: float = strawberry.field(default=0.0, description="The outcome with every lever at 0.")
    coefficients: list[CoefficientInput] = strawberry.field(description="Its coefficients.")


@strawberry.input(description="Where the outcomes come from.")
class OutcomeModelInput:
    source: OutcomeSource = strawberry.field(
        description="CAUSAL_LINKS (the cube's usable links from the levers' measures) or COEFFICIENTS (given here)."
    )
    outcomes: list[OutcomeInput] = strawberry.field(default_factory=list, description="The outcomes, for COEFFICIENTS.")


@strawberry.input(description="A new scenario.")
class CreateScenarioInput:
    cube: str = strawberry.field(description="The cube's id or name.")
    case: str = strawberry.field(description="The case's name (created if new).")
    name: str = strawberry.field(description="The scenario's name, unique within the case.")
    levers: list[LeverInput] = strawberry.field(description="1 to 100 levers.")
    objective: ObjectiveInput = strawberry.field(description="The objective.")
    constraints: list[str] = strawberry.field(
        default_factory=list, description="Up to 100, e.g. `Price <= 1.2 * 10`, `Units >= 500`."
    )
    outcome_model: OutcomeModelInput = strawberry.field(description="The outcome model.")


@strawberry.type(description="The outcome of createScenario.")
class CreateScenarioPayload:
    scenario: Scenario | None = strawberry.field(description="The scenario, unless userErrors.")
    user_errors: list[UserError] = strawberry.field(
        description="What is wrong with the input (expressions: the token's position)."
    )


@strawberry.type(description="The outcome of runScenario / cancelScenario.")
class ScenarioRunPayload:
    run: ScenarioRun | None = strawberry.field(description="The run (PENDING when just queued).")
    user_errors: list[UserError] = strawberry.field(description="Why nothing was done.")


def _error(
    field: str, message: str, code: UserErrorCode = UserErrorCode.BAD_USER_INPUT, position: int | None = None
) -> UserError:
    return UserError(field=field, message=message, code=code, position=position)


def _given_outcomes(outcome_model: OutcomeModelInput) -> tuple[model.Outcome, ...]:
    return tuple(
        model.Outcome(
            o.name, model.LINEAR, o.intercept, tuple(model.Term(c.lever, c.coefficient) for c in o.coefficients)
        )
        for o in outcome_model.outcomes
    )


async def _outcomes(context: VisionContext, cube, input: CreateScenarioInput, levers) -> tuple[tuple, list[UserError]]:
    if input.outcome_model.source == OutcomeSource.COEFFICIENTS:
        if not input.outcome_model.outcomes:
            return (), [_error("outcomeModel.outcomes", "COEFFICIENTS needs at least one outcome")]
        return _given_outcomes(input.outcome_model), []
    from subgraphs.vision.causal.outcomes import causal_outcomes

    outcomes = await causal_outcomes(context, cube, levers)
    if not outcomes:
        return (), [
            _error(
                "outcomeModel",
                f"no usable causal link (confidence ≥ "
                f"{context.settings.causal_min_confidence:g}) leads from a lever's measure "
                f"in cube {cube.name!r}; discover links or give coefficients",
            )
        ]
    return outcomes, []


async def create_scenario(context: VisionContext, input: CreateScenarioInput) -> CreateScenarioPayload:
    cube = await find_cube(context, input.cube)
    errors = []
    if not input.case.strip() or len(input.case) > MAX_CASE_NAME:
        errors.append(_error("case", f"a case name has 1 to {MAX_CASE_NAME} characters"))
    if not input.name.strip() or len(input.name) > model.MAX_NAME:
        errors.append(_error("name", f"a scenario name has 1 to {model.MAX_NAME} characters"))
    if len(input.levers) > model.MAX_LEVERS or len(input.constraints) > model.MAX_CONSTRAINTS:
        errors.append(_error("levers", f"at most {model.MAX_LEVERS} levers and {model.MAX_CONSTRAINTS} constraints"))
        return CreateScenarioPayload(scenario=None, user_errors=errors)
    measures = set(cube.model.member_names)
    levers = tuple(model.Lever(x.name, x.base, x.min, x.max, measure=x.name in measures) for x in input.levers)
    outcomes, outcome_errors = await _outcomes(context, cube, input, levers)
    errors += outcome_errors
    definition = model.ScenarioDefinition(
        levers, outcomes, input.objective.sense.value, input.objective.expression, tuple(input.constraints)
    )
    if not outcome_errors:
        errors += [_error(p.field, p.message, position=p.position) for p in model.check_definition(definition)]
    if errors:
        return CreateScenarioPayload(scenario=None, user_errors=errors)
    case = await context.scenarios.ensure_case(context.tenant_id, input.case.strip())
    try:
        stored = await context.scenarios.create(
            context.tenant_id,
            case,
            cube.id,
            input.name.strip(),
            definition,
            outcome_source=input.outcome_model.source.value,
            created_by=context.caller.subject,
        )
    except DuplicateName:
        return CreateScenarioPayload(
            scenario=None,
            user_errors=[
                _error(
                    "name",
                    f"case {case.name!r} has a scenario named {input.name.strip()!r} already",
                    UserErrorCode.DUPLICATE,
                )
            ],
        )
    return CreateScenarioPayload(scenario=Scenario.of(stored), user_errors=[])


def _uuid(value) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError as exc:
        raise NotFound("not found") from exc


@strawberry.type
class ScenarioQuery:
    @strawberry.field(description="A scenario by id. NOT_FOUND when unknown (or another tenant's).")
    async def scenario(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The scenario's id.")]
    ) -> Scenario:
        context = vision_context(info)
        stored = await context.scenarios.get(context.tenant_id, _uuid(id))
        if stored is None:
            raise NotFound("scenario not found")
        return Scenario.of(stored)

    @strawberry.field(description="A case by id, with its scenarios. NOT_FOUND when unknown.")
    async def scenario_case(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The case's id.")]
    ) -> ScenarioCase:
        context = vision_context(info)
        case = await context.scenarios.case(context.tenant_id, _uuid(id))
        if case is None:
            raise NotFound("case not found")
        return ScenarioCase.of(case)

    @strawberry.field(description="A scenario run by id (status, result). NOT_FOUND when unknown.")
    async def scenario_run(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The run's id.")]
    ) -> ScenarioRun:
        context = vision_context(info)
        run = await context.scenarios.run(_uuid(id), context.tenant_id)
        if run is None:
            raise NotFound("scenario run not found")
        return ScenarioRun.of(run)


@strawberry.type
class ScenarioMutation:
    @strawberry.mutation(
        description="Create a what-if scenario in a case. Expressions are checked here: mistakes "
        "are userErrors with the token's position. Errors: NOT_FOUND (cube)."
    )
    async def create_scenario(
        self,
        info: strawberry.Info,
        input: Annotated[CreateScenarioInput, strawberry.argument(description="The scenario.")],
    ) -> CreateScenarioPayload:
        return await create_scenario(vision_context(info), input)

    @strawberry.mutation(
        description="Queue a solve of the scenario (SLSQP, SCENARIO_SOLVER_TIMEOUT) and return "
        "the run at once, PENDING; follow it with scenarioProgress. Errors: NOT_FOUND, "
        "JOBS_UNAVAILABLE."
    )
    async def run_scenario(
        self, info: strawberry.Info, id: Annotated[strawberry.ID, strawberry.argument(description="The scenario's id.")]
    ) -> ScenarioRunPayload:
        context = vision_context(info)
        scenario = await context.scenarios.get(context.tenant_id, _uuid(id))
        if scenario is None:
            raise NotFound("scenario not found")
        run = await queue_solve(
            context.runtime.require_jobs(),
            context.scenarios,
            context.runtime.bus,
            scenario,
            requested_by=context.caller.subject,
            solver_timeout=context.settings.scenario_solver_timeout,
        )
        return ScenarioRunPayload(run=ScenarioRun.of(run), user_errors=[])

    @strawberry.mutation(
        description="Cancel a scenario run: a queued run at once, a running solve within a "
        "second (it ends CANCELLED with the best point so far). Errors: NOT_FOUND."
    )
    async def cancel_scenario(
        self, info: strawberry.Info, run_id: Annotated[strawberry.ID, strawberry.argument(description="The run's id.")]
    ) -> ScenarioRunPayload:
        context = vision_context(info)
        jobs = context.runtime.require_jobs()
        run = await context.scenarios.run(_uuid(run_id), context.tenant_id)
        if run is None:
            raise NotFound("scenario run not found")
        if run.finished:
            return ScenarioRunPayload(
                run=ScenarioRun.of(run),
                user_errors=[
                    _error("runId", f"the run has ended already ({run.status})", UserErrorCode.NOT_CANCELLABLE)
                ],
            )
        cancelled = await context.scenarios.cancel_pending(context.tenant_id, run.id)
        if cancelled is not None:
            await jobs.abort(solve_job_key(run.id), "cancelled")
            await publish_run_event(context.runtime.bus, run_event(cancelled))
            return ScenarioRunPayload(run=ScenarioRun.of(cancelled), user_errors=[])
        await request_cancel(jobs.redis, run.id)
        current = await context.scenarios.run(run.id, context.tenant_id)
        if current is None:  # deleted (with its scenario) meanwhile
            raise NotFound("scenario run not found")
        return ScenarioRunPayload(run=ScenarioRun.of(current), user_errors=[])


_STAGE = {"PENDING": 0, "RUNNING": 1}  # then any terminal status, which ends a run's events


class _Sent:
    """What a progress stream has sent per run, so that no state is sent twice."""

    def __init__(self):
        self.last: dict[str, tuple] = {}

    def fresh(self, event: dict) -> bool:
        """Whether the event is newer than what was sent of its run: a late subscriber's first (latest) state may
        already be ahead of live events still on their way, which must then be skipped, not sent out of order.
        (A run retried after a worker died restarts its iterations: its progress shows again once past them.)"""
        key = (_STAGE.get(event["status"], len(_STAGE)), event["iteration"] or 0)
        previous = self.last.get(event["run_id"])
        if previous is not None and (previous[0] >= len(_STAGE) or key <= previous):
            return False
        self.last[event["run_id"]] = key
        return True


async def _initial_scenario_event(context: VisionContext, scenario_id: str) -> dict | None:
    runs = await context.scenarios.runs(context.tenant_id, scenario_id, limit=1)
    if not runs:
        return None
    kept = await context.runtime.bus.latest(scenario_topic(context.tenant_id, scenario_id))
    # Redis keeps iteration and objective of a running solve; PostgreSQL has the last word on the status.
    if kept is not None and kept["run_id"] == runs[0].id and (kept["status"] in TERMINAL or not runs[0].finished):
        return kept
    return run_event(runs[0])


@strawberry.type
class ScenarioSubscription:
    @strawberry.subscription(
        description="A scenario's latest run: first its current state, then each change "
        "(status, iteration, objective, max constraint violation, elapsed); "
        "completes when the run ends. Errors: NOT_FOUND."
    )
    async def scenario_progress(
        self,
        info: strawberry.Info,
        scenario_id: Annotated[strawberry.ID, strawberry.argument(description="The scenario's id.")],
    ) -> AsyncGenerator[ScenarioProgress, None]:
        context = vision_context(info)
        if await context.scenarios.get(context.tenant_id, _uuid(scenario_id)) is None:
            raise NotFound("scenario not found")
        stream = context.runtime.bus.stream(scenario_topic(context.tenant_id, str(scenario_id)))
        await stream.open()  # before reading the latest state, so that no event falls between the two
        try:
            sent = _Sent()
            first = await _initial_scenario_event(context, str(scenario_id))
            if first is not None:
                stream.seen(first)
                sent.fresh(first)
                yield ScenarioProgress.of(first)
                if first["status"] in TERMINAL:
                    return
            async for event in stream:
                if sent.fresh(event):
                    yield ScenarioProgress.of(event)
                if event["status"] in TERMINAL:
                    return
        finally:
            await stream.close()

    @strawberry.subscription(
        description="Every scenario run of a case: first the latest run of each scenario, "
        "then each change; completes when no run of the case is queued or "
        "running. Errors: NOT_FOUND."
    )
    async def case_progress(
        self,
        info: strawberry.Info,
        case_id: Annotated[strawberry.ID, strawberry.argument(description="The case's id.")],
    ) -> AsyncGenerator[ScenarioProgress, None]:
        context = vision_context(info)
        if await context.scenarios.case(context.tenant_id, _uuid(case_id)) is None:
            raise NotFound("case not found")
        stream = context.runtime.bus.stream(case_topic(context.tenant_id, str(case_id)))
        await stream.open()
        try:
            sent, active = _Sent(), set()
            for run in await context.scenarios.latest_runs_of_case(context.tenant_id, str(case_id)):
                event = await _initial_scenario_event(context, run.scenario_id) or run_event(run)
                sent.fresh(event)
                if event["status"] not in TERMINAL:
                    active.add(event["run_id"])
                yield ScenarioProgress.of(event)
            if not active:
                return
            async for event in stream:
                if sent.fresh(event):
                    yield ScenarioProgress.of(event)
                (active.discard if event["status"] in TERMINAL else active.add)(event["run_id"])
                if not active:
                    return
        finally:
            await stream.close()
