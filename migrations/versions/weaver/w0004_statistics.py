"""weaver: table and column statistics, one set per sync (history)

Revision ID: w0004
Revises: w0003
Create Date: 2026-11-22
"""

from alembic import op

revision = "w0004"
down_revision = "w0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE weaver.table_stats (
            id bigserial PRIMARY KEY,
            tenant_id text NOT NULL,
            datasource_id uuid NOT NULL REFERENCES weaver.datasources (id) ON DELETE CASCADE,
            snapshot_id uuid NOT NULL REFERENCES weaver.snapshots (id) ON DELETE CASCADE,
            table_key text NOT NULL,
            row_count bigint NOT NULL,
            sampled boolean NOT NULL,
            sample_size bigint,
            computed_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX table_stats_key_idx ON weaver.table_stats (tenant_id, table_key, computed_at DESC)")
    op.execute(
        """
        CREATE TABLE weaver.column_stats (
            table_stats_id bigint NOT NULL REFERENCES weaver.table_stats (id) ON DELETE CASCADE,
            column_key text NOT NULL,
            null_count bigint NOT NULL,
            null_ratio double precision,
            distinct_count bigint,
            min_value text,
            max_value text,
            PRIMARY KEY (table_stats_id, column_key)
        )
        """
    )
    op.execute("CREATE INDEX column_stats_key_idx ON weaver.column_stats (column_key)")


def downgrade() -> None:
    op.execute("DROP TABLE weaver.column_stats")
    op.execute("DROP TABLE weaver.table_stats")
