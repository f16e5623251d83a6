"""claim withdrawal and claw-backs

A filed claim not yet decided may be withdrawn (R24): its date and reason. A paid claim may be
clawed back by the ASP (R42): one `claw_back` row per ordre de reversement, and the claim keeps
the sum of its issued ones (`clawed_back`, 0 for the existing claims, which have none).

Revision ID: 6bbfc4adb651
Revises: 904eb55eaa9c
Create Date: 2026-12-02 07:35:00.000000
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "6bbfc4adb651"
down_revision: str | None = "904eb55eaa9c"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _decimal(precision: int, scale: int) -> Any:
    # text on SQLite, whose NUMERIC affinity would turn exact decimals into floats
    return sa.Numeric(precision, scale).with_variant(sa.String(precision + 2), "sqlite")


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no batch copy of `claim`, which others point to.
    op.add_column("claim", sa.Column("withdrawn_on", sa.Date(), nullable=True))
    op.add_column("claim", sa.Column("withdraw_reason", sa.Text(), nullable=True))
    op.add_column(
        "claim", sa.Column("clawed_back", _decimal(12, 2), server_default="0", nullable=False)
    )
    op.create_table(
        "claw_back",
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_account_id", sa.Uuid(), nullable=False),
        sa.Column("claim_id", sa.Uuid(), nullable=False),
        sa.Column("amount", _decimal(12, 2), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("noticed_on", sa.Date(), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=True),
        sa.Column("cancelled_on", sa.Date(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["claim_id"], ["claim.id"], name=op.f("fk_claw_back_claim_id_claim")
        ),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_claw_back_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claw_back")),
    )
    op.create_index(op.f("ix_claw_back_claim_id"), "claw_back", ["claim_id"], unique=False)
    op.create_index(
        "ix_claw_back_firm_account_id_id", "claw_back", ["firm_account_id", "id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_claw_back_firm_account_id_id", table_name="claw_back")
    op.drop_index(op.f("ix_claw_back_claim_id"), table_name="claw_back")
    op.drop_table("claw_back")
    # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): a batch copy of `claim` on SQLite
    # would drop the old table, and its lines with it (ON DELETE CASCADE).
    for column in ("clawed_back", "withdraw_reason", "withdrawn_on"):
        op.drop_column("claim", column)
