"""vision: schema and cubes

Revision ID: v0001
Revises:
Create Date: 2026-11-22
"""

from alembic import op

revision = "v0001"
down_revision = None
branch_labels = ("vision",)
depends_on = None


def upgrade() -> None:
    op.execute("CREATE SCHEMA IF NOT EXISTS vision")
    op.execute(
        """
        CREATE TABLE vision.cubes (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            name text NOT NULL,
            datasource_id uuid NOT NULL,
            fact_schema text NOT NULL,
            fact_table text NOT NULL,
            definition_xml text NOT NULL,
            definition jsonb NOT NULL,
            version integer NOT NULL DEFAULT 1,
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT cubes_tenant_name_unique UNIQUE (tenant_id, name)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP SCHEMA vision CASCADE")
