"""vision: materialized-view bookkeeping and refresh runs

Revision ID: v0002
Revises: v0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "v0002"
down_revision = "v0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The cubes' materialized views live apart from Vision's own tables.
    op.execute("CREATE SCHEMA IF NOT EXISTS vision_mv")
    op.execute(
        """
        ALTER TABLE vision.cubes
            ADD COLUMN view_version integer,
            ADD COLUMN last_refreshed_at timestamptz,
            ADD COLUMN refresh_status text
        """
    )
    op.execute("CREATE INDEX cubes_fact_table_idx ON vision.cubes (tenant_id, datasource_id, fact_schema, fact_table)")
    op.execute(
        """
        CREATE TABLE vision.refresh_runs (
            id uuid PRIMARY KEY,
            cube_id uuid NOT NULL REFERENCES vision.cubes (id) ON DELETE CASCADE,
            tenant_id text NOT NULL,
            trigger text NOT NULL,
            status text NOT NULL,
            started_at timestamptz NOT NULL DEFAULT now(),
            finished_at timestamptz,
            rows bigint,
            error text,
            dag_run_id text
        )
        """
    )
    op.execute("CREATE INDEX refresh_runs_cube_idx ON vision.refresh_runs (cube_id, started_at DESC)")


def downgrade() -> None:
    op.execute("DROP TABLE vision.refresh_runs")
    op.execute("DROP INDEX vision.cubes_fact_table_idx")
    op.execute(
        "ALTER TABLE vision.cubes DROP COLUMN view_version, DROP COLUMN last_refreshed_at, DROP COLUMN refresh_status"
    )
    op.execute("DROP SCHEMA vision_mv CASCADE")
