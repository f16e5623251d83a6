"""API clients (OAuth2 client credentials) and the API client as an audit event's actor

Each firm's machine clients (payroll software): the SHA-256 digest of their secret (and of the
previous one during its grace period after a rotation), the role and scopes they act with,
their expiry, last use and revocation. An audit event names the API client that made the change
in `actor_api_client_id` (then `actor_id`, a user's, is null). A plain ADD COLUMN: a batch copy
of audit_event is not needed for a nullable column.

Revision ID: 7a1c5e3f9d20
Revises: eb7bb0069847
Create Date: 2026-12-02 08:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7a1c5e3f9d20"
down_revision: str | None = "eb7bb0069847"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "api_client",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("firm_account_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("scope", sa.String(length=1000), nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("previous_secret_hash", sa.String(length=64), nullable=True),
        sa.Column("previous_secret_valid_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("row_version", sa.Integer(), server_default="1", nullable=False),
        sa.ForeignKeyConstraint(
            ["firm_account_id"],
            ["firm_account.id"],
            name=op.f("fk_api_client_firm_account_id_firm_account"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["user_account.id"], name=op.f("fk_api_client_created_by_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_client")),
    )
    op.create_index(
        "ix_api_client_firm_account_id_id", "api_client", ["firm_account_id", "id"], unique=False
    )
    op.add_column("audit_event", sa.Column("actor_api_client_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35), no batch copy of audit_event.
    op.drop_column("audit_event", "actor_api_client_id")
    op.drop_index("ix_api_client_firm_account_id_id", table_name="api_client")
    op.drop_table("api_client")
