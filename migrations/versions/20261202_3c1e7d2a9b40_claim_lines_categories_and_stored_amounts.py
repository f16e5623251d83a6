"""claim lines: categories (R27-R34) and their amounts stored with them

The lines gain the fields of R27-R34 (category, absence, forfait days, overtime basis, net
pays) and the amounts computed when they were written (R24: a filed claim keeps the amounts it
was filed with, whatever later revision of the legal table).

The lines of the claims already filed (every status but draft) are given the amounts they were
filed with: computed here with the table and the rule in force before this revision, written
out below, so that no filed claim changes. The drafts' stored totals are marked stale: lists
compute them again with the revised table, as GET does.

Revision ID: 3c1e7d2a9b40
Revises: 6bbfc4adb651
Create Date: 2026-12-02 08:10:00
"""

from collections.abc import Sequence
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "3c1e7d2a9b40"
down_revision: str | None = "6bbfc4adb651"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 2000  # lines computed and written per round


def _decimal(precision: int, scale: int) -> Any:
    # text on SQLite, whose NUMERIC affinity would turn exact decimals into floats
    return sa.Numeric(precision, scale).with_variant(sa.String(precision + 2), "sqlite")


INPUT_COLUMNS = (
    ("category", sa.String(16), "standard"),
    ("absence_reason", sa.String(16), None),
    ("specific_absence_days", sa.Integer(), None),
    ("half_days_not_worked", sa.Integer(), None),
    ("days_not_worked", sa.Integer(), None),
    ("weeks_not_worked", sa.Integer(), None),
    ("leave_days", sa.Integer(), None),
    ("overtime_basis", sa.String(24), None),
    ("overtime_basis_signed_on", sa.Date(), None),
    ("usual_net_hourly_pay", _decimal(12, 4), None),
    ("net_pay_for_hours_worked", _decimal(12, 2), None),
)
AMOUNT_COLUMNS = (
    ("priced_regime", sa.String(24)),
    ("capped_hourly_rate", _decimal(12, 4)),
    ("indemnity_base", _decimal(12, 4)),
    ("indemnity_per_hour", _decimal(12, 4)),
    ("allocation_per_hour", _decimal(12, 4)),
    ("indemnity_amount", _decimal(12, 2)),
    ("allocation_amount", _decimal(12, 2)),
    ("applied", sa.Text()),
    ("declared_hours", _decimal(8, 2)),
    ("declared_hourly_rate", _decimal(12, 2)),
    ("rmm_complement", _decimal(12, 2)),
    ("warnings", sa.Text()),
)

# The table in force before this revision: (first month, last month, SMIC, indemnity floor,
# {regime: (indemnity %, allocation %, allocation floor)}).
_G, _P, _C = "general", "protected", "closed"
PREVIOUS_TABLE = (
    ("2020-03", "2020-05", "10.15", "8.03", {_G: ("70", "70", "8.03"), _P: ("70", "70", "8.03"), _C: ("70", "70", "8.03")}),
    ("2020-06", "2020-12", "10.15", "8.03", {_G: ("70", "60", "8.03"), _P: ("70", "70", "8.03"), _C: ("70", "70", "8.03")}),
    ("2021-01", "2021-05", "10.25", "8.11", {_G: ("70", "60", "8.11"), _P: ("70", "70", "8.11"), _C: ("70", "70", "8.11")}),
    ("2021-06", "2021-06", "10.25", "8.11", {_G: ("70", "52", "8.11"), _P: ("70", "70", "8.11"), _C: ("70", "70", "8.11")}),
    ("2021-07", "2021-07", "10.25", "8.11", {_G: ("60", "36", "7.30"), _P: ("70", "60", "8.11"), _C: ("70", "70", "8.11")}),
    ("2021-08", "2021-08", "10.25", "8.11", {_G: ("60", "36", "7.30"), _P: ("70", "52", "8.11"), _C: ("70", "70", "8.11")}),
    ("2021-09", "2021-09", "10.25", "8.11", {_G: ("60", "36", "7.30"), _P: ("60", "36", "7.30"), _C: ("70", "70", "8.11")}),
    ("2021-10", "2021-12", "10.48", "8.30", {_G: ("60", "36", "7.47"), _P: ("60", "36", "7.47"), _C: ("70", "70", "8.30")}),
    ("2022-01", "2022-04", "10.57", "8.37", {_G: ("60", "36", "7.53"), _P: ("60", "36", "7.53"), _C: ("70", "70", "8.37")}),
    ("2022-05", "2022-07", "10.85", "8.59", {_G: ("60", "36", "7.73"), _P: ("60", "36", "7.73"), _C: ("70", "70", "8.59")}),
)  # fmt: skip

claim = sa.table(
    "claim",
    sa.column("id", sa.Uuid()),
    sa.column("status", sa.String(16)),
    sa.column("month_on", sa.Date()),
    sa.column("totals_regime", sa.String(16)),
)
claim_line = sa.table(
    "claim_line",
    sa.column("id", sa.Uuid()),
    sa.column("claim_id", sa.Uuid()),
    sa.column("hours_not_worked", _decimal(8, 2)),
    sa.column("hourly_rate", _decimal(12, 4)),
    sa.column("regime", sa.String(16)),
    *(sa.column(name, kind) for name, kind in AMOUNT_COLUMNS),
)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (no table copy on SQLite).
    for name, kind, default in INPUT_COLUMNS:
        op.add_column(
            "claim_line",
            sa.Column(name, kind, nullable=default is None, server_default=default),
        )
    for name, kind in AMOUNT_COLUMNS:
        op.add_column("claim_line", sa.Column(name, kind, nullable=True))
    backfill(op.get_bind())
    op.execute(claim.update().where(claim.c.status == "draft").values(totals_regime=None))


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35).
    for name, _ in reversed(AMOUNT_COLUMNS):
        op.drop_column("claim_line", name)
    for name, _, _ in reversed(INPUT_COLUMNS):
        op.drop_column("claim_line", name)


def previous_amounts(month: date, regime: str, rate: Decimal, hours: Decimal) -> dict[str, Any]:
    """The rule in force before this revision: the capped rate for both bases, the floor, then
    never above the employee's own rate; the allocation never above the indemnity."""
    key = f"{month:%Y-%m}"
    row = next(r for r in PREVIOUS_TABLE if r[0] <= key <= r[1])
    smic, floor = Decimal(row[2]), Decimal(row[3])
    ind_pct, alloc_pct, alloc_floor = (Decimal(x) for x in row[4][regime])
    applied = []
    capped = rate
    if rate > Decimal("4.5") * smic:
        capped = Decimal("4.5") * smic
        applied.append("hourly_cap")
    indemnity = ind_pct / 100 * capped
    if indemnity < floor:
        indemnity = floor
        applied.append("indemnity_floor")
    if indemnity > rate:
        indemnity = rate
        applied.append("indemnity_at_own_rate")
    allocation = alloc_pct / 100 * capped
    if allocation < alloc_floor:
        allocation = alloc_floor
        applied.append("allocation_floor")
    if allocation > indemnity:
        allocation = indemnity
        applied.append("allocation_at_indemnity")

    def q(value: Decimal, places: str) -> Decimal:
        return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)

    return {
        "priced_regime": regime,
        "capped_hourly_rate": q(capped, "0.0001"),
        "indemnity_base": q(capped, "0.0001"),
        "indemnity_per_hour": q(indemnity, "0.0001"),
        "allocation_per_hour": q(allocation, "0.0001"),
        "indemnity_amount": q(indemnity * hours, "0.01"),
        "allocation_amount": q(allocation * hours, "0.01"),
        "applied": ",".join(applied),
        "declared_hours": None,
        "declared_hourly_rate": None,
        "rmm_complement": None,
        "warnings": "",
    }


def backfill(connection: sa.Connection) -> None:
    """The amounts of every line of a claim no longer a draft, BATCH lines at a time."""
    sqlite = connection.dialect.name == "sqlite"

    def stored(value: Any) -> Any:
        return str(value) if sqlite and isinstance(value, Decimal) else value

    write = (
        claim_line.update()
        .where(claim_line.c.id == sa.bindparam("b_id"))
        .values({name: sa.bindparam(f"b_{name}") for name, _ in AMOUNT_COLUMNS})
    )
    after = None
    while True:
        stmt = (
            sa.select(
                claim_line.c.id,
                claim_line.c.hours_not_worked,
                claim_line.c.hourly_rate,
                claim_line.c.regime,
                claim.c.month_on,
                claim.c.totals_regime,
            )
            .join(claim, claim.c.id == claim_line.c.claim_id)
            .where(claim.c.status != "draft")
            .order_by(claim_line.c.id)
            .limit(BATCH)
        )
        if after is not None:
            stmt = stmt.where(claim_line.c.id > after)
        rows = connection.execute(stmt).all()
        if not rows:
            return
        after = rows[-1].id
        values = []
        for row in rows:
            # filing froze each line's regime; the claim's own is the fallback
            regime = row.regime or row.totals_regime or "general"
            amounts = previous_amounts(
                row.month_on,
                regime,
                Decimal(str(row.hourly_rate)),
                Decimal(str(row.hours_not_worked)),
            )
            values.append(
                {"b_id": row.id} | {f"b_{key}": stored(value) for key, value in amounts.items()}
            )
        connection.execute(write, values)
