"""What the deadlines view reads (R25): per kind, only the requests that owe something of it,
with the months they still owe counted by the database rather than loaded claim by claim."""

import uuid
from collections.abc import Collection, Sequence
from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Uuid,
    and_,
    any_,
    bindparam,
    case,
    distinct,
    false,
    func,
    or_,
    type_coerce,
)
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Select
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import BindParameter
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
from app.core.tenancy import firm_params, in_firm, scoped
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


# The parameters of the statements below, bound on each execution (the statements are built
# once per shape: building one costs thousands of SQLAlchemy calls).
_NOW: BindParameter[Any] = bindparam("now")  # typed by what it is compared with
_TODAY = bindparam("today", type_=Date())
_APPEAL_FROM = bindparam("appeal_from", type_=Date())  # refusals decided since then
_THIS_MONTH = bindparam("this_month", type_=Date())  # its 1st
_THIS_MONTH_INDEX = bindparam("this_month_index", type_=Integer())


def _accepted(status: Any, implicit_at: Any) -> ColumnElement[bool]:
    """authorizations.rules.effective_status is accepted or accepted_implicitly (R16)."""
    return or_(
        status == RequestStatus.accepted,
        and_(status == RequestStatus.filed, implicit_at <= _NOW),
    )


# Short names in the statements: the driver caches a statement's parsing only up to 4 kB, and
# `authorization_request.` repeated before every column took the candidates' past it.
_REQUESTS = AuthorizationRequest.__table__.alias("r")  # type: ignore[attr-defined]
_AMENDMENTS = Amendment.__table__.alias("a")  # type: ignore[attr-defined]
_CLAIMS = Claim.__table__.alias("c")  # type: ignore[attr-defined]


def _authorized_end() -> ColumnElement[Any]:
    """The end of the authorized period: the request's, or a later one of its accepted
    amendments (authorizations.rules.authorized_terms, R18)."""
    R, A = _REQUESTS.c, _AMENDMENTS.c
    amended = (
        sa_select(func.max(A.end_on))
        .where(
            A.request_id == R.id,
            or_(
                A.status == AmendmentStatus.accepted,
                and_(A.status == AmendmentStatus.filed, A.implicit_acceptance_at <= _NOW),
            ),
        )
        .correlate(_REQUESTS)
        .scalar_subquery()
    )
    return type_coerce(case((amended > R.end_on, amended), else_=R.end_on), Date())


@cache
def _candidates(
    kinds: frozenset[DeadlineKind], by_client: bool, by_establishment: bool
) -> Select[Any]:
    """The statement of `candidates`, of table columns: executed as it is, its rows read as
    they come (no ORM step)."""
    R = _REQUESTS.c
    accepted = _accepted(R.status, R.implicit_acceptance_at)
    # What each kind but the accepted ones owes, read from the request alone.
    own: dict[DeadlineKind, ColumnElement[bool]] = {
        DeadlineKind.filing_window: and_(R.status == RequestStatus.draft, R.start_on.is_not(None)),
        DeadlineKind.implicit_acceptance: and_(
            R.status == RequestStatus.filed, R.implicit_acceptance_at > _NOW
        ),
        DeadlineKind.cse_opinion: and_(
            R.cse_status == CseStatus.deferred,
            R.cse_due_on.is_not(None),
            R.status.not_in([RequestStatus.refused, RequestStatus.invalidated]),
        ),
        # appeals last 2 months (R17): refusals older than 3 months owe nothing
        DeadlineKind.appeal: and_(R.status == RequestStatus.refused, R.decided_on >= _APPEAL_FROM),
    }
    owes_own = or_(false(), *(own[k] for k in sorted(kinds) if k in own))
    columns: list[Any] = [
        R.id,
        R.establishment_id,
        R.client_id,
        R.status,
        R.motive,
        R.start_on,
        R.implicit_acceptance_at,
        R.cse_status,
        R.cse_due_on,
        R.decided_on,
        case((accepted, _authorized_end()), else_=None).label("end_on"),
        owes_own.label("owes_own"),
    ]
    stmt = sa_select(*columns).where(
        in_firm(_REQUESTS),
        R.status != RequestStatus.invalidated,
        or_(owes_own, accepted) if ACCEPTED_KINDS & kinds else owes_own,
    )
    if by_client:
        stmt = stmt.where(R.client_id == bindparam("client_id"))
    if by_establishment:
        stmt = stmt.where(R.establishment_id == bindparam("establishment_id"))
    # Materialized, so that the authorized end is computed once per request, not once for each
    # place it is used (the database would otherwise inline it into each of them).
    base = stmt.cte("request").prefix_with("MATERIALIZED")

    # Elapsed months are those before today's; authorized ones run from the start's month to
    # the end's (R19). Claims only exist for authorized months, but an invalidated amendment
    # may have shortened the period since: its months are left out.
    C = _CLAIMS.c
    in_period = and_(
        C.request_id == base.c.id,
        C.status.in_(FILED),
        month_index(C.month_on) >= month_index(base.c.start_on),
        C.month_on <= base.c.end_on,
        C.month_on < _THIS_MONTH,
    )
    # Counted per request through the claims' (request, month) index: a few index entries
    # each. (A grouped join of the claims with the requests is planned against the
    # materialized CTE's estimate of one row, and re-sorts every claim for each request.)
    filed = (
        sa_select(func.count(distinct(C.month_on)))
        .where(in_period)
        .correlate(base)
        .scalar_subquery()
    )
    last_elapsed = case(
        (month_index(base.c.end_on) < _THIS_MONTH_INDEX, month_index(base.c.end_on)),
        else_=_THIS_MONTH_INDEX - 1,
    )
    elapsed = last_elapsed - month_index(base.c.start_on) + 1
    months_due = elapsed - filed
    with_due: list[Any] = [*base.c, months_due.label("months_due")]
    counted = sa_select(*with_due).select_from(base).cte("counted").prefix_with("MATERIALIZED")
    owes: list[ColumnElement[bool]] = [counted.c.owes_own]
    if DeadlineKind.claim in kinds:
        owes.append(counted.c.months_due > 0)
    if DeadlineKind.authorization_end in kinds:
        owes.append(counted.c.end_on >= _TODAY)
    return sa_select(*counted.c).where(or_(*owes))


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
    stmt = _candidates(frozenset(kinds), client_id is not None, establishment_id is not None)
    this_month = today.replace(day=1)
    params: dict[str, Any] = {
        **firm_params(principal),
        "now": now,
        "today": today,
        "appeal_from": add_months(today, -3),
        "this_month": this_month,
        "this_month_index": index_of(this_month),
    }
    if client_id is not None:
        params["client_id"] = client_id
    if establishment_id is not None:
        params["establishment_id"] = establishment_id
    return (await session.exec(stmt, params=params)).all()  # type: ignore[call-overload]


def _claimed(request_ids: ColumnElement[bool]) -> Select[Any]:
    return sa_select(_CLAIMS.c.request_id, _CLAIMS.c.month_on, _CLAIMS.c.status).where(
        request_ids,
        _CLAIMS.c.status.not_in([ClaimStatus.rejected, ClaimStatus.withdrawn]),
        _CLAIMS.c.month_on < bindparam("before", type_=Date()),
    )


# The ids as one parameter, so that the statement is neither rebuilt nor parsed again id by
# id: an array on PostgreSQL, an expanding IN elsewhere.
_CLAIMED = {
    "postgresql": _claimed(
        _CLAIMS.c.request_id == any_(bindparam("request_ids", type_=ARRAY(Uuid())))
    ),
    "other": _claimed(_CLAIMS.c.request_id.in_(bindparam("request_ids", expanding=True))),
}


async def claimed_months(
    session: AsyncSession, request_ids: Collection[uuid.UUID], before: date
) -> dict[uuid.UUID, tuple[set[date], set[date]]]:
    """Per request, the months before `before` with a filed (or later) claim, and those with
    only a draft. Rejected and withdrawn claims leave their month due."""
    out: dict[uuid.UUID, tuple[set[date], set[date]]] = {i: (set(), set()) for i in request_ids}
    if request_ids:
        params = {"request_ids": list(request_ids), "before": before}
        dialect = (await session.connection()).dialect.name
        stmt = _CLAIMED.get(dialect, _CLAIMED["other"])
        rows = await session.exec(stmt, params=params)  # type: ignore[call-overload]
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
