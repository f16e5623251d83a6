"""user token generation

Each user carries a token generation, written into every access token and bumped when the user
is deactivated, changes role or gets a new password: tokens of an older generation are refused,
so reactivating a user does not revive the tokens issued before.

Revision ID: 8da24c9aa8a9
Revises: d8b73728b729
Create Date: 2026-12-02 04:43:05.965557
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8da24c9aa8a9"
down_revision: str | None = "d8b73728b729"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("user_account", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("token_generation", sa.Integer(), server_default="0", nullable=False)
        )


def downgrade() -> None:
    # A plain DROP COLUMN (SQLite has it since 3.35): a batch copy of user_account would drop
    # the table that every firm's rows point to, which SQLite's foreign keys refuse.
    op.drop_column("user_account", "token_generation")
