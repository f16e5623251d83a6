"""What the deadlines view reads (R25): per kind, only the requests that owe something of it,
with the months they still owe counted by the database rather than loaded claim by claim."""

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    and_,
    bindparam,
    case,
    distinct,
    false,
    func,
    or_,
    type_coerce,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations.models import (
    Amendment,
    AmendmentStatus,
    AuthorizationRequest,
    CseStatus,
    RequestStatus,
)
from app.claims.claw_backs.models import ClawBack, ClawBackStatus
from app.claims.models import Claim, ClaimStatus
from app.core.dates import add_months
from app.core.principal import Principal
from app.core.tenancy import scoped
from app.deadlines.models import DeadlineKind

FILED = (ClaimStatus.filed, ClaimStatus.validated, ClaimStatus.paid)
ACCEPTED_KINDS = {DeadlineKind.claim, DeadlineKind.authorization_end}


class month_index(FunctionElement[int]):
    """year × 12 + month of a date: months apart are indexes apart. Give it a column (its
    argument is written twice)."""

    name = "month_index"
    type = Integer()
    inherit_cache = True


@compiles(month_index)
def _month_index(element: month_index, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)
    return (
        f"(CAST(EXTRACT(YEAR FROM {day}) AS INTEGER) * 12"
        f" + CAST(EXTRACT(MONTH FROM {day}) AS INTEGER))"
    )


@compiles(month_index, "sqlite")
def _month_index_sqlite(element: month_index, compiler: SQLCompiler, **kw: Any) -> str:
    day = compiler.process(element.clauses, **kw)  # dates are YYYY-MM-DD text on SQLite
    return f"(CAST(substr({day}, 1, 4) AS INTEGER) * 12 + CAST(substr({day}, 6, 2) AS INTEGER))"


def index_of(day: date) -> int:
    return day.year * 12 + day.month


def _accepted(status: Any, implicit_at: Any, now: datetime) -> ColumnElement[bool]:
    """authorizations.rules.effective_status is accepted or accepted_implicitly (R16)."""
    return or_(
        status == RequestStatus.accepted,
        and_(status == RequestStatus.filed, implicit_at <= now),
    )


def _authorized_end(now: datetime) -> ColumnElement[Any]:
    """The end of the authorized period: the request's, or a later one of its accepted
    amendments (authorizations.rules.authorized_terms, R18)."""
    amended = (
        select(func.max(Amendment.end_on))
        .where(
            col(Amendment.request_id) == col(AuthorizationRequest.id),
            or_(
                col(Amendment.status) == AmendmentStatus.accepted,
                and_(
                    col(Amendment.status) == AmendmentStatus.filed,
                    col(Amendment.implicit_acceptance_at) <= now,
                ),
            ),
        )
        .correlate(AuthorizationRequest)
        .scalar_subquery()
    )
    return type_coerce(
        case(
            (amended > col(AuthorizationRequest.end_on), amended),
            else_=col(AuthorizationRequest.end_on),
        ),
        Date(),
    )


async def candidates(
    session: AsyncSession,
    principal: Principal,
    *,
    kinds: Collection[DeadlineKind],
    today: date,
    now: datetime,
    client_id: uuid.UUID | None,
    establishment_id: uuid.UUID | None,
) -> Sequence[Any]:
    """The requests that owe a deadline of one of `kinds`, one row each, in one statement:
    the fields deadlines read, `end_on` the authorized end (NULL unless accepted) and
    `months_due` the number of elapsed authorized months without a filed claim."""
    R = AuthorizationRequest
    accepted = _accepted(col(R.status), col(R.implicit_acceptance_at), now)
    # What each kind but the accepted ones owes, read from the request alone.
    own: dict[DeadlineKind, ColumnElement[bool]] = {
        DeadlineKind.filing_window: and_(
            col(R.status) == RequestStatus.draft, col(R.start_on).is_not(None)
        ),
        DeadlineKind.implicit_acceptance: and_(
            col(R.status) == RequestStatus.filed, col(R.implicit_acceptance_at) > now
        ),
        DeadlineKind.cse_opinion: and_(
            col(R.cse_status) == CseStatus.deferred,
            col(R.cse_due_on).is_not(None),
            col(R.status).not_in([RequestStatus.refused, RequestStatus.invalidated]),
        ),
        # appeals last 2 months (R17): refusals older than 3 months owe nothing
        DeadlineKind.appeal: and_(
            col(R.status) == RequestStatus.refused, col(R.decided_on) >= add_months(today, -3)
        ),
    }
    owes_own = or_(false(), *(own[k] for k in kinds if k in own))
    columns: list[Any] = [
        col(R.id),
        col(R.establishment_id),
        col(R.client_id),
        col(R.status),
        col(R.motive),
        col(R.start_on),
        col(R.implicit_acceptance_at),
        col(R.cse_status),
        col(R.cse_due_on),
        col(R.decided_on),
        case((accepted, _authorized_end(now)), else_=None).label("end_on"),
        owes_own.label("owes_own"),
    ]
    stmt = select(*columns).where(
        scoped(R, principal).whereclause,
        col(R.status) != RequestStatus.invalidated,
        or_(owes_own, accepted) if ACCEPTED_KINDS & set(kinds) else owes_own,
    )
    if client_id is not None:
        stmt = stmt.where(R.client_id == client_id)
    if establishment_id is not None:
        stmt = stmt.where(R.establishment_id == establishment_id)
    # Materialized, so that the authorized end is computed once per request, not once for each
    # place it is used (the database would otherwise inline it into each of them).
    base = stmt.cte("request").prefix_with("MATERIALIZED")

    # Elapsed months are those before today's; authorized ones run from the start's month to
    # the end's (R19). Claims only exist for authorized months, but an invalidated amendment
    # may have shortened the period since: its months are left out.
    this_month = today.replace(day=1)
    in_period = and_(
        col(Claim.request_id) == base.c.id,
        col(Claim.status).in_(FILED),
        month_index(col(Claim.month_on)) >= month_index(base.c.start_on),
        col(Claim.month_on) <= base.c.end_on,
        col(Claim.month_on) < this_month,
    )
    # Counted per request through the claims' (request, month) index: a few index entries
    # each. (A grouped join of the claims with the requests is planned against the
    # materialized CTE's estimate of one row, and re-sorts every claim for each request.)
    filed = (
        select(func.count(distinct(col(Claim.month_on))))
        .where(in_period)
        .correlate(base)
        .scalar_subquery()
    )
    last_elapsed = case(
        (month_index(base.c.end_on) < index_of(this_month), month_index(base.c.end_on)),
        else_=index_of(this_month) - 1,
    )
    elapsed = last_elapsed - month_index(base.c.start_on) + 1
    months_due = elapsed - filed
    with_due: list[Any] = [*base.c, months_due.label("months_due")]
    counted = select(*with_due).select_from(base).cte("counted").prefix_with("MATERIALIZED")
    owes: list[ColumnElement[bool]] = [counted.c.owes_own]
    if DeadlineKind.claim in kinds:
        owes.append(counted.c.months_due > 0)
    if DeadlineKind.authorization_end in kinds:
        owes.append(counted.c.end_on >= today)
    # (all its columns, not the subquery as one entity: sqlmodel would read it as scalars)
    found: list[Any] = [*counted.c]
    return (await session.exec(select(*found).where(or_(*owes)))).all()


async def claimed_months(
    session: AsyncSession, request_ids: Collection[uuid.UUID], before: date
) -> dict[uuid.UUID, tuple[set[date], set[date]]]:
    """Per request, the months before `before` with a filed (or later) claim, and those with
    only a draft. Rejected and withdrawn claims leave their month due."""
    out: dict[uuid.UUID, tuple[set[date], set[date]]] = {i: (set(), set()) for i in request_ids}
    if request_ids:
        # the ids as one expanding parameter: the statement is not rebuilt id by id
        stmt = select(col(Claim.request_id), col(Claim.month_on), col(Claim.status)).where(
            col(Claim.request_id).in_(bindparam("request_ids", expanding=True)),
            col(Claim.status).not_in([ClaimStatus.rejected, ClaimStatus.withdrawn]),
            col(Claim.month_on) < before,
        )
        rows = await session.exec(stmt, params={"request_ids": list(request_ids)})
        for request_id, month_on, status in rows:
            filed, drafts = out[request_id]
            (drafts if status == ClaimStatus.draft else filed).add(month_on)
    return out


async def open_claw_backs(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID | None,
    establishment_id: uuid.UUID | None,
) -> Sequence[Any]:
    """The firm's claw-backs to issue or issued (R42), with their claim's establishment, client
    and month. One statement."""
    columns: list[Any] = [
        col(ClawBack.id),
        col(ClawBack.status),
        col(ClawBack.amount),
        col(ClawBack.noticed_on),
        col(ClawBack.issued_on),
        col(Claim.establishment_id),
        col(Claim.client_id),
        col(Claim.month_on),
    ]
    stmt = (
        select(*columns)
        .join(Claim, col(Claim.id) == col(ClawBack.claim_id))
        .where(
            scoped(ClawBack, principal).whereclause,
            col(ClawBack.status).in_([ClawBackStatus.to_issue, ClawBackStatus.issued]),
        )
    )
    if client_id is not None:
        stmt = stmt.where(Claim.client_id == client_id)
    if establishment_id is not None:
        stmt = stmt.where(Claim.establishment_id == establishment_id)
    return (await session.exec(stmt)).all()
