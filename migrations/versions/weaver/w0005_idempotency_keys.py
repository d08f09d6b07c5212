"""weaver: Idempotency-Key records in PostgreSQL (they must outlive a Redis outage and a restart)

Revision ID: w0005
Revises: w0004
Create Date: 2026-12-01
"""

from alembic import op

revision = "w0005"
down_revision = "w0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE weaver.idempotency_keys (
            key text PRIMARY KEY,
            value text NOT NULL,
            expires_at timestamptz NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX idempotency_keys_expiry_idx ON weaver.idempotency_keys (expires_at)")


def downgrade() -> None:
    op.execute("DROP TABLE weaver.idempotency_keys")
