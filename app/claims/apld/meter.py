"""R39's per-employee meter over an APLD agreement and R40's no-cumulation, read from the
counted claims (filed, validated and paid; of a month's versions, the latest).

An employee is known by the NIR of their lines (decrypted when read: it is encrypted at rest,
so the database cannot compare it), or by their payroll reference when a line has none."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import amounts
from app.apld import rules as apld_rules
from app.apld import service as agreements
from app.apld.models import AgreementStatus, ApldAgreement
from app.authorizations.models import AuthorizationRequest, Motive
from app.claims import queries
from app.claims.apld.errors import Cumulation, ReductionExceeded
from app.claims.apld.models import MeterEntry
from app.claims.models import Claim, ClaimLine, mask_nir
from app.core.dates import add_months
from app.core.pagination import PageParams, encode_cursor
from app.core.principal import Principal

Hours = list[tuple[date, Decimal]]


def same_employee(a: Any, b: Any) -> bool:
    """Two lines of one employee: the same NIR, or the same reference when either has none."""
    if a.nir and b.nir:
        return bool(a.nir == b.nir)
    return bool(a.employee_ref == b.employee_ref)


def _key(line: Any) -> str:
    return f"nir:{line.nir}" if line.nir else f"ref:{line.employee_ref}"


def _who(line: Any) -> str:
    nir = mask_nir(line.nir)
    return f"employee {line.employee_ref}" + (f" (NIR {nir})" if nir else "")


async def _counted_lines(session: AsyncSession, *where: Any) -> list[tuple[ClaimLine, date]]:
    claims = queries.counted(*where)
    stmt = (
        select(ClaimLine, claims.c.month_on)
        .join(claims, and_(claims.c.id == col(ClaimLine.claim_id), claims.c.rank == 1))
        .order_by(col(ClaimLine.id))
    )
    return [(line, month) for line, month in await session.exec(stmt)]


async def apld_lines(
    session: AsyncSession, agreement_id: uuid.UUID, leaving_out: Claim | None = None
) -> list[tuple[ClaimLine, date]]:
    """The lines of the agreement's counted claims, but those of the month `leaving_out`
    claims at its establishment (the claim being filed becomes its latest version)."""
    where: list[Any] = [col(Claim.apld_agreement_id) == agreement_id]
    if leaving_out is not None:
        where.append(
            or_(
                col(Claim.establishment_id) != leaving_out.establishment_id,
                col(Claim.month_on) != leaving_out.month_on,
            )
        )
    return await _counted_lines(session, *where)


async def ordinary_lines(
    session: AsyncSession, client_id: uuid.UUID, first: date, last: date
) -> list[tuple[ClaimLine, date]]:
    """R39 (single source, a data flag): the client's ordinary claims in the agreement's
    duration count too, those under a motive 3 request (disaster or weather) aside."""
    if not amounts.apld_table().rules.count_ordinary_hours:
        return []
    requests = select(AuthorizationRequest.id).where(
        AuthorizationRequest.client_id == client_id,
        or_(
            col(AuthorizationRequest.motive).is_(None),
            col(AuthorizationRequest.motive) != Motive.disaster_or_weather,
        ),
    )
    return await _counted_lines(
        session,
        col(Claim.client_id) == client_id,
        col(Claim.request_id).in_(requests),
        col(Claim.month_on) >= first,
        col(Claim.month_on) <= last,
    )


def reduction(agreement: ApldAgreement) -> Decimal:
    explicit = agreement.status in (AgreementStatus.validated, AgreementStatus.homologated)
    granted = apld_rules.granted_reduction(
        agreement.max_reduction, agreement.reduction_granted, explicit
    )
    assert granted is not None  # a decided agreement was filed with its maximum reduction
    return granted


def _measure(
    agreement: ApldAgreement, neutralise: bool, hours: Hours, ordinary: Hours
) -> amounts.Meter:
    assert agreement.start_on is not None and agreement.duration_months is not None
    months = amounts.agreement_months(agreement.start_on, agreement.duration_months, neutralise)
    return amounts.meter(
        start=agreement.start_on,
        duration_months=agreement.duration_months,
        max_reduction=reduction(agreement),
        neutralise=neutralise,
        hours=hours,
        ordinary_hours=[(m, h) for m, h in ordinary if months[0] <= m <= months[-1]],
    )


def _span(agreement: ApldAgreement) -> tuple[date, date]:
    assert agreement.start_on is not None and agreement.duration_months is not None
    # the widest span the duration can take, neutralised months included
    first = agreement.start_on.replace(day=1)
    return first, add_months(first, agreement.duration_months + 8)


async def check_meter(
    session: AsyncSession,
    agreement: ApldAgreement,
    claim: Claim,
    lines: Sequence[Any],
    neutralise: bool,
) -> None:
    """R39 at filing: per employee of the claim, the hours not worked of the agreement's other
    counted claims plus this one stay within the maximum reduction of the whole duration."""
    others = await apld_lines(session, agreement.id, leaving_out=claim)
    ordinary = await ordinary_lines(session, agreement.client_id, *_span(agreement))
    for i, line in enumerate(lines):
        hours = [(m, o.hours_not_worked) for o, m in others if same_employee(o, line)]
        hours.append((claim.month_on, line.hours_not_worked))
        theirs = [(m, o.hours_not_worked) for o, m in ordinary if same_employee(o, line)]
        result = _measure(agreement, neutralise, hours, theirs)
        if result.exceeded:
            raise ReductionExceeded(
                f"Line {i}, {_who(line)}: {result.used} h not worked over the agreement with "
                f"this claim, above the {result.allowed:.2f} h its maximum reduction of "
                f"{reduction(agreement)} % allows over {result.counted_months} months (R39)",
                f"lines.{i}.hours_not_worked",
            )


async def check_no_cumulation(session: AsyncSession, claim: Claim, lines: Sequence[Any]) -> None:
    """R40 at filing, whichever is filed second: no employee of this claim is on a counted
    claim of the other scheme (APLD or ordinary) of the client for the same month."""
    other_scheme = (
        col(Claim.request_id).is_not(None)
        if claim.apld_agreement_id is not None
        else col(Claim.apld_agreement_id).is_not(None)
    )
    others = await _counted_lines(
        session,
        col(Claim.client_id) == claim.client_id,
        col(Claim.month_on) == claim.month_on,
        other_scheme,
    )
    kind = "an ordinary" if claim.apld_agreement_id is not None else "an APLD"
    for i, line in enumerate(lines):
        if any(same_employee(o, line) for o, _ in others):
            raise Cumulation(
                f"Line {i}, {_who(line)}: already on {kind} claim for {claim.month_on:%Y-%m}; "
                "an employee is never under APLD and ordinary partial activity in the same "
                "month (R40)",
                f"lines.{i}",
            )


async def read_meter(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    page: PageParams,
    now: datetime,
) -> tuple[list[MeterEntry], str | None]:
    """R39 per employee of the agreement's counted claims: used, allowed and left, in the
    order each employee first appeared; a page of them."""
    agreement = await agreements.get_agreement(session, principal, agreement_id)
    renewals = (await agreements.renewals_of(session, [agreement.id]))[agreement.id]
    periods, _, neutralise = agreements.periods(agreement, renewals, now)
    if not periods:
        return [], None
    found = await apld_lines(session, agreement.id)
    employees: dict[str, tuple[ClaimLine, Hours]] = {}
    for line, month in found:
        first, hours = employees.setdefault(_key(line), (line, []))
        hours.append((month, line.hours_not_worked))
    ordered = sorted(employees.values(), key=lambda e: e[0].id)
    if page.cursor is not None:
        ordered = [e for e in ordered if e[0].id > page.cursor]
    more = len(ordered) > page.limit
    ordered = ordered[: page.limit]
    ordinary = await ordinary_lines(session, agreement.client_id, *_span(agreement))
    by_key: dict[str, Hours] = defaultdict(list)
    for line, month in ordinary:
        for first, _ in ordered:
            if same_employee(first, line):
                by_key[_key(first)].append((month, line.hours_not_worked))
    items = []
    for first, hours in ordered:
        result = _measure(agreement, neutralise, hours, by_key[_key(first)])
        items.append(
            MeterEntry(
                employee_ref=first.employee_ref,
                employee_name=first.employee_name,
                nir=mask_nir(first.nir),
                used=result.used,
                allowed=result.allowed.quantize(Decimal("0.01")),
                left=result.left.quantize(Decimal("0.01")),
            )
        )
    return items, encode_cursor(ordered[-1][0].id) if more else None
