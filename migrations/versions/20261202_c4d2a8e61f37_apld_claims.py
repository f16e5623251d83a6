"""apld claims in the claim table

R41: an APLD claim is a claim of the same table, under an APLD agreement instead of an
authorization request. `claim.request_id` becomes nullable, `claim.apld_agreement_id` is added
(foreign key), a check keeps exactly one of the two set, and a unique index allows one claim
per agreement, establishment, month and version (R19, R24, read for APLD).

SQLite cannot drop a NOT NULL with ALTER TABLE, and a batch copy of `claim` (referenced by its
lines, claw-backs and corrections) is what this project avoids. The NOT NULL and the check are
changed in the table's stored definition instead (`PRAGMA writable_schema`), the procedure the
SQLite documentation gives for constraints that leave the stored rows as they are (section
"Making Other Kinds Of Table Schema Changes" of its ALTER TABLE page): every existing row has a
request and no agreement, so it satisfies the new check. The new column is a plain ADD COLUMN
with its REFERENCES clause.

Revision ID: c4d2a8e61f37
Revises: 7a1c5e3f9d20
Create Date: 2026-12-02 11:20:00
"""

from collections.abc import Callable, Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "c4d2a8e61f37"
down_revision: str | None = "7a1c5e3f9d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_claim_apld_agreement_id_apld_agreement"
CHECK = "ck_claim_one_scheme"
CHECK_SQL = "(request_id IS NULL) <> (apld_agreement_id IS NULL)"
UNIQUE = "uq_claim_apld_agreement_id_establishment_id_month_on_version"
NOT_NULL = "request_id CHAR(32) NOT NULL,"
NULLABLE = "request_id CHAR(32),"
CHECK_CLAUSE = f", \n\tCONSTRAINT {CHECK} CHECK ({CHECK_SQL})"
COLUMN_FK = f" CONSTRAINT {FK} REFERENCES apld_agreement (id)"


def _rewrite_sqlite_definition(change: Callable[[str], str]) -> None:
    connection = op.get_bind()
    sql = connection.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'claim'"
    ).scalar_one()
    new = change(sql)
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    connection.exec_driver_sql(
        "UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'claim'", (new,)
    )
    # Every connection reads the table's definition again.
    connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    connection.exec_driver_sql("PRAGMA writable_schema = OFF")
    assert connection.exec_driver_sql("PRAGMA integrity_check").scalar_one() == "ok"


def _loosen(sql: str) -> str:
    if NOT_NULL not in sql:
        raise RuntimeError("claim.request_id is not defined as this migration expects")
    head, tail = sql.rstrip().rsplit(")", 1)
    return (head.rstrip() + CHECK_CLAUSE + "\n)" + tail).replace(NOT_NULL, NULLABLE)


def _tighten(sql: str) -> str:
    return sql.replace(CHECK_CLAUSE, "").replace(COLUMN_FK, "").replace(NULLABLE, NOT_NULL)


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute(f"ALTER TABLE claim ADD COLUMN apld_agreement_id CHAR(32){COLUMN_FK}")
        _rewrite_sqlite_definition(_loosen)
    else:
        op.add_column("claim", sa.Column("apld_agreement_id", sa.Uuid(), nullable=True))
        op.create_foreign_key(FK, "claim", "apld_agreement", ["apld_agreement_id"], ["id"])
        op.alter_column("claim", "request_id", existing_type=sa.Uuid(), nullable=True)
        op.create_check_constraint(CHECK, "claim", CHECK_SQL)
    op.create_index(
        UNIQUE,
        "claim",
        ["apld_agreement_id", "establishment_id", "month_on", "version"],
        unique=True,
    )


def downgrade() -> None:
    # The APLD claims go (their lines by cascade, their claw-backs first), then the column.
    op.execute(
        "DELETE FROM claw_back WHERE claim_id IN "
        "(SELECT id FROM claim WHERE apld_agreement_id IS NOT NULL)"
    )
    op.execute("UPDATE claim SET corrects_id = NULL WHERE apld_agreement_id IS NOT NULL")
    op.execute("DELETE FROM claim_line WHERE claim_id IN "
               "(SELECT id FROM claim WHERE apld_agreement_id IS NOT NULL)")  # fmt: skip
    op.execute("DELETE FROM claim WHERE apld_agreement_id IS NOT NULL")
    op.drop_index(UNIQUE, table_name="claim")
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_sqlite_definition(_tighten)
    else:
        op.drop_constraint(CHECK, "claim", type_="check")
        op.alter_column("claim", "request_id", existing_type=sa.Uuid(), nullable=False)
        op.drop_constraint(FK, "claim", type_="foreignkey")
    op.drop_column("claim", "apld_agreement_id")
