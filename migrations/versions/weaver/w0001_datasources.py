"""weaver: schema and datasources

Revision ID: w0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op

revision = "w0001"
down_revision = None
branch_labels = ("weaver",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS weaver")
    op.execute(
        """
        CREATE TABLE weaver.datasources (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            name text NOT NULL,
            engine text NOT NULL,
            host text NOT NULL,
            port integer NOT NULL,
            database text NOT NULL,
            username text NOT NULL,
            password_encrypted text,
            options jsonb NOT NULL DEFAULT '{}'::jsonb,
            last_synced_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT datasources_tenant_name_unique UNIQUE (tenant_id, name)
        )
        """
    )
    op.execute("CREATE INDEX datasources_tenant_idx ON weaver.datasources (tenant_id, created_at, id)")


def downgrade() -> None:
    op.execute("DROP SCHEMA weaver CASCADE")
