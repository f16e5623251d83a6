"""The claim's lifecycle after the draft: filing (R20, R21, R22), then validation, rejection,
withdrawal and payment (R24)."""

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations import rules as auth_rules
from app.authorizations.errors import RequestNotAccepted
from app.claims import queries, rules
from app.claims.apld import meter
from app.claims.apld import service as apld
from app.claims.models import ClaimPublic, ClaimStatus
from app.claims.service import (
    check_limits,
    client_regime,
    expected_allocation,
    get_claim,
    lock_scope,
    present,
    record,
    stored_and_public,
)
from app.claims.writes import rewrite_lines
from app.contracts import service as contracts
from app.core.dates import not_in_future
from app.core.principal import Principal
from app.errors import InvalidInput, InvalidTransition


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
    lines = (await queries.lines_of(session, [claim.id]))[claim.id]
    if claim.request_id is None:
        # R41: an APLD claim; its authorization, R39 and R40 are checked there. The agreement
        # and the client are locked before the contract, in the order ordinary claims take.
        scope = await apld.relock(session, principal, claim, now)
        contract = await contracts.require_contract(
            session, principal, client_id=claim.client_id, on=filed_on
        )
        rules.check_payroll_paid(claim.payroll_paid_on, claim.month_on, filed_on)
        await apld.check_filing(session, claim, lines, scope, filed_on=filed_on)
    else:
        request, terms = await lock_scope(session, principal, claim.request_id, now)
        contract = await contracts.require_contract(
            session, principal, client_id=request.client_id, on=filed_on
        )
        rules.check_payroll_paid(claim.payroll_paid_on, claim.month_on, filed_on)
        if not auth_rules.accepted_by(request, filed_on):
            raise RequestNotAccepted(f"not yet accepted on {filed_on}")
        rules.check_month(claim.month_on, terms.start_on, terms.end_on)
        rules.check_time_bar(filed_on, terms.end_on)
        await check_limits(session, claim, lines, terms)
        await meter.check_no_cumulation(session, claim, lines)  # R40
    # R24: a filed claim is immutable, amounts included: each line keeps the regime and the
    # amounts computed now, whatever later change of the client's regime (even backdated) or
    # revision of the legal table. The lines are written again with them (two statements).
    regime = await client_regime(session, claim)
    claim.status = ClaimStatus.filed
    claim.filed_on = filed_on
    claim.contract_id = contract.id
    claim.updated_at = now
    public, details = stored_and_public(claim, lines, regime)
    await rewrite_lines(session, claim, lines, details, regime)
    session.add(claim)
    await record(session, principal, claim, "filed", ClaimStatus.draft, now)
    await session.flush()
    return public


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
    await record(session, principal, claim, verb, before, now)
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


async def withdraw_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    reason: str,
    on: date,
    now: datetime,
    today: date,
) -> ClaimPublic:
    """R24: a filed claim not yet decided may be withdrawn, for good. It no longer counts
    (R3, R22) and its month is due again (R25) until another version of it is filed."""
    return await _move(
        session,
        principal,
        claim_id,
        expected=ClaimStatus.filed,
        target=ClaimStatus.withdrawn,
        verb="withdrawn",
        on=on,
        now=now,
        today=today,
        after_field="on",
        withdrawn_on=on,
        withdraw_reason=reason,
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
    expected = expected_allocation(await get_claim(session, principal, claim_id))
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
