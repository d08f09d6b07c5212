"""Scenario cases, scenarios and their solve runs in PostgreSQL, always read and written for one tenant
(except by jobs, which carry only a run id)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

import orjson
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from subgraphs.vision.scenarios.model import ScenarioDefinition

PENDING, RUNNING = "PENDING", "RUNNING"
TERMINAL = ("COMPLETED", "INFEASIBLE", "TIMED_OUT", "CANCELLED", "FAILED")

_SCENARIO_COLUMNS = "id, tenant_id, case_id, cube_id, name, definition, outcome_source, created_by, created_at"
_RUN_COLUMNS = (
    "id, tenant_id, scenario_id, case_id, status, attempts, requested_by, requested_at, started_at, "
    "finished_at, iterations, objective, is_feasible, feasibility_score, max_violation, duration_ms, "
    "method, result, message"
)


@dataclass(frozen=True)
class ScenarioCase:
    id: str
    tenant_id: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class StoredScenario:
    id: str
    tenant_id: str
    case_id: str
    cube_id: str
    name: str
    definition: ScenarioDefinition
    outcome_source: str
    created_by: str | None
    created_at: datetime


@dataclass(frozen=True)
class ScenarioRun:
    id: str
    tenant_id: str
    scenario_id: str
    case_id: str
    status: str
    attempts: int
    requested_by: str | None
    requested_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    iterations: int | None
    objective: float | None
    is_feasible: bool | None
    feasibility_score: float | None
    max_violation: float | None
    duration_ms: float | None
    method: str | None
    result: dict | None  # {"levers": {name: value}, "outcomes": {name: value}}
    message: str | None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


class DuplicateName(Exception):
    """A scenario of that name exists in the case already."""


def _ids(data: dict, *names: str) -> dict:
    for name in names:
        if data.get(name) is not None:
            data[name] = str(data[name])
    return data


def _json(value):
    return orjson.loads(value) if isinstance(value, (str, bytes)) else value


def _scenario(row) -> StoredScenario:
    data = _ids(dict(row._mapping), "id", "case_id", "cube_id")
    data["definition"] = ScenarioDefinition.from_json(_json(data["definition"]))
    return StoredScenario(**data)


def _run(row) -> ScenarioRun:
    data = _ids(dict(row._mapping), "id", "scenario_id", "case_id")
    data["result"] = _json(data["result"])
    return ScenarioRun(**data)


class ScenarioStore:
    def __init__(self, engine: AsyncEngine):
        self.engine = engine

    async def ensure_case(self, tenant_id: str, name: str) -> ScenarioCase:
        """The tenant's case of that name, created if new."""
        async with self.engine.begin() as conn:
            await conn.execute(
                text(
                    "INSERT INTO vision.scenario_cases (id, tenant_id, name) VALUES (:id, :t, :n) "
                    "ON CONFLICT (tenant_id, name) DO NOTHING"
                ),
                {"id": str(uuid.uuid4()), "t": tenant_id, "n": name},
            )
            row = (
                await conn.execute(
                    text(
                        "SELECT id, tenant_id, name, created_at FROM vision.scenario_cases "
                        "WHERE tenant_id = :t AND name = :n"
                    ),
                    {"t": tenant_id, "n": name},
                )
            ).one()
        return ScenarioCase(**_ids(dict(row._mapping), "id"))

    async def case(self, tenant_id: str, case_id: str) -> ScenarioCase | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        "SELECT id, tenant_id, name, created_at FROM vision.scenario_cases "
                        "WHERE tenant_id = :t AND id = CAST(:id AS uuid)"
                    ),
                    {"t": tenant_id, "id": case_id},
                )
            ).one_or_none()
        return ScenarioCase(**_ids(dict(row._mapping), "id")) if row is not None else None

    async def create(
        self,
        tenant_id: str,
        case: ScenarioCase,
        cube_id: str,
        name: str,
        definition: ScenarioDefinition,
        *,
        outcome_source: str,
        created_by: str | None,
    ) -> StoredScenario:
        """Store a scenario; raises DuplicateName when the case has one of that name."""
        try:
            async with self.engine.begin() as conn:
                row = (
                    await conn.execute(
                        text(
                            f"INSERT INTO vision.scenarios (id, tenant_id, case_id, cube_id, name, definition, "
                            f"outcome_source, created_by) VALUES (:id, :t, :case, :cube, :name, CAST(:definition AS "
                            f"jsonb), :source, :by) RETURNING {_SCENARIO_COLUMNS}"
                        ),
                        {
                            "id": str(uuid.uuid4()),
                            "t": tenant_id,
                            "case": case.id,
                            "cube": cube_id,
                            "name": name,
                            "definition": orjson.dumps(definition.to_json()).decode(),
                            "source": outcome_source,
                            "by": created_by,
                        },
                    )
                ).one()
        except IntegrityError as exc:
            raise DuplicateName(name) from exc
        return _scenario(row)

    async def get(self, tenant_id: str, scenario_id: str) -> StoredScenario | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(
                        f"SELECT {_SCENARIO_COLUMNS} FROM vision.scenarios WHERE tenant_id = :t "
                        f"AND id = CAST(:id AS uuid)"
                    ),
                    {"t": tenant_id, "id": scenario_id},
                )
            ).one_or_none()
        return _scenario(row) if row is not None else None

    async def of_case(self, tenant_id: str, case_id: str) -> list[StoredScenario]:
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    f"SELECT {_SCENARIO_COLUMNS} FROM vision.scenarios WHERE tenant_id = :t "
                    f"AND case_id = CAST(:id AS uuid) ORDER BY created_at, id"
                ),
                {"t": tenant_id, "id": case_id},
            )
            return [_scenario(row) for row in result]

    async def create_run(self, scenario: StoredScenario, *, requested_by: str | None) -> ScenarioRun:
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"INSERT INTO vision.scenario_runs (id, tenant_id, scenario_id, case_id, status, requested_by) "
                        f"VALUES (:id, :t, :s, :c, 'PENDING', :by) RETURNING {_RUN_COLUMNS}"
                    ),
                    {
                        "id": str(uuid.uuid4()),
                        "t": scenario.tenant_id,
                        "s": scenario.id,
                        "c": scenario.case_id,
                        "by": requested_by,
                    },
                )
            ).one()
        return _run(row)

    async def run(self, run_id: str, tenant_id: str | None = None) -> ScenarioRun | None:
        """A run by id; scoped to `tenant_id` when given (jobs pass none: they only know the run id)."""
        scope = " AND tenant_id = :t" if tenant_id is not None else ""
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(
                    text(f"SELECT {_RUN_COLUMNS} FROM vision.scenario_runs WHERE id = CAST(:id AS uuid){scope}"),
                    {"id": run_id, "t": tenant_id},
                )
            ).one_or_none()
        return _run(row) if row is not None else None

    async def scenario_of_run(self, run: ScenarioRun) -> StoredScenario | None:
        return await self.get(run.tenant_id, run.scenario_id)

    async def runs(self, tenant_id: str, scenario_id: str, limit: int = 10) -> list[ScenarioRun]:
        """The scenario's runs, newest first."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    f"SELECT {_RUN_COLUMNS} FROM vision.scenario_runs WHERE tenant_id = :t "
                    f"AND scenario_id = CAST(:s AS uuid) ORDER BY requested_at DESC, id "
                    f"LIMIT :limit"
                ),
                {"t": tenant_id, "s": scenario_id, "limit": limit},
            )
            return [_run(row) for row in result]

    async def latest_runs_of_case(self, tenant_id: str, case_id: str) -> list[ScenarioRun]:
        """The latest run of each scenario of the case, oldest first."""
        async with self.engine.connect() as conn:
            result = await conn.execute(
                text(
                    f"SELECT * FROM (SELECT DISTINCT ON (scenario_id) {_RUN_COLUMNS} FROM vision.scenario_runs "
                    f"WHERE tenant_id = :t AND case_id = CAST(:c AS uuid) ORDER BY scenario_id, requested_at DESC, id) "
                    f"latest ORDER BY requested_at, id"
                ),
                {"t": tenant_id, "c": case_id},
            )
            return [_run(row) for row in result]

    async def claim(self, run_id: str) -> ScenarioRun | None:
        """Mark the run RUNNING for one more attempt; None when it has finished (or was cancelled) already."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"UPDATE vision.scenario_runs SET status = 'RUNNING', attempts = attempts + 1, "
                        f"started_at = clock_timestamp() WHERE id = CAST(:id AS uuid) AND status IN ('PENDING', "
                        f"'RUNNING') RETURNING {_RUN_COLUMNS}"
                    ),
                    {"id": run_id},
                )
            ).one_or_none()
        return _run(row) if row is not None else None

    async def finish(self, run_id: str, result) -> ScenarioRun | None:
        """Record a solve's result (a `solver.SolveResult`) on a RUNNING run."""
        values = {"levers": result.levers, "outcomes": result.outcomes} if result.levers else None
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"UPDATE vision.scenario_runs SET status = :status, finished_at = clock_timestamp(), "
                        f"iterations = :iterations, objective = :objective, is_feasible = :feasible, "
                        f"feasibility_score = :score, max_violation = :violation, duration_ms = :duration, "
                        f"method = :method, result = CAST(:result AS jsonb), message = :message "
                        f"WHERE id = CAST(:id AS uuid) AND status = 'RUNNING' RETURNING {_RUN_COLUMNS}"
                    ),
                    {
                        "id": run_id,
                        "status": result.status,
                        "iterations": result.iterations,
                        "objective": result.objective,
                        "feasible": result.is_feasible,
                        "score": result.feasibility_score,
                        "violation": result.max_violation if result.max_violation == result.max_violation else None,
                        "duration": result.duration_ms,
                        "method": result.method,
                        "result": orjson.dumps(values).decode() if values else None,
                        "message": result.message[:1000],
                    },
                )
            ).one_or_none()
        return _run(row) if row is not None else None

    async def cancel_pending(self, tenant_id: str, run_id: str) -> ScenarioRun | None:
        """Cancel a run no worker has started; None when it is running or finished."""
        async with self.engine.begin() as conn:
            row = (
                await conn.execute(
                    text(
                        f"UPDATE vision.scenario_runs SET status = 'CANCELLED', finished_at = clock_timestamp(), "
                        f"message = 'cancelled' WHERE id = CAST(:id AS uuid) AND tenant_id = :t AND status = 'PENDING' "
                        f"RETURNING {_RUN_COLUMNS}"
                    ),
                    {"id": run_id, "t": tenant_id},
                )
            ).one_or_none()
        return _run(row) if row is not None else None
