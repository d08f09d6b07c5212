"""weaver: metadata snapshots (one per successful sync)

Revision ID: w0002
Revises: w0001
Create Date: 2026-11-22
"""

from alembic import op

revision = "w0002"
down_revision = "w0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE weaver.snapshots (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            datasource_id uuid NOT NULL REFERENCES weaver.datasources (id) ON DELETE CASCADE,
            version integer NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            schema_count integer NOT NULL,
            table_count integer NOT NULL,
            column_count integer NOT NULL,
            foreign_key_count integer NOT NULL,
            catalog jsonb NOT NULL,
            CONSTRAINT snapshots_version_unique UNIQUE (datasource_id, version)
        )
        """
    )
    op.execute("CREATE INDEX snapshots_tenant_idx ON weaver.snapshots (tenant_id, datasource_id, version)")


def downgrade() -> None:
    op.execute("DROP TABLE weaver.snapshots")
