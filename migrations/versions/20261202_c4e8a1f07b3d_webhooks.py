"""Webhooks: endpoints, the outbox of deliveries, their attempts and the daily scan's marks

A firm's endpoints (URL, event types, the signing secret encrypted with the NIR keys, enabled or
disabled with the reason); one delivery per message and endpoint, written in the transaction
of the change it announces, with its lease (claimed by a worker) and its next attempt; every
attempt (status code, duration, the answer's first 1,024 characters, the error), at most one
row per attempt number; the announcements of the daily scan already made.

Revision ID: c4e8a1f07b3d
Revises: c4d2a8e61f37
Create Date: 2026-12-02 11:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4e8a1f07b3d"
down_revision: str | None = "c4d2a8e61f37"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _firm() -> sa.Column:
    return sa.Column("firm_account_id", sa.Uuid(), nullable=False)


def upgrade() -> None:
    op.create_table(
        "webhook_endpoint",
        sa.Column("id", sa.Uuid(), nullable=False),
        _firm(),
        sa.Column("url", sa.String(length=2000), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=True),
        sa.Column("event_types", sa.String(length=1000), nullable=False),
        sa.Column("secret", sa.String(length=500), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_reason", sa.String(length=300), nullable=True),
        sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_webhook_endpoint_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_endpoint")),
    )
    op.create_index(
        "ix_webhook_endpoint_firm_account_id_id", "webhook_endpoint", ["firm_account_id", "id"]
    )
    op.create_table(
        "webhook_scan_mark",
        sa.Column("id", sa.Uuid(), nullable=False),
        _firm(),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_webhook_scan_mark_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_scan_mark")),
        sa.UniqueConstraint("firm_account_id", "key", name="uq_webhook_scan_mark"),
    )
    op.create_table(
        "webhook_delivery",
        sa.Column("id", sa.Uuid(), nullable=False),
        _firm(),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("message_id", sa.String(length=60), nullable=False),
        sa.Column("event_type", sa.String(length=60), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("lease_token", sa.Uuid(), nullable=True),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_delivery_endpoint_id_webhook_endpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_webhook_delivery_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_delivery")),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_delivery", ["status", "next_attempt_at"])
    op.create_index("ix_webhook_delivery_endpoint", "webhook_delivery", ["endpoint_id", "id"])
    op.create_table(
        "webhook_attempt",
        sa.Column("id", sa.Uuid(), nullable=False),
        _firm(),
        sa.Column("endpoint_id", sa.Uuid(), nullable=False),
        sa.Column("delivery_id", sa.Uuid(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("attempted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.Column("response_excerpt", sa.String(length=1024), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["webhook_delivery.id"],
            name=op.f("fk_webhook_attempt_delivery_id_webhook_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["webhook_endpoint.id"],
            name=op.f("fk_webhook_attempt_endpoint_id_webhook_endpoint"),
        ),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_webhook_attempt_firm_account_id_firm_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_attempt")),
        sa.UniqueConstraint("delivery_id", "number", name="uq_webhook_attempt_delivery_id_number"),
    )
    op.create_index(
        "ix_webhook_attempt_endpoint", "webhook_attempt", ["firm_account_id", "endpoint_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_webhook_attempt_endpoint", table_name="webhook_attempt")
    op.drop_table("webhook_attempt")
    op.drop_index("ix_webhook_delivery_endpoint", table_name="webhook_delivery")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_delivery")
    op.drop_table("webhook_delivery")
    op.drop_table("webhook_scan_mark")
    op.drop_index("ix_webhook_endpoint_firm_account_id_id", table_name="webhook_endpoint")
    op.drop_table("webhook_endpoint")
