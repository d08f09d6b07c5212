"""weaver: business glossary (terms, hierarchy, related terms, links to tables and columns)

Revision ID: w0003
Revises: w0002
Create Date: 2026-11-22
"""

from alembic import op

revision = "w0003"
down_revision = "w0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE weaver.glossary_terms (
            id uuid PRIMARY KEY,
            tenant_id text NOT NULL,
            name text NOT NULL,
            definition text NOT NULL DEFAULT '',
            synonyms text[] NOT NULL DEFAULT '{}',
            parent_id uuid REFERENCES weaver.glossary_terms (id) ON DELETE SET NULL,
            owner text,
            status text NOT NULL DEFAULT 'DRAFT' CHECK (status IN ('DRAFT', 'APPROVED', 'DEPRECATED')),
            created_at timestamptz NOT NULL DEFAULT now(),
            updated_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT glossary_terms_tenant_name_unique UNIQUE (tenant_id, name)
        )
        """
    )
    op.execute("CREATE INDEX glossary_terms_parent_idx ON weaver.glossary_terms (parent_id)")
    op.execute(
        """
        CREATE TABLE weaver.glossary_related (
            term_id uuid NOT NULL REFERENCES weaver.glossary_terms (id) ON DELETE CASCADE,
            related_id uuid NOT NULL REFERENCES weaver.glossary_terms (id) ON DELETE CASCADE,
            PRIMARY KEY (term_id, related_id),
            CHECK (term_id <> related_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE weaver.glossary_links (
            term_id uuid NOT NULL REFERENCES weaver.glossary_terms (id) ON DELETE CASCADE,
            tenant_id text NOT NULL,
            datasource_id uuid NOT NULL REFERENCES weaver.datasources (id) ON DELETE CASCADE,
            target_kind text NOT NULL CHECK (target_kind IN ('TABLE', 'COLUMN')),
            target_key text NOT NULL,
            created_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (term_id, target_key)
        )
        """
    )
    op.execute("CREATE INDEX glossary_links_target_idx ON weaver.glossary_links (tenant_id, target_key)")
    op.execute("CREATE INDEX glossary_links_datasource_idx ON weaver.glossary_links (datasource_id)")


def downgrade() -> None:
    op.execute("DROP TABLE weaver.glossary_links")
    op.execute("DROP TABLE weaver.glossary_related")
    op.execute("DROP TABLE weaver.glossary_terms")
