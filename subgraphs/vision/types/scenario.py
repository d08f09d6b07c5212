"""GraphQL types of what-if scenarios."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry

from axiom.errors import NotFound
from subgraphs.vision.context import vision_context
from subgraphs.vision.store.scenarios import ScenarioCase as StoredCase
from subgraphs.vision.store.scenarios import ScenarioRun as StoredRun
from subgraphs.vision.store.scenarios import StoredScenario

if TYPE_CHECKING:
    from subgraphs.vision.types.cube import Cube

CubeType = Annotated["Cube", strawberry.lazy("subgraphs.vision.types.cube")]


@strawberry.enum(description="Where a scenario run is: queued, solving, or how it ended.")
class ScenarioStatus(Enum):
    PENDING = strawberry.enum_value("PENDING", description="Queued for a Vision worker.")
    RUNNING = strawberry.enum_value("RUNNING", description="A worker is solving it.")
    COMPLETED = strawberry.enum_value("COMPLETED", description="Solved: an optimum meeting every constraint.")
    INFEASIBLE = strawberry.enum_value("INFEASIBLE", description="No lever values meet every constraint.")
    TIMED_OUT = strawberry.enum_value(
        "TIMED_OUT", description="Stopped at `SCENARIO_SOLVER_TIMEOUT`; the best point so far is kept."
    )
    CANCELLED = strawberry.enum_value("CANCELLED", description="Stopped by cancelScenario; the best point is kept.")
    FAILED = strawberry.enum_value("FAILED", description="The solver failed; `message` says why.")


@strawberry.enum(description="Whether the objective is to be made as large or as small as possible.")
class ObjectiveSense(Enum):
    _value_: str  # the wire value, as Vision stores and compares it
    MAXIMIZE = strawberry.enum_value("maximize", description="As large as possible.")
    MINIMIZE = strawberry.enum_value("minimize", description="As small as possible.")


@strawberry.enum(description="Where a scenario's outcome model comes from.")
class OutcomeSource(Enum):
    _value_: str  # the wire value, as Vision stores and compares it
    CAUSAL_LINKS = strawberry.enum_value("causal_links", description="The cube's causal links, as elasticities.")
    COEFFICIENTS = strawberry.enum_value("coefficients", description="Coefficients given in createScenario.")


@strawberry.enum(description="How an outcome follows from its levers.")
class OutcomeForm(Enum):
    LINEAR = strawberry.enum_value("linear", description="intercept + Σ coefficient × lever.")
    ELASTICITY = strawberry.enum_value("elasticity", description="base × Π (lever / lever base) ^ elasticity.")


@strawberry.enum(description="The numerical method that solved a scenario.")
class SolverMethod(Enum):
    SLSQP = strawberry.enum_value("SLSQP", description="Sequential least squares programming (scipy).")


@strawberry.type(description="A value chosen or allowed for a lever.")
class Lever:
    name: str = strawberry.field(description="A driver measure of the cube or a named variable.")
    base: float = strawberry.field(description="Today's value; the solve starts here.")
    min: float = strawberry.field(description="Lowest allowed value.")
    max: float = strawberry.field(description="Highest allowed value.")
    is_measure: bool = strawberry.field(description="Whether the lever is a measure of the cube.")


@strawberry.type(description="One term of an outcome: coefficient (or elasticity) × lever.")
class OutcomeTerm:
    lever: str = strawberry.field(description="The lever.")
    coefficient: float = strawberry.field(description="Linear coefficient, or elasticity for causal outcomes.")


@strawberry.type(description="How an outcome follows from the levers.")
class OutcomeDefinition:
    name: str = strawberry.field(description="The outcome's name, used in expressions.")
    form: OutcomeForm = strawberry.field(description="How the outcome follows from the levers.")
    base: float = strawberry.field(description="The intercept (linear) or the outcome at the levers' bases.")
    terms: list[OutcomeTerm] = strawberry.field(description="The levers it depends on.")


@strawberry.type(description="A name with its value in a result.")
class NamedValue:
    name: str = strawberry.field(description="Lever or outcome name.")
    value: float = strawberry.field(description="Its value at the solution.")


@strawberry.type(description="One solve of a scenario. Every run is kept.")
class ScenarioRun:
    id: strawberry.ID = strawberry.field(description="The run's id.")
    status: ScenarioStatus = strawberry.field(
        description="PENDING → RUNNING → COMPLETED | INFEASIBLE | TIMED_OUT | CANCELLED | FAILED."
    )
    attempts: int = strawberry.field(description="Workers that started it (more than 1 after a worker died).")
    requested_at: datetime = strawberry.field(description="When runScenario queued it.")
    started_at: datetime | None = strawberry.field(description="When a worker last started it.")
    finished_at: datetime | None = strawberry.field(description="When it ended.")
    iterations: int | None = strawberry.field(description="SLSQP iterations.")
    objective: float | None = strawberry.field(description="The objective at the result.")
    is_feasible: bool | None = strawberry.field(description="Whether every constraint is met at the result.")
    feasibility_score: float | None = strawberry.field(
        description="1 when every constraint is met, towards 0 the further they are from being met "
        "(1 / (1 + Σ violations scaled by 1 + |left| + |right|))."
    )
    max_constraint_violation: float | None = strawberry.field(description="Largest scaled constraint violation.")
    duration_ms: float | None = strawberry.field(description="Solve time.")
    method: SolverMethod | None = strawberry.field(description="The solver method (null until it has ended).")
    levers: list[NamedValue] = strawberry.field(
        description="Lever values at the result (also the best point so far for TIMED_OUT and CANCELLED)."
    )
    outcomes: list[NamedValue] = strawberry.field(description="Outcome values at the result.")
    message: str | None = strawberry.field(description="The solver's message, or why it stopped or failed.")
    scenario_id: strawberry.Private[str]

    @classmethod
    def of(cls, run: StoredRun) -> ScenarioRun:
        values = run.result or {}
        return cls(
            id=strawberry.ID(run.id),
            status=ScenarioStatus(run.status),
            attempts=run.attempts,
            requested_at=run.requested_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            iterations=run.iterations,
            objective=run.objective,
            is_feasible=run.is_feasible,
            feasibility_score=run.feasibility_score,
            max_constraint_violation=run.max_violation,
            duration_ms=run.duration_ms,
            method=SolverMethod(run.method) if run.method else None,
            levers=[NamedValue(name=k, value=v) for k, v in values.get("levers", {}).items()],
            outcomes=[NamedValue(name=k, value=v) for k, v in values.get("outcomes", {}).items()],
            message=run.message,
            scenario_id=run.scenario_id,
        )

    @strawberry.field(description="The scenario solved (a scenario's runs are deleted with it).")
    async def scenario(self, info: strawberry.Info) -> Scenario:
        return await _scenario(info, self.scenario_id)


@strawberry.federation.type(
    keys=["id"],
    description="A what-if question on a cube: levers within bounds, an "
    "objective and constraints over an outcome model.",
)
class Scenario:
    id: strawberry.ID = strawberry.field(description="The scenario's id.")
    name: str = strawberry.field(description="Unique within its case.")
    case_id: strawberry.ID = strawberry.field(description="The case grouping it.")
    levers: list[Lever] = strawberry.field(description="The levers.")
    outcomes: list[OutcomeDefinition] = strawberry.field(
        description="The outcome model (causal links copied in when the scenario was created)."
    )
    outcome_source: OutcomeSource = strawberry.field(description="Where the outcome model came from.")
    sense: ObjectiveSense = strawberry.field(description="Maximize or minimize.")
    objective: str = strawberry.field(description="The objective expression.")
    constraints: list[str] = strawberry.field(description="Constraints, `<=`, `>=` or `=`.")
    created_at: datetime = strawberry.field(description="When it was created.")
    cube_id: strawberry.Private[str]

    @classmethod
    def of(cls, stored: StoredScenario) -> Scenario:
        d = stored.definition
        return cls(
            id=strawberry.ID(stored.id),
            name=stored.name,
            case_id=strawberry.ID(stored.case_id),
            levers=[Lever(name=x.name, base=x.base, min=x.min, max=x.max, is_measure=x.measure) for x in d.levers],
            outcomes=[
                OutcomeDefinition(
                    name=o.name,
                    form=OutcomeForm(o.form),
                    base=o.base,
                    terms=[OutcomeTerm(lever=t.lever, coefficient=t.coefficient) for t in o.terms],
                )
                for o in d.outcomes
            ],
            outcome_source=OutcomeSource(stored.outcome_source),
            sense=ObjectiveSense(d.sense),
            objective=d.objective,
            constraints=list(d.constraints),
            created_at=stored.created_at,
            cube_id=stored.cube_id,
        )

    @strawberry.field(description="The cube the scenario is about.")
    async def cube(self, info: strawberry.Info) -> CubeType:
        from subgraphs.vision.types.cube import existing_cube

        return await existing_cube(info, self.cube_id)

    @strawberry.field(description="The scenario's runs, newest first.")
    async def runs(
        self,
        info: strawberry.Info,
        first: Annotated[int, strawberry.argument(description="How many runs, 1 to 100.")] = 10,
    ) -> list[ScenarioRun]:
        context = vision_context(info)
        runs = await context.scenarios.runs(context.tenant_id, str(self.id), limit=max(1, min(first, 100)))
        return [ScenarioRun.of(run) for run in runs]

    @classmethod
    async def resolve_reference(cls, info: strawberry.Info, id: strawberry.ID) -> Scenario | None:
        context = vision_context(info)
        stored = await context.scenarios.get(context.tenant_id, str(id))
        return cls.of(stored) if stored else None


@strawberry.type(description="A group of scenarios compared with each other.")
class ScenarioCase:
    id: strawberry.ID = strawberry.field(description="The case's id.")
    name: str = strawberry.field(description="Unique within the tenant.")
    created_at: datetime = strawberry.field(description="When it was created.")

    @classmethod
    def of(cls, case: StoredCase) -> ScenarioCase:
        return cls(id=strawberry.ID(case.id), name=case.name, created_at=case.created_at)

    @strawberry.field(description="The case's scenarios, oldest first.")
    async def scenarios(self, info: strawberry.Info) -> list[Scenario]:
        context = vision_context(info)
        return [Scenario.of(s) for s in await context.scenarios.of_case(context.tenant_id, str(self.id))]


@strawberry.type(description="A scenario run's state, as the solver goes.")
class ScenarioProgress:
    run_id: strawberry.ID = strawberry.field(description="The run.")
    scenario_id: strawberry.ID = strawberry.field(description="Its scenario.")
    case_id: strawberry.ID = strawberry.field(description="Its case.")
    status: ScenarioStatus = strawberry.field(description="The run's status.")
    iteration: int = strawberry.field(description="SLSQP iterations so far.")
    objective: float | None = strawberry.field(description="The objective at the current point.")
    max_constraint_violation: float | None = strawberry.field(description="Largest scaled constraint violation.")
    elapsed: float = strawberry.field(description="Seconds since the solve started.")

    @classmethod
    def of(cls, event: dict) -> ScenarioProgress:
        return cls(
            run_id=strawberry.ID(event["run_id"]),
            scenario_id=strawberry.ID(event["scenario_id"]),
            case_id=strawberry.ID(event["case_id"]),
            status=ScenarioStatus(event["status"]),
            iteration=event["iteration"] or 0,
            objective=event["objective"],
            max_constraint_violation=event["max_violation"],
            elapsed=event["elapsed"] or 0.0,
        )

    @strawberry.field(description="The run as recorded (its result once it has ended).")
    async def run(self, info: strawberry.Info) -> ScenarioRun:
        context = vision_context(info)
        stored = await context.scenarios.run(str(self.run_id), context.tenant_id)
        if stored is None:  # deleted with its cube since the event
            raise NotFound("the scenario run was deleted")
        return ScenarioRun.of(stored)

    @strawberry.field(description="The scenario (and through it the cube and its fact table).")
    async def scenario(self, info: strawberry.Info) -> Scenario:
        return await _scenario(info, str(self.scenario_id))


async def _scenario(info: strawberry.Info, scenario_id: str) -> Scenario:
    context = vision_context(info)
    stored = await context.scenarios.get(context.tenant_id, scenario_id)
    if stored is None:  # deleted with its cube since the run was read
        raise NotFound("the scenario was deleted")
    return Scenario.of(stored)
