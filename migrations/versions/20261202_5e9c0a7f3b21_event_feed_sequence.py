"""audit events numbered per firm in commit order (the change feed)

`firm_account.event_seq` counts a firm's audit events; each transaction that records events
bumps it (and so holds the firm's row until it commits) and numbers them with it, so
`audit_event.seq` runs 1, 2, 3… per firm in commit order, unique with the firm. Existing events
are numbered by (at, id), and each firm's counter starts after its last one.

Revision ID: 5e9c0a7f3b21
Revises: ba7f5b5b9a13
Create Date: 2026-12-02 05:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5e9c0a7f3b21"
down_revision: str | None = "ba7f5b5b9a13"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMN: a batch copy of firm_account would drop the table every row points to.
    op.add_column(
        "firm_account",
        sa.Column("event_seq", sa.BigInteger(), server_default="0", nullable=False),
    )
    op.add_column("audit_event", sa.Column("seq", sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE audit_event SET seq = numbered.n FROM ("
        " SELECT id, row_number() OVER (PARTITION BY firm_account_id ORDER BY at, id) AS n"
        " FROM audit_event) AS numbered WHERE audit_event.id = numbered.id"
    )
    op.execute(
        "UPDATE firm_account SET event_seq = COALESCE((SELECT max(seq) FROM audit_event"
        " WHERE audit_event.firm_account_id = firm_account.id), 0)"
    )
    # audit_event is referenced by no table: SQLite's copy of it to add NOT NULL is safe.
    with op.batch_alter_table("audit_event", schema=None) as batch_op:
        batch_op.alter_column("seq", existing_type=sa.BigInteger(), nullable=False)
    op.create_index(
        "uq_audit_event_firm_account_id_seq",
        "audit_event",
        ["firm_account_id", "seq"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_audit_event_firm_account_id_seq", table_name="audit_event")
    op.drop_column("audit_event", "seq")
    op.drop_column("firm_account", "event_seq")
