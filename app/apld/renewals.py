"""Renewals of APLD authorizations: a bilan filed before the current authorization ends, then
its decision; no silence rule (R37), the duration cap in force on the filing date (R38)."""

import uuid
from datetime import date, datetime

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules, service
from app.apld.errors import (
    AgreementNotDecided,
    BilanTooLate,
    CapExceeded,
    DurationExceeded,
    RenewalPending,
)
from app.apld.models import (
    ApldRenewal,
    RenewalDecision,
    RenewalOutcome,
    RenewalPublic,
    RenewalStatus,
)
from app.audit import service as audit
from app.contracts import service as contracts
from app.contracts.models import Document
from app.core.dates import not_in_future
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import Conflict, InvalidInput, InvalidTransition

_REFUSALS: dict[str, type[Conflict]] = {
    "bilan_too_late": BilanTooLate,
    "apld_duration_exceeded": DurationExceeded,
    "apld_cap_exceeded": CapExceeded,
}


async def to_public(session: AsyncSession, renewal: ApldRenewal) -> RenewalPublic:
    shas = await service.digests(session, [renewal.bilan_document_id])
    return RenewalPublic.build(renewal, {"bilan_sha256": shas.get(renewal.bilan_document_id)})


async def get_renewal(
    session: AsyncSession, principal: Principal, renewal_id: uuid.UUID, *, lock: bool = False
) -> ApldRenewal:
    return await get_scoped(
        session, ApldRenewal, renewal_id, principal, label="APLD renewal", for_update=lock
    )


async def get_public(
    session: AsyncSession, principal: Principal, renewal_id: uuid.UUID
) -> RenewalPublic:
    return await to_public(session, await get_renewal(session, principal, renewal_id))


async def list_renewals(
    session: AsyncSession, principal: Principal, *, agreement_id: uuid.UUID
) -> list[RenewalPublic]:
    await service.get_agreement(session, principal, agreement_id)
    stmt = (
        scoped(ApldRenewal, principal)
        .where(ApldRenewal.agreement_id == agreement_id)
        .order_by(col(ApldRenewal.start_on), col(ApldRenewal.id))
    )
    rows = list(await session.exec(stmt))
    shas = await service.digests(session, [r.bilan_document_id for r in rows])
    return [RenewalPublic.build(r, {"bilan_sha256": shas.get(r.bilan_document_id)}) for r in rows]


async def _record(
    session: AsyncSession,
    principal: Principal,
    renewal: ApldRenewal,
    verb: str,
    before: str | None,
    now: datetime,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"apld_renewal.{verb}",
        resource_type="apld_renewal",
        resource_id=renewal.id,
        before=before,
        after=renewal.status,
        at=now,
    )


async def file_renewal(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    bilan_on: date,
    filename: str,
    content: bytes,
    now: datetime,
    today: date,
) -> RenewalPublic:
    # The agreement's row is held until the commit: renewals of one agreement take turns.
    agreement = await service.get_agreement(session, principal, agreement_id, lock=True)
    kind, tacit_at = agreement.type, agreement.tacit_decision_at
    renewals = (await service.renewals_of(session, [agreement.id]))[agreement.id]
    authorized, agreement_end, neutralise = service.periods(agreement, renewals, now)
    if not authorized or agreement_end is None:
        raise AgreementNotDecided(rules.effective_status(agreement.status, kind, tacit_at, now))
    not_in_future("bilan_on", bilan_on, today)
    decided = rules.decision_day(agreement.status, kind, tacit_at, agreement.decided_on, now)
    if decided is not None and bilan_on < decided:
        raise InvalidInput(
            "bilan_on", f"precedes the agreement's decision ({decided})", type="bilan_too_early"
        )
    if any(r.status == RenewalStatus.filed for r in renewals):
        raise RenewalPending(
            "A renewal of this agreement awaits its decision: record it first (R37)"
        )
    plan = rules.plan_renewal(
        bilan_on=bilan_on,
        current=(authorized[-1].start_on, authorized[-1].end_on),
        first_start=authorized[0].start_on,
        authorized=[(p.start_on, p.end_on) for p in authorized],
        agreement_end=agreement_end,
        neutralise=neutralise,
    )
    if isinstance(plan, rules.RenewalRefusal):
        raise _REFUSALS[plan.rule](f"The renewal cannot be filed: {plan.message}")
    await contracts.require_contract(session, principal, client_id=agreement.client_id, on=bilan_on)
    document = await contracts.store_document(
        session, principal, filename=filename, content=content
    )
    renewal = ApldRenewal(
        firm_account_id=principal.firm_account_id,
        agreement_id=agreement.id,
        client_id=agreement.client_id,
        bilan_on=bilan_on,
        bilan_document_id=document.id,
        start_on=plan.start_on,
        end_on=plan.end_on,
        cap_months=plan.cap_months,
        cap_window_months=plan.window_months,
    )
    session.add(renewal)
    await session.flush()
    await _record(session, principal, renewal, "filed", None, now)
    return await to_public(session, renewal)


async def decide_renewal(
    session: AsyncSession,
    principal: Principal,
    *,
    renewal_id: uuid.UUID,
    data: RenewalDecision,
    now: datetime,
    today: date,
) -> RenewalPublic:
    renewal = await get_renewal(session, principal, renewal_id, lock=True)
    if renewal.status != RenewalStatus.filed:
        raise InvalidTransition("APLD renewal", renewal.status, f"{data.outcome.value} (R37)")
    decided_on = data.decided_on or today
    not_in_future("decided_on", decided_on, today)
    if decided_on < renewal.bilan_on:
        raise InvalidInput(
            "decided_on", f"a decision is never dated before the bilan ({renewal.bilan_on}) (R17)"
        )
    if data.outcome == RenewalOutcome.refused and not data.reason:
        raise InvalidInput("reason", "required for a refusal (R37)", type="missing")
    renewal.status = RenewalStatus(data.outcome.value)
    renewal.decided_on = decided_on
    renewal.decision_reason = data.reason
    renewal.updated_at = now
    session.add(renewal)
    await _record(session, principal, renewal, data.outcome.value, RenewalStatus.filed, now)
    return await to_public(session, renewal)


async def bilan(session: AsyncSession, principal: Principal, renewal_id: uuid.UUID) -> Document:
    renewal = await get_renewal(session, principal, renewal_id)
    return await contracts.get_stored_document(session, principal, renewal.bilan_document_id)
