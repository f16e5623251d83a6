"""Drafts of the monthly claim (DI): created, corrected (a new version of a paid or withdrawn
claim, R24), edited and deleted; their lines are written set-based and their totals stored
with them."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.claims import queries, rules, writes
from app.claims.apld import service as apld
from app.claims.errors import DuplicateClaimMonth
from app.claims.models import (
    Claim,
    ClaimCreate,
    ClaimPublic,
    ClaimStatus,
    ClaimUpdate,
    CorrectionCreate,
    LineInput,
)
from app.claims.service import (
    check_limits,
    client_regime,
    get_claim,
    lock_scope,
    present,
    record,
    stored_and_public,
)
from app.clients import service as clients
from app.core.dates import not_in_future
from app.core.integrity import flush_or_raise
from app.core.principal import Principal
from app.errors import InvalidTransition

# The claims that leave their month free to be claimed again, as the next version.
CLOSED = (ClaimStatus.rejected, ClaimStatus.withdrawn)


def _check_lines(month_on: date, lines: Sequence[LineInput], *, apld_claim: bool) -> None:
    if apld_claim:
        apld.check_lines(month_on, lines)
    else:
        rules.check_lines(month_on, lines)


async def create_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: ClaimCreate,
    now: datetime,
    today: date,
) -> ClaimPublic:
    request, terms = await lock_scope(session, principal, request_id, now)
    await clients.get_active_establishment(session, principal, request.establishment_id)
    month_on = date.fromisoformat(f"{data.month}-01")
    rules.check_month_covered(month_on)
    rules.check_month(month_on, terms.start_on, terms.end_on)
    if data.payroll_paid_on is not None:
        not_in_future("payroll_paid_on", data.payroll_paid_on, today)
    existing = (
        await session.exec(
            select(Claim).where(Claim.request_id == request.id, Claim.month_on == month_on)
        )
    ).all()
    if any(c.status not in CLOSED for c in existing):
        raise DuplicateClaimMonth(data.month)
    # After a rejection or a withdrawal the month is claimed again, as the next version.
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
    rules.check_lines(month_on, data.lines)
    public, details = stored_and_public(claim, data.lines, await client_regime(session, claim))
    session.add(claim)
    await flush_or_raise(
        session, {"uq_claim_request_id_month_on_version": lambda: DuplicateClaimMonth(data.month)}
    )
    await check_limits(session, claim, data.lines, terms)
    await writes.insert_lines(session, writes.line_rows(claim, data.lines, details))
    await record(session, principal, claim, "created", None, now)
    await session.flush()
    return public


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
    if original.status not in (ClaimStatus.paid, ClaimStatus.withdrawn):
        raise InvalidTransition(
            "claim", original.status, "corrected (only a paid or withdrawn claim is)"
        )
    terms = None
    if original.request_id is not None:
        _, terms = await lock_scope(session, principal, original.request_id, now)
    else:
        await apld.relock(session, principal, original, now)
    if data.payroll_paid_on is not None:
        not_in_future("payroll_paid_on", data.payroll_paid_on, today)
    correction = Claim(
        firm_account_id=principal.firm_account_id,
        request_id=original.request_id,
        apld_agreement_id=original.apld_agreement_id,
        establishment_id=original.establishment_id,
        client_id=original.client_id,
        month_on=original.month_on,
        version=original.version + 1,
        corrects_id=original.id,
        payroll_paid_on=data.payroll_paid_on or original.payroll_paid_on,
    )
    inputs: Sequence[LineInput]
    if data.lines is not None:
        inputs = data.lines
    else:
        inputs = [
            LineInput.model_validate(ln, from_attributes=True)
            for ln in (await queries.lines_of(session, [original.id]))[original.id]
        ]
    _check_lines(correction.month_on, inputs, apld_claim=terms is None)
    public, details = stored_and_public(
        correction, inputs, await client_regime(session, correction)
    )
    session.add(correction)
    month = f"{original.month_on:%Y-%m}"
    await flush_or_raise(
        session,
        {
            "uq_claim_request_id_month_on_version": lambda: DuplicateClaimMonth(month),
            "uq_claim_corrects_id": lambda: DuplicateClaimMonth(month),
            apld.UNIQUE: lambda: DuplicateClaimMonth(month),
        },
    )
    if terms is not None:
        await check_limits(session, correction, inputs, terms)
    await writes.insert_lines(session, writes.line_rows(correction, inputs, details))
    await record(session, principal, correction, "created", None, now)
    await session.flush()
    return public


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
    terms = None
    if claim.request_id is not None:
        _, terms = await lock_scope(session, principal, claim.request_id, now)
    else:
        await apld.relock(session, principal, claim, now)
    if "payroll_paid_on" in data.model_fields_set:
        if data.payroll_paid_on is not None:
            not_in_future("payroll_paid_on", data.payroll_paid_on, today)
        claim.payroll_paid_on = data.payroll_paid_on
    regime = await client_regime(session, claim)
    claim.updated_at = now
    if data.lines is not None:
        _check_lines(claim.month_on, data.lines, apld_claim=terms is None)
        if terms is not None:
            await check_limits(session, claim, data.lines, terms)
        public, details = stored_and_public(claim, data.lines, regime)
        await writes.delete_lines(session, claim)
        await writes.insert_lines(session, writes.line_rows(claim, data.lines, details))
    else:
        lines = (await queries.lines_of(session, [claim.id]))[claim.id]
        public, _ = stored_and_public(claim, lines, regime)
    session.add(claim)
    await session.flush()
    # Not a state change (R26 asks for those), but the trail should say who edited a draft.
    await record(session, principal, claim, "updated", ClaimStatus.draft, now)
    return public


async def delete_claim(
    session: AsyncSession, principal: Principal, *, claim_id: uuid.UUID, now: datetime
) -> None:
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != ClaimStatus.draft:
        raise InvalidTransition("claim", claim.status, "deleted")
    await writes.delete_lines(session, claim)
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
