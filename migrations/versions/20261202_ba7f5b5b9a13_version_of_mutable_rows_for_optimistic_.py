"""version of mutable rows for optimistic concurrency

Each mutable row carries a row_version (claims keep their own `version`, the correction
number of R24), 1 when created and one more for each change: its answers carry it as their
ETag, and a write sent with an older one in If-Match is refused (412). Existing rows start at 1.

Revision ID: ba7f5b5b9a13
Revises: 8da24c9aa8a9
Create Date: 2026-12-02 05:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "ba7f5b5b9a13"
down_revision: str | None = "8da24c9aa8a9"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "client",
    "establishment",
    "user_account",
    "authorization_request",
    "amendment",
    "claim",
    "contract",
    "habilitation",
)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases: no batch copy of tables that others point to.
    for table in TABLES:
        op.add_column(
            table, sa.Column("row_version", sa.Integer(), server_default="1", nullable=False)
        )


def downgrade() -> None:
    for table in reversed(TABLES):
        op.drop_column(table, "row_version")
