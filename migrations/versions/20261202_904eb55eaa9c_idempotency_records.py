"""idempotency records

The answers kept for retries of POSTs sent with an `Idempotency-Key`: one row per firm account
and key, claimed while its first request runs, then holding that request's answer.

Revision ID: 904eb55eaa9c
Revises: 5e9c0a7f3b21
Create Date: 2026-12-02 05:38:47.259308
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "904eb55eaa9c"
down_revision: str | None = "5e9c0a7f3b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "idempotency_record",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_account_id", sa.Uuid(), nullable=False),
        sa.Column("key", sa.String(length=255), nullable=False),
        sa.Column("method", sa.String(length=10), nullable=False),
        sa.Column("path", sa.Text(), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("headers", sa.Text(), nullable=True),
        sa.Column("body", sa.LargeBinary(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_idempotency_record")),
        sa.UniqueConstraint(
            "firm_account_id", "key", name=op.f("uq_idempotency_record_firm_account_id_key")
        ),
    )


def downgrade() -> None:
    op.drop_table("idempotency_record")
