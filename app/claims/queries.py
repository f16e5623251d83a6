"""What the claim's use cases read: set-based statements whose cost follows the answer (a page,
a summary, the lines of one claim), not the history behind it."""

import uuid
from collections import defaultdict
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Numeric,
    String,
    Subquery,
    and_,
    any_,
    bindparam,
    case,
    func,
    or_,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.claims.models import Claim, ClaimLine, ClaimStatus
from app.clients.models import ClientRegime
from app.legal.table import Regime

COUNTED = (ClaimStatus.filed, ClaimStatus.validated, ClaimStatus.paid)
CENT = Decimal("0.01")
# A month being claimed: its request and its first day.
Claimed = tuple[uuid.UUID, date]


# --- exact sums of money and hours ---------------------------------------------------------


class _Summed(TypeDecorator[Decimal]):
    """The result of `decimal_sum`: a Decimal with two places on every backend."""

    impl = Numeric
    cache_ok = True

    def load_dialect_impl(self, dialect: Any) -> Any:
        return dialect.type_descriptor(Integer() if dialect.name == "sqlite" else Numeric(14, 2))

    def process_result_value(self, value: Any, dialect: Any) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":  # whole cents, see below
            return (Decimal(int(value)) * CENT).quantize(CENT)
        return Decimal(str(value)).quantize(CENT)


class decimal_sum(FunctionElement[Decimal]):
    """SUM of a two-decimal column. PostgreSQL sums NUMERIC exactly; SQLite keeps decimals as
    text (app.db.DecimalType) and its SUM would add them as floats, so there the sum is of
    whole cents (an integer sum is exact), turned back into a Decimal when read."""

    name = "decimal_sum"
    type = _Summed()
    inherit_cache = True


@compiles(decimal_sum)
def _sum(element: decimal_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"SUM({compiler.process(element.clauses, **kw)})"


@compiles(decimal_sum, "sqlite")
def _sum_of_cents(element: decimal_sum, compiler: SQLCompiler, **kw: Any) -> str:
    return f"SUM(CAST(ROUND(({compiler.process(element.clauses, **kw)}) * 100) AS INTEGER))"


# --- lines ---------------------------------------------------------------------------------


async def lines_of(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ClaimLine]]:
    """The lines of some claims, in their order."""
    out: dict[uuid.UUID, list[ClaimLine]] = defaultdict(list)
    if claim_ids:
        stmt = select(ClaimLine).where(col(ClaimLine.claim_id).in_(claim_ids))
        for line in await session.exec(stmt.order_by(col(ClaimLine.position))):
            out[line.claim_id].append(line)
    return out


# --- R22: what the counted claims already use ------------------------------------------------


def counted(*where: Any, claiming: Claimed | None = None) -> Subquery:
    """The counted claims among those `where` selects: filed, validated and paid, leaving out
    every version of the month `claiming` names (the claim being checked becomes its latest);
    of a month claimed in several versions (corrections) only the latest of those.

    A subquery ranking the versions of each month (a window), rather than a NOT EXISTS per
    row: one pass over the claims `where` selects, whatever plan the database picks. Read the
    rows whose `rank` is 1."""
    columns: list[Any] = [
        col(Claim.id),
        col(Claim.request_id),
        col(Claim.month_on),
        col(Claim.total_hours),
        col(Claim.total_allocation),
        col(Claim.expected_allocation),
        col(Claim.paid_amount),
        col(Claim.clawed_back),
        func.row_number()
        .over(
            # an APLD claim's month is its agreement's and establishment's (R41)
            partition_by=(
                col(Claim.request_id),
                col(Claim.apld_agreement_id),
                col(Claim.establishment_id),
                col(Claim.month_on),
            ),
            order_by=col(Claim.version).desc(),
        )
        .label("rank"),
    ]
    # Not only the claim and the one it corrects: a version before those (a paid claim whose
    # correction was withdrawn, then corrected again) would otherwise count in their place.
    other_months = (
        [or_(col(Claim.request_id) != claiming[0], col(Claim.month_on) != claiming[1])]
        if claiming
        else []
    )
    return (
        select(*columns)
        .where(col(Claim.status).in_(COUNTED), *other_months, *where)
        .subquery("counted")
    )


async def hours_used(session: AsyncSession, claiming: Claimed) -> Decimal:
    """Hours not worked of the counted claims of the request `claiming` names, but those of
    its month (their stored totals)."""
    claims = counted(col(Claim.request_id) == claiming[0], claiming=claiming)
    stmt = select(decimal_sum(claims.c.total_hours)).where(claims.c.rank == 1)
    used: Decimal | None = (await session.exec(stmt)).one()
    return used if used is not None else Decimal(0)


async def hours_taken_in_year(
    session: AsyncSession,
    *,
    client_id: uuid.UUID,
    year: int,
    employee_refs: Collection[str],
    claiming: Claimed,
) -> dict[str, Decimal]:
    """Per employee (of `employee_refs`), hours not worked in the client's counted claims of
    the year; an employee without any is absent."""
    if not employee_refs:
        return {}
    claims = counted(
        col(Claim.client_id) == client_id,
        col(Claim.request_id).is_not(None),  # APLD lines are outside the quota (R41)
        col(Claim.month_on) >= date(year, 1, 1),
        col(Claim.month_on) <= date(year, 12, 1),
        claiming=claiming,
    )
    refs = col(ClaimLine.employee_ref)
    if (await session.connection()).dialect.name == "postgresql":
        # one array parameter: an IN list of 300 employees is a statement of 10 kB, which the
        # driver parses again on every claim (it caches statements up to 4 kB)
        among = refs == any_(bindparam("refs", list(employee_refs), type_=ARRAY(String)))
    else:
        among = refs.in_(employee_refs)
    stmt = (
        select(refs, decimal_sum(col(ClaimLine.hours_not_worked)))
        .join(claims, and_(claims.c.id == col(ClaimLine.claim_id), claims.c.rank == 1))
        .where(among)
        .group_by(refs)
    )
    return {ref: hours for ref, hours in await session.exec(stmt)}


# --- lists and summaries -------------------------------------------------------------------


def client_regime_of_month() -> ColumnElement[Any]:
    """The client's regime for the claim's month (clients.service.regime_on, in SQL): the row
    in force on the 1st of the month, `general` without one."""
    in_force = (
        select(col(ClientRegime.regime))
        .where(
            ClientRegime.client_id == Claim.client_id,
            col(ClientRegime.effective_from) <= col(Claim.month_on),
        )
        .order_by(col(ClientRegime.effective_from).desc())
        .limit(1)
        .correlate(Claim)
        .scalar_subquery()
    )
    return func.coalesce(in_force, Regime.general.value)


def stale_draft_regime() -> ColumnElement[Any]:
    """For a draft, the client's regime of its month (its stored totals are stale when they
    were computed with another one); NULL for other claims, whose regimes are frozen (R24)."""
    return case((col(Claim.status) == ClaimStatus.draft, client_regime_of_month()), else_=None)


async def totals_per_request(
    session: AsyncSession, establishment_id: uuid.UUID
) -> dict[uuid.UUID, tuple[Decimal, Decimal, Decimal, Decimal, int]]:
    """Per request of the establishment, over its counted claims: hours, expected allocation
    (as of payment once paid), paid amount, issued claw-backs (R42) and the number of claims.
    One statement."""
    claims = counted(
        col(Claim.establishment_id) == establishment_id, col(Claim.request_id).is_not(None)
    )
    c = claims.c
    columns: list[Any] = [
        c.request_id,
        decimal_sum(c.total_hours),
        decimal_sum(func.coalesce(c.expected_allocation, c.total_allocation)),
        decimal_sum(func.coalesce(c.paid_amount, 0)),
        decimal_sum(c.clawed_back),
        func.count(),
    ]
    stmt = select(*columns).where(c.rank == 1).group_by(c.request_id)
    return {row[0]: (row[1], row[2], row[3], row[4], row[5]) for row in await session.exec(stmt)}
