"""Use cases of the claw-back (OR) of a paid claim (R42): recorded from the ASP's notice
(`to_issue`), then `issued` or `cancelled`. The claim stays paid; it keeps the sum of its
issued claw-backs (`clawed_back`), written under its row lock, for its net amount received.

Locks: a creation locks the claim, then adds the claw-back; a step locks the claw-back, then
the claim. Neither waits on a row the other holds first (a creation locks no claw-back), and
the firm's row (the event) comes last, as everywhere."""

import uuid
from collections.abc import Collection
from datetime import date, datetime
from decimal import Decimal

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.claims.claw_backs import rules
from app.claims.claw_backs.models import (
    ClawBack,
    ClawBackCreate,
    ClawBackPublic,
    ClawBackStatus,
)
from app.claims.models import Claim, ClaimStatus
from app.claims.queries import decimal_sum
from app.claims.service import get_claim
from app.core.dates import not_in_future
from app.core.pagination import PageParams, paginate_public
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import InvalidTransition

ZERO = Decimal("0.00")
# What counts against the amount paid: every claw-back but the cancelled ones.
STANDING = (ClawBackStatus.to_issue, ClawBackStatus.issued)


async def get_claw_back(
    session: AsyncSession, principal: Principal, claw_back_id: uuid.UUID, *, lock: bool = False
) -> ClawBack:
    return await get_scoped(
        session, ClawBack, claw_back_id, principal, label="Claw-back", for_update=lock
    )


async def get_public(
    session: AsyncSession, principal: Principal, claw_back_id: uuid.UUID
) -> ClawBackPublic:
    return ClawBackPublic.model_validate(await get_claw_back(session, principal, claw_back_id))


async def list_claw_backs(
    session: AsyncSession, principal: Principal, *, claim_id: uuid.UUID, page: PageParams
) -> tuple[list[ClawBackPublic], str | None]:
    """The claim's claw-backs, oldest first; another firm's claim is a 404."""
    await get_claim(session, principal, claim_id)
    stmt = scoped(ClawBack, principal).where(ClawBack.claim_id == claim_id)
    return await paginate_public(session, stmt, ClawBack.id, page, ClawBackPublic)  # type: ignore[arg-type]


async def _sum(
    session: AsyncSession, claim_id: uuid.UUID, statuses: Collection[ClawBackStatus]
) -> Decimal:
    stmt = select(decimal_sum(col(ClawBack.amount))).where(
        ClawBack.claim_id == claim_id, col(ClawBack.status).in_(statuses)
    )
    total: Decimal | None = (await session.exec(stmt)).one()
    return total if total is not None else ZERO


async def _record(
    session: AsyncSession,
    principal: Principal,
    claw_back: ClawBack,
    claim: Claim,
    verb: str,
    before: str | None,
    now: datetime,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"claw_back.{verb}",
        resource_type="claw_back",
        resource_id=claw_back.id,
        establishment_id=claim.establishment_id,
        before=before,
        after=claw_back.status,
        at=now,
    )


async def create_claw_back(
    session: AsyncSession,
    principal: Principal,
    *,
    claim_id: uuid.UUID,
    data: ClawBackCreate,
    noticed_on: date,
    now: datetime,
    today: date,
) -> ClawBackPublic:
    # The claim's lock makes concurrent creations take turns: each sums the others' amounts.
    claim = await get_claim(session, principal, claim_id, lock=True)
    if claim.status != ClaimStatus.paid or claim.paid_on is None or claim.paid_amount is None:
        raise InvalidTransition("claim", claim.status, "clawed back (only a paid claim is, R42)")
    not_in_future("noticed_on", noticed_on, today)
    rules.check_not_before("noticed_on", noticed_on, claim.paid_on, "the payment")
    already = await _sum(session, claim.id, STANDING)
    rules.check_amount(data.amount, paid=claim.paid_amount, already=already)
    claw_back = ClawBack.model_validate(
        data,
        update={
            "firm_account_id": principal.firm_account_id,
            "claim_id": claim.id,
            "noticed_on": noticed_on,
            "status": ClawBackStatus.to_issue,
        },
    )
    session.add(claw_back)
    await _record(session, principal, claw_back, claim, "created", None, now)
    await session.flush()
    return ClawBackPublic.model_validate(claw_back)


async def _moved(
    session: AsyncSession,
    principal: Principal,
    claw_back: ClawBack,
    verb: str,
    before: ClawBackStatus,
    now: datetime,
) -> ClawBackPublic:
    """The step written, the claim's sum of issued claw-backs brought up to date under its
    lock (its net amount received changes: a new version of the claim), the event."""
    claw_back.updated_at = now
    session.add(claw_back)
    await session.flush()
    claim = await get_claim(session, principal, claw_back.claim_id, lock=True)
    clawed = await _sum(session, claim.id, (ClawBackStatus.issued,))
    if clawed != claim.clawed_back:
        claim.clawed_back = clawed
        claim.updated_at = now
        session.add(claim)
    await _record(session, principal, claw_back, claim, verb, before, now)
    await session.flush()
    return ClawBackPublic.model_validate(claw_back)


async def issue_claw_back(
    session: AsyncSession,
    principal: Principal,
    *,
    claw_back_id: uuid.UUID,
    on: date,
    now: datetime,
    today: date,
) -> ClawBackPublic:
    claw_back = await get_claw_back(session, principal, claw_back_id, lock=True)
    before = claw_back.status
    rules.check_step(before, "issued")
    not_in_future("on", on, today)
    rules.check_not_before("on", on, claw_back.noticed_on, "the notice")
    claw_back.status = ClawBackStatus.issued
    claw_back.issued_on = on
    return await _moved(session, principal, claw_back, "issued", before, now)


async def cancel_claw_back(
    session: AsyncSession,
    principal: Principal,
    *,
    claw_back_id: uuid.UUID,
    reason: str,
    on: date,
    now: datetime,
    today: date,
) -> ClawBackPublic:
    claw_back = await get_claw_back(session, principal, claw_back_id, lock=True)
    before = claw_back.status
    rules.check_step(before, "cancelled")
    not_in_future("on", on, today)
    if claw_back.issued_on is not None:
        rules.check_not_before("on", on, claw_back.issued_on, "its issue")
    else:
        rules.check_not_before("on", on, claw_back.noticed_on, "the notice")
    claw_back.status = ClawBackStatus.cancelled
    claw_back.cancelled_on = on
    claw_back.cancel_reason = reason
    return await _moved(session, principal, claw_back, "cancelled", before, now)
