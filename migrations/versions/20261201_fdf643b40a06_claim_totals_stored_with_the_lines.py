"""claim totals stored with the lines

Each claim keeps its totals (employees, hours, indemnity, allocation) and the client's regime
they were computed with, written by the service whenever the lines are (create, update,
correction, filing), so that lists and summaries no longer recompute every line. The existing
claims are computed here with the service's own function (app.legal.amounts.line_amounts) and
the legal parameter table, exactly as the service computes them when it shows a claim.

Revision ID: fdf643b40a06
Revises: de8bf92632d2
Create Date: 2026-12-01 22:55:44.592352
"""

from collections import defaultdict
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = 'fdf643b40a06'
down_revision: str | None = 'de8bf92632d2'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500  # claims computed and written per round


def _decimal(precision: int, scale: int) -> Any:
    # text on SQLite, whose NUMERIC affinity would turn exact decimals into floats
    return sa.Numeric(precision, scale).with_variant(sa.String(precision + 2), "sqlite")


claim = sa.table(
    "claim",
    sa.column("id", sa.Uuid()),
    sa.column("client_id", sa.Uuid()),
    sa.column("month_on", sa.Date()),
    sa.column("employee_count", sa.Integer()),
    sa.column("total_hours", _decimal(12, 2)),
    sa.column("total_indemnity", _decimal(12, 2)),
    sa.column("total_allocation", _decimal(12, 2)),
    sa.column("totals_regime", sa.String(16)),
)
claim_line = sa.table(
    "claim_line",
    sa.column("claim_id", sa.Uuid()),
    sa.column("hours_not_worked", _decimal(8, 2)),
    sa.column("hourly_rate", _decimal(12, 4)),
    sa.column("regime", sa.String(16)),
)
client_regime = sa.table(
    "client_regime",
    sa.column("client_id", sa.Uuid()),
    sa.column("regime", sa.String(16)),
    sa.column("effective_from", sa.Date()),
)


def upgrade() -> None:
    # Plain ADD COLUMN on both databases (no table copy on SQLite); the default fills the
    # existing rows until they are computed below.
    op.add_column('claim', sa.Column('employee_count', sa.Integer(), server_default='0', nullable=False))
    op.add_column('claim', sa.Column('total_hours', _decimal(12, 2), server_default='0', nullable=False))
    op.add_column('claim', sa.Column('total_indemnity', _decimal(12, 2), server_default='0', nullable=False))
    op.add_column('claim', sa.Column('total_allocation', _decimal(12, 2), server_default='0', nullable=False))
    op.add_column('claim', sa.Column('totals_regime', sa.String(length=16), nullable=True))
    backfill(op.get_bind())


def downgrade() -> None:
    # ALTER TABLE … DROP COLUMN on both (SQLite ≥ 3.35): a batch copy of `claim` on SQLite
    # would drop the old table, and its lines with it (ON DELETE CASCADE).
    for column in ('totals_regime', 'total_allocation', 'total_indemnity', 'total_hours', 'employee_count'):
        op.drop_column('claim', column)


def backfill(connection: sa.Connection) -> None:
    """Compute and store the totals of every claim, BATCH claims at a time."""
    from app.legal.amounts import line_amounts
    from app.legal.table import Regime, parameter_table

    table = parameter_table()
    sqlite = connection.dialect.name == "sqlite"
    regimes: dict[Any, list[tuple[date, str]]] = defaultdict(list)
    rows = connection.execute(
        sa.select(client_regime.c.client_id, client_regime.c.effective_from, client_regime.c.regime)
        .order_by(client_regime.c.effective_from)
    )
    for client_id, effective_from, regime in rows:
        regimes[client_id].append((effective_from, regime))

    def stored(value: Decimal) -> Any:
        value = value.quantize(Decimal("0.01"))
        return str(value) if sqlite else value

    write = (
        claim.update()
        .where(claim.c.id == sa.bindparam("b_id"))
        .values(
            employee_count=sa.bindparam("b_employee_count"),
            total_hours=sa.bindparam("b_total_hours"),
            total_indemnity=sa.bindparam("b_total_indemnity"),
            total_allocation=sa.bindparam("b_total_allocation"),
            totals_regime=sa.bindparam("b_totals_regime"),
        )
    )
    after = None
    while True:
        page = sa.select(claim.c.id, claim.c.client_id, claim.c.month_on).order_by(claim.c.id)
        if after is not None:
            page = page.where(claim.c.id > after)
        claims = connection.execute(page.limit(BATCH)).all()
        if not claims:
            return
        after = claims[-1].id
        lines: dict[Any, list[Any]] = defaultdict(list)
        stmt = sa.select(
            claim_line.c.claim_id,
            claim_line.c.hours_not_worked,
            claim_line.c.hourly_rate,
            claim_line.c.regime,
        ).where(claim_line.c.claim_id.in_([c.id for c in claims]))
        for line in connection.execute(stmt):
            lines[line.claim_id].append(line)
        values = []
        for c in claims:
            # the client's regime of the month (app.clients.service.regime_on)
            of_month = "general"
            for effective_from, regime in regimes[c.client_id]:
                if effective_from <= c.month_on:
                    of_month = regime
            hours = indemnity = allocation = Decimal("0.00")
            for line in lines[c.id]:
                worked = Decimal(str(line.hours_not_worked))
                amounts = line_amounts(
                    table.for_month(c.month_on, Regime(line.regime or of_month)),
                    Decimal(str(line.hourly_rate)),
                    worked,
                )
                hours += worked
                indemnity += amounts.indemnity_amount
                allocation += amounts.allocation_amount
            values.append(
                {
                    "b_id": c.id,
                    "b_employee_count": len(lines[c.id]),
                    "b_total_hours": stored(hours),
                    "b_total_indemnity": stored(indemnity),
                    "b_total_allocation": stored(allocation),
                    "b_totals_regime": of_month,
                }
            )
        connection.execute(write, values)
