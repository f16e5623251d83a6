"""Use cases of the monthly indemnity claim (DI): R19–R22 and the lifecycle of R24."""

import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.authorizations import rules as auth_rules
from app.authorizations import service as requests
from app.authorizations.errors import RequestNotAccepted
from app.authorizations.models import AuthorizationRequest, AuthorizedTerms
from app.claims.errors import (
    AnnualQuotaExceeded,
    ClaimTimeBarred,
    DuplicateClaimMonth,
    EmployeesExceedAuthorized,
    HoursExceedAuthorized,
    MonthOutsideAuthorization,
    PayrollNotPaid,
)
from app.claims.models import (
    AuthorizationSummary,
    Claim,
    ClaimCreate,
    ClaimLine,
    ClaimPublic,
    ClaimStatus,
    ClaimSummary,
    ClaimUpdate,
    CorrectionCreate,
    EstablishmentSummary,
    LineInput,
    LinePublic,
    mask_nir,
)
from app.clients import service as clients
from app.clients.models import Client, ClientRegime
from app.contracts import service as contracts
from app.core.dates import month_end, not_in_future
from app.core.integrity import flush_or_raise
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import InvalidInput, InvalidTransition
from app.legal.amounts import line_amounts
from app.legal.table import parameter_table

COUNTED = (ClaimStatus.filed, ClaimStatus.validated, ClaimStatus.paid)


# --- presenting (amounts: R23) -------------------------------------------------------------


async def _lines(
    session: AsyncSession, claim_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[ClaimLine]]:
    out: dict[uuid.UUID, list[ClaimLine]] = defaultdict(list)
    if claim_ids:
        stmt = select(ClaimLine).where(col(ClaimLine.claim_id).in_(claim_ids))
        for line in await session.exec(stmt.order_by(col(ClaimLine.position))):
            out[line.claim_id].append(line)
    return out


def _computed(
    claim: Claim, lines: Sequence[ClaimLine], regimes: list[ClientRegime]
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Each line's amounts with the parameters of the claim's month, and the claim's totals."""
    table = parameter_table()
    client_regime = clients.regime_on(regimes, claim.month_on)
    computed = []
    for line in lines:
        regime = line.regime or client_regime
        amounts = line_amounts(
            table.for_month(claim.month_on, regime), line.hourly_rate, line.hours_not_worked
        )
        computed.append({**asdict(amounts), "applied": list(amounts.applied), "regime": regime})
    zero = Decimal("0.00")
    indemnity = sum((c["indemnity_amount"] for c in computed), zero)
    allocation = sum((c["allocation_amount"] for c in computed), zero)
    totals = {
        "month": claim.month_on.strftime("%Y-%m"),
        "employee_count": len(lines),
        "total_hours": sum((line.hours_not_worked for line in lines), zero),
        "total_indemnity": indemnity,
        "total_allocation": allocation,
        "employer_cost": indemnity - allocation,
        "expected_allocation": (
            claim.expected_allocation if claim.expected_allocation is not None else allocation
        ),
    }
    return computed, totals


async def expected_allocation(session: AsyncSession, claim: Claim) -> Decimal:
    lines = (await _lines(session, [claim.id]))[claim.id]
    regimes = (await clients.regimes_of(session, [claim.client_id]))[claim.client_id]
    return _computed(claim, lines, regimes)[1]["total_allocation"]


def to_public(claim: Claim, lines: Sequence[ClaimLine], regimes: list[ClientRegime]) -> ClaimPublic:
    computed, totals = _computed(claim, lines, regimes)
    public_lines = [
        LinePublic.build(line, {**amounts, "nir": mask_nir(line.nir)})
        for line, amounts in zip(lines, computed, strict=True)
    ]
    return ClaimPublic.build(claim, {**totals, "lines": public_lines})


async def present(session: AsyncSession, claim: Claim) -> ClaimPublic:
    regimes = (await clients.regimes_of(session, [claim.client_id]))[claim.client_id]
    return to_public(claim, (await _lines(session, [claim.id]))[claim.id], regimes)


def _check_month_covered(month_on: date) -> None:
    """R23: a month outside the legal parameter table is refused, naming the covered range."""
    table = parameter_table()
    if not table.first_month <= month_on <= table.last_month:
        raise InvalidInput(
            "month",
            f"no legal parameters for {month_on:%Y-%m}: the table covers "
            f"{table.first_month:%Y-%m} to {table.last_month:%Y-%m}",
            type="month_outside_parameters",
        )


async def get_claim(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID, *, lock: bool = False
) -> Claim:
    return await get_scoped(session, Claim, claim_id, principal, label="Claim", for_update=lock)


async def get_public(
    session: AsyncSession, principal: Principal, claim_id: uuid.UUID
) -> ClaimPublic:
    return await present(session, await get_claim(session, principal, claim_id))


async def list_claims(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    request_id: uuid.UUID | None = None,
    establishment_id: uuid.UUID | None = None,
    status: ClaimStatus | None = None,
    month: str | None = None,
    discrepancy: bool | None = None,
) -> tuple[list[ClaimSummary], str | None]:
    stmt = scoped(Claim, principal)
    if request_id is not None:
        await requests.get_request(session, principal, request_id)
        stmt = stmt.where(Claim.request_id == request_id)
    if establishment_id is not None:
        stmt = stmt.where(Claim.establishment_id == establishment_id)
    if status is not None:
        stmt = stmt.where(Claim.status == status)
    if month is not None:
        stmt = stmt.where(Claim.month_on == date.fromisoformat(f"{month}-01"))
    if discrepancy is True:
        stmt = stmt.where(col(Claim.discrepancy).is_not(None), col(Claim.discrepancy) != 0)
    elif discrepancy is False:
        stmt = stmt.where(col(Claim.discrepancy) == 0)
    rows, cursor = await paginate(session, stmt, Claim.id, page)  # type: ignore[arg-type]
    lines = await _lines(session, [c.id for c in rows])
    regimes = await clients.regimes_of(session, list({c.client_id for c in rows}))
    items = [
        ClaimSummary.build(c, _computed(c, lines[c.id], regimes[c.client_id])[1]) for c in rows
    ]
    return items, cursor


# --- R19, R22 checks -----------------------------------------------------------------------


def _check_month(month_on: date, terms: AuthorizedTerms) -> None:
    """R19: the month overlaps the authorized period."""
    if month_end(month_on) < terms.start_on or month_on > terms.end_on:
        raise MonthOutsideAuthorization(
            f"{month_on:%Y-%m} is outside the authorized period "
            f"{terms.start_on} – {terms.end_on} (R19)"
        )


async def _counted_claims(
    session: AsyncSession, where: list[object], exclude: set[uuid.UUID]
) -> list[Claim]:
    """Filed, validated and paid claims; of a corrected month only its latest version counts."""
    stmt = select(Claim).where(col(Claim.status).in_(COUNTED), *where)  # type: ignore[arg-type]
    claims = [c for c in await session.exec(stmt) if c.id not in exclude]
    latest: dict[tuple[uuid.UUID, date], Claim] = {}
    for c in claims:
        key = (c.request_id, c.month_on)
        if key not in latest or c.version > latest[key].version:
            latest[key] = c
    return list(latest.values())


async def check_limits(
    session: AsyncSession,
    claim: Claim,
    lines: Sequence[LineInput] | Sequence[ClaimLine],
    terms: AuthorizedTerms,
) -> None:
    """R22: employees per claim, hours over the request, and each employee's annual quota."""
    if len(lines) > terms.employees:
        raise EmployeesExceedAuthorized(len(lines), terms.employees)
    exclude = {claim.id} | ({claim.corrects_id} if claim.corrects_id else set())
    others = await _counted_claims(session, [Claim.request_id == claim.request_id], exclude)
    other_lines = await _lines(session, [c.id for c in others])
    used = sum((ln.hours_not_worked for c in others for ln in other_lines[c.id]), Decimal(0))
    asked = sum((ln.hours_not_worked for ln in lines), Decimal(0))
    if used + asked > terms.hours:
        raise HoursExceedAuthorized(asked, max(terms.hours - used, Decimal(0)))

    year = claim.month_on.year
    quota = auth_rules.annual_quota(year)
    same_year = [
        Claim.client_id == claim.client_id,
        col(Claim.month_on) >= date(year, 1, 1),
        col(Claim.month_on) <= date(year, 12, 1),
    ]
    year_claims = await _counted_claims(session, same_year, exclude)
    year_lines = await _lines(session, [c.id for c in year_claims])
    per_employee: dict[str, Decimal] = defaultdict(Decimal)
    for c in year_claims:
        for ln in year_lines[c.id]:
            per_employee[ln.employee_ref] += ln.hours_not_worked
    for line in lines:
        taken = per_employee[line.employee_ref]
        if taken + line.hours_not_worked > quota:
            remaining = max(quota - taken, Decimal(0))
            raise AnnualQuotaExceeded(line.employee_ref, year, quota, remaining)


# --- drafts --------------------------------------------------------------------------------


async def _replace_lines(session: AsyncSession, claim: Claim, lines: Sequence[LineInput]) -> None:
    for old in (await _lines(session, [claim.id]))[claim.id]:
        await session.delete(old)
    await session.flush()
    for position, line in enumerate(lines):
        session.add(
            ClaimLine.model_validate(
                line,
                update={
                    "claim_id": claim.id,
                    "firm_account_id": claim.firm_account_id,
                    "position": position,
                },
            )
        )


async def _lock_scope(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, now: datetime
) -> tuple[AuthorizationRequest, AuthorizedTerms]:
    """Lock the request (hours) and its client (annual quota) so that concurrent claims are
    checked one after the other."""
    request, terms = await requests.require_accepted(session, principal, request_id, now, lock=True)
    (
        await session.exec(
            select(Client.id).where(Client.id == request.client_id).with_for_update()
        )
    ).first()
    return request, terms


async def _record(
    session: AsyncSession,
    principal: Principal,
    claim: Claim,
    verb: str,
    before: str | None,
    now: datetime,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"claim.{verb}",
        resource_type="claim",
        resource_id=claim.id,
        establishment_id=claim.establishment_id,
        before=before,
        after=claim.status,
        at=now,
    )


async def create_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: ClaimCreate,
    now: datetime,
    today: date,
) -> ClaimPublic:
    request, terms = await _lock_scope(session, principal, request_id, now)
    await clients.get_active_establishment(session, principal, request.establishment_id)
    month_on = date.fromisoformat(f"{data.month}-01")
    _check_month_covered(month_on)
    _check_month(month_on, terms)
    if data.payroll_paid_on is not None:
        not_in_future("payroll_paid_on", data.payroll_paid_on, today)
    existing = (
        await session.exec(
            select(Claim).where(Claim.request_id == request.id, Claim.month_on == month_on)
        )
    ).all()
    if any(c.status != ClaimStatus.rejected for c in existing):
        raise DuplicateClaimMonth(data.month)
    # After a rejection the month is claimed again, as the next version.
    version = max((c.version for c in existing), default=0) + 1
    claim = Claim(
        firm_account_id=principal.firm_account_id,
        request_id=request.id,
        establishment_id=request.establishment_id,
        client_id=request.client_id,
        month_on=month_on,
        version=version,
        payroll_paid_on=data.payroll_paid_on,
    )
    session.add(claim)
    await flush_or_raise(
        session, {"uq_claim_request_id_month_on_version": lambda: DuplicateClaimMonth(data.month)}
    )
    await check_limits(session, claim, data.lines, terms)
    await _replace_lines(session, claim, data.lines)
    await _record(session, principal, claim, "created", None, now)
    await session.flush()
    return await present(session, claim)


async def create_correction(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    data: CorrectionCreate,
    now: datetime,
    today: date,
) -> ClaimPublic:
    original = await get_claim(session, principal, claim_id, lock=True)
    if original.status != ClaimStatus.paid:
        raise InvalidTransition("claim", original.status, "corrected (only a paid claim is)")
    _, terms = await _lock_scope(session, principal, original.request_id, now)
    if data.payroll_paid_on is not None:
        not_in_future("payroll_paid_on", data.payroll_paid_on, today)
    correction = Claim(
        firm_account_id=principal.firm_account_id,
        request_id=original.request_id,
        establishment_id=original.establishment_id,
        client_id=original.client_id,
        month_on=original.month_on,
        version=original.version + 1,
        corrects_id=original.id,
        payroll_paid_on=data.payroll_paid_on or original.payroll_paid_on,
    )
    session.add(correction)
    month = f"{original.month_on:%Y-%m}"
    await flush_or_raise(
        session,
        {
            "uq_claim_request_id_month_on_version": lambda: DuplicateClaimMonth(month),
            "uq_claim_corrects_id": lambda: DuplicateClaimMonth(month),
        },
    )
    lines: Sequence[LineInput]
    if data.lines is not None:
        lines = data.lines
    else:
        lines = [
            LineInput.model_validate(ln, from_attributes=True)
            for ln in (await _lines(session, [original.id]))[original.id]
        ]
    await check_limits(session, correction, lines, terms)
    await _replace_lines(session, correction, lines)
    await _record(session, principal, correction, "created", None, now)
    await session.flush()
    return await present(session, correction)


async def update_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    data: ClaimUpdate,
    now: datetime,
    today: date,
) -> ClaimPublic:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != ClaimStatus.draft:
        raise InvalidTransition("claim", claim.status, "edited (filed claims are immutable, R24)")
    if not data.model_fields_set:  # nothing to change: no new `updated_at`, no event
        return await present(session, claim)
    _, terms = await _lock_scope(session, principal, claim.request_id, now)
    if "payroll_paid_on" in data.model_fields_set:
        if data.payroll_paid_on is not None:
            not_in_future("payroll_paid_on", data.payroll_paid_on, today)
        claim.payroll_paid_on = data.payroll_paid_on
    if data.lines is not None:
        await check_limits(session, claim, data.lines, terms)
        await _replace_lines(session, claim, data.lines)
    claim.updated_at = now
    session.add(claim)
    await session.flush()
    # Not a state change (R26 asks for those), but the trail should say who edited a draft.
    await _record(session, principal, claim, "updated", ClaimStatus.draft, now)
    return await present(session, claim)


async def delete_claim(
    session: AsyncSession, principal: Principal, *, claim_id: uuid.UUID, now: datetime
) -> None:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != ClaimStatus.draft:
        raise InvalidTransition("claim", claim.status, "deleted")
    for line in (await _lines(session, [claim.id]))[claim.id]:
        await session.delete(line)
    await audit.record(
        session,
        principal,
        action="claim.deleted",
        resource_type="claim",
        resource_id=claim.id,
        establishment_id=claim.establishment_id,
        before=ClaimStatus.draft,
        at=now,
    )
    await session.flush()
    await session.delete(claim)
    await session.flush()


# --- lifecycle (R20, R21, R24) -------------------------------------------------------------


async def file_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    filed_on: date,
    now: datetime,
    today: date,
) -> ClaimPublic:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != ClaimStatus.draft:
        raise InvalidTransition("claim", claim.status, "filed")
    not_in_future("filed_on", filed_on, today)
    request, terms = await _lock_scope(session, principal, claim.request_id, now)
    contract = await contracts.require_contract(
        session, principal, client_id=request.client_id, on=filed_on
    )
    if claim.payroll_paid_on is None:
        raise PayrollNotPaid()
    if claim.payroll_paid_on > filed_on:
        raise PayrollNotPaid(
            f"The month's pay is paid on {claim.payroll_paid_on}, "
            f"after the filing on {filed_on} (R20)"
        )
    if claim.payroll_paid_on < claim.month_on:
        raise PayrollNotPaid(
            f"The pay of {claim.month_on:%Y-%m} cannot have been paid on "
            f"{claim.payroll_paid_on}, before the month began (R20)"
        )
    if not requests.accepted_by(request, filed_on):
        raise RequestNotAccepted(f"not yet accepted on {filed_on}")
    _check_month(claim.month_on, terms)
    bar = auth_rules.claim_time_bar(terms.end_on)
    if filed_on > bar:
        raise ClaimTimeBarred(
            f"The authorization ended on {terms.end_on}: its claims are filed by {bar} (R21)"
        )
    lines = (await _lines(session, [claim.id]))[claim.id]
    await check_limits(session, claim, lines, terms)
    # R24: a filed claim is immutable, amounts included: freeze each line's regime now, so a
    # later (even backdated) change of the client's regime leaves this claim as filed.
    client_regime = clients.regime_on(
        (await clients.regimes_of(session, [claim.client_id]))[claim.client_id], claim.month_on
    )
    for line in lines:
        if line.regime is None:
            line.regime = client_regime
            session.add(line)
    claim.status = ClaimStatus.filed
    claim.filed_on = filed_on
    claim.contract_id = contract.id
    claim.updated_at = now
    session.add(claim)
    await _record(session, principal, claim, "filed", ClaimStatus.draft, now)
    await session.flush()
    return await present(session, claim)


async def _move(
    session: AsyncSession,
    principal: Principal,
    claim_id: uuid.UUID,
    *,
    expected: ClaimStatus,
    target: ClaimStatus,
    verb: str,
    on: date,
    now: datetime,
    today: date,
    after_field: str,
    **changes: object,
) -> ClaimPublic:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != expected:
        raise InvalidTransition("claim", claim.status, verb)
    not_in_future(after_field, on, today)
    previous = claim.validated_on if target == ClaimStatus.paid else claim.filed_on
    if previous is not None and on < previous:
        raise InvalidInput(after_field, f"precedes the previous step ({previous})")
    before = claim.status
    claim.sqlmodel_update(changes)
    claim.status = target
    claim.updated_at = now
    session.add(claim)
    await _record(session, principal, claim, verb, before, now)
    await session.flush()
    return await present(session, claim)


async def validate_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    on: date,
    now: datetime,
    today: date,
) -> ClaimPublic:
    return await _move(
        session,
        principal,
        claim_id,
        expected=ClaimStatus.filed,
        target=ClaimStatus.validated,
        verb="validated",
        on=on,
        now=now,
        today=today,
        after_field="on",
        validated_on=on,
    )


async def reject_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    reason: str,
    on: date,
    now: datetime,
    today: date,
) -> ClaimPublic:
    return await _move(
        session,
        principal,
        claim_id,
        expected=ClaimStatus.filed,
        target=ClaimStatus.rejected,
        verb="rejected",
        on=on,
        now=now,
        today=today,
        after_field="on",
        rejected_on=on,
        reject_reason=reason,
    )


async def pay_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    paid_on: date,
    amount: Decimal,
    now: datetime,
    today: date,
) -> ClaimPublic:
    # R24: what was expected at payment is kept, with the gap to what was actually paid.
    expected = await expected_allocation(session, await get_claim(session, principal, claim_id))
    return await _move(
        session,
        principal,
        claim_id,
        expected=ClaimStatus.validated,
        target=ClaimStatus.paid,
        verb="paid",
        on=paid_on,
        now=now,
        today=today,
        after_field="paid_on",
        paid_on=paid_on,
        paid_amount=amount,
        expected_allocation=expected,
        discrepancy=amount - expected,
    )


async def count_unpaid(session: AsyncSession, *, establishment_id: uuid.UUID) -> int:
    """Filed or validated claims not yet paid (R3: they keep the establishment active)."""
    stmt = select(func.count()).where(
        Claim.establishment_id == establishment_id,
        col(Claim.status).in_([ClaimStatus.filed, ClaimStatus.validated]),
    )
    return (await session.exec(stmt)).one()


async def establishment_summary(
    session: AsyncSession, principal: Principal, *, establishment_id: uuid.UUID, now: datetime
) -> EstablishmentSummary:
    """Per authorization: hours authorized, claimed and remaining; amounts expected and paid."""
    establishment = await clients.get_establishment(session, principal, establishment_id)
    found = list(
        await session.exec(
            scoped(AuthorizationRequest, principal)
            .where(AuthorizationRequest.establishment_id == establishment.id)
            .order_by(col(AuthorizationRequest.id))
        )
    )
    amendments = await requests.amendments_of(session, [r.id for r in found])
    regimes = (await clients.regimes_of(session, [establishment.client_id]))[
        establishment.client_id
    ]
    zero = Decimal("0.00")
    items = []
    for request in found:
        counted = await _counted_claims(session, [Claim.request_id == request.id], set())
        lines = await _lines(session, [c.id for c in counted])
        hours = sum((ln.hours_not_worked for c in counted for ln in lines[c.id]), zero)
        expected = sum(
            (_computed(c, lines[c.id], regimes)[1]["expected_allocation"] for c in counted), zero
        )
        paid = sum((c.paid_amount or zero for c in counted), zero)
        terms = requests.authorized_terms(request, amendments[request.id], now)
        items.append(
            AuthorizationSummary(
                request_id=request.id,
                status=auth_rules.effective_status(
                    request.status, request.implicit_acceptance_at, now
                ),
                start_on=terms.start_on if terms else request.start_on,
                end_on=terms.end_on if terms else request.end_on,
                authorized_hours=terms.hours if terms else None,
                hours_claimed=hours,
                hours_remaining=terms.hours - hours if terms else None,
                expected_allocation=expected,
                paid_amount=paid,
                claims=len(counted),
            )
        )
    return EstablishmentSummary(
        establishment_id=establishment.id,
        authorizations=items,
        expected_allocation=sum((i.expected_allocation for i in items), zero),
        paid_amount=sum((i.paid_amount for i in items), zero),
    )
