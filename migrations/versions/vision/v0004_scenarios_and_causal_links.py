"""vision: what-if scenarios (cases, scenarios, solve runs) and causal links between measures

Revision ID: v0004
Revises: v0003
Create Date: 2026-11-30
"""

from alembic import op

revision = "v0004"
down_revision = "v0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE vision.scenario_cases (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            name text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (tenant_id, name)
        )
        """
    )
    # `definition`: levers, outcome model (resolved: causal links are copied in when the scenario is created),
    # objective and constraints, as ScenarioDefinition.to_json().
    op.execute(
        """
        CREATE TABLE vision.scenarios (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            case_id uuid NOT NULL REFERENCES vision.scenario_cases (id) ON DELETE CASCADE,
            cube_id uuid NOT NULL REFERENCES vision.cubes (id) ON DELETE CASCADE,
            name text NOT NULL,
            definition jsonb NOT NULL,
            outcome_source text NOT NULL,
            created_by text,
            created_at timestamptz NOT NULL DEFAULT now(),
            UNIQUE (case_id, name)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE vision.scenario_runs (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            scenario_id uuid NOT NULL REFERENCES vision.scenarios (id) ON DELETE CASCADE,
            case_id uuid NOT NULL,
            status text NOT NULL,
            attempts int NOT NULL DEFAULT 0,
            requested_by text,
            requested_at timestamptz NOT NULL DEFAULT now(),
            started_at timestamptz,
            finished_at timestamptz,
            iterations int,
            objective double precision,
            is_feasible boolean,
            feasibility_score double precision,
            max_violation double precision,
            duration_ms double precision,
            method text,
            result jsonb,
            message text
        )
        """
    )
    op.execute("CREATE INDEX scenario_runs_scenario_idx ON vision.scenario_runs (scenario_id, requested_at DESC)")
    op.execute("CREATE INDEX scenario_runs_case_idx ON vision.scenario_runs (case_id, requested_at DESC)")
    # One row per (cube version, driver, outcome): the discovered statistics (recomputed after refreshes) and
    # the user's verdict (asserted with their own confidence, or rejected), which survives rediscovery.
    op.execute(
        """
        CREATE TABLE vision.causal_links (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            cube_id uuid NOT NULL REFERENCES vision.cubes (id) ON DELETE CASCADE,
            cube_version int NOT NULL,
            driver text NOT NULL,
            outcome text NOT NULL,
            lag int,
            coefficient double precision,
            p_value double precision,
            confidence double precision,
            outcome_base double precision,
            discovered_at timestamptz,
            verdict text,
            verdict_confidence double precision,
            verdict_coefficient double precision,
            decided_by text,
            decided_at timestamptz,
            UNIQUE (cube_id, cube_version, driver, outcome)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE vision.causal_links")
    op.execute("DROP TABLE vision.scenario_runs")
    op.execute("DROP TABLE vision.scenarios")
    op.execute("DROP TABLE vision.scenario_cases")
