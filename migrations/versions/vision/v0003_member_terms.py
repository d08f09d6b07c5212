"""vision: glossary terms linked to cube members

Revision ID: v0003
Revises: v0002
Create Date: 2026-11-23
"""

from alembic import op

revision = "v0003"
down_revision = "v0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # `member` is a measure or calculated member name, or a level as `Dimension.Level`; `term_id` is the id of
    # a Weaver GlossaryTerm of the same tenant (Weaver resolves it; a deleted term resolves to null).
    op.execute(
        """
        CREATE TABLE vision.member_terms (
            cube_id uuid NOT NULL REFERENCES vision.cubes (id) ON DELETE CASCADE,
            member text NOT NULL,
            tenant_id text NOT NULL,
            term_id uuid NOT NULL,
            linked_by text,
            linked_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (cube_id, member)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE vision.member_terms")
