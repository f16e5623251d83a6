"""R25's APLD items: the tacit decision on a filed agreement, the bilan before each authorization
ends (while a renewal is still possible), the entry deadline of a draft agreement, and each
elapsed month of an authorization whose claim some covered establishments have not filed."""

import uuid
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules
from app.apld import service as apld
from app.apld.models import (
    AgreementStatus,
    ApldAgreement,
    ApldCoveredEstablishment,
    AuthorizationPeriod,
    RenewalStatus,
)
from app.authorizations import rules as auth_rules
from app.claims.models import Claim, ClaimStatus
from app.core.dates import add_months, paris_date
from app.core.principal import Principal
from app.core.tenancy import scoped
from app.deadlines.models import Deadline, DeadlineKind

APLD_KINDS = {
    DeadlineKind.apld_entry_deadline,
    DeadlineKind.apld_tacit_decision,
    DeadlineKind.apld_bilan,
    DeadlineKind.apld_claim,
}


def _item(
    agreement: ApldAgreement, kind: DeadlineKind, due: date, text: str, overdue: bool
) -> Deadline:
    return Deadline(
        kind=kind,
        due_on=due,
        overdue=overdue,
        description=text,
        establishment_id=None,
        client_id=agreement.client_id,
        resource_type="apld_agreement",
        resource_id=agreement.id,
    )


async def apld_deadlines(
    session: AsyncSession,
    principal: Principal,
    *,
    today: date,
    now: datetime,
    client_id: uuid.UUID | None,
    establishment_id: uuid.UUID | None,
) -> list[Deadline]:
    A = ApldAgreement
    stmt = scoped(A, principal).where(col(A.status) != AgreementStatus.refused)
    if client_id is not None:
        stmt = stmt.where(A.client_id == client_id)
    if establishment_id is not None:
        covered = select(ApldCoveredEstablishment.agreement_id).where(
            ApldCoveredEstablishment.establishment_id == establishment_id
        )
        stmt = stmt.where(col(A.id).in_(covered))
    agreements = list(await session.exec(stmt))
    ids = [a.id for a in agreements]
    renewals = await apld.renewals_of(session, ids)
    covering = await apld.covered_of(session, ids)
    filed, drafts = await _claimed(session, ids)
    items: list[Deadline] = []
    for a in agreements:
        status = rules.effective_status(a.status, a.type, a.tacit_decision_at, now)
        if status == AgreementStatus.draft:
            due = rules.entry_deadline(today)
            text = f"File the APLD agreement by {due} (R35)"
            items.append(_item(a, DeadlineKind.apld_entry_deadline, due, text, due < today))
        elif status == AgreementStatus.filed and a.tacit_decision_at is not None:
            due = paris_date(a.tacit_decision_at)
            text = (
                "Without a decision, the agreement is validated or homologated on this date (R36)"
            )
            items.append(_item(a, DeadlineKind.apld_tacit_decision, due, text, False))
        authorized, end, _ = apld.periods(a, renewals[a.id], now)
        establishments = [
            e for e in covering[a.id] if establishment_id is None or e == establishment_id
        ]
        items += _claim_items(a, authorized, establishments, filed, drafts, today)
        pending = any(r.status == RenewalStatus.filed for r in renewals[a.id])
        if authorized and end is not None and not pending:
            current = authorized[-1].end_on
            if today <= current < end:
                text = (
                    f"File the bilan before authorization {authorized[-1].sequence} ends to "
                    "renew it for 6 months (R37)"
                )
                items.append(_item(a, DeadlineKind.apld_bilan, current, text, False))
    return items


Claimed = set[tuple[uuid.UUID, uuid.UUID, date]]


async def _claimed(
    session: AsyncSession, agreement_ids: list[uuid.UUID]
) -> tuple[Claimed, Claimed]:
    """(agreement, establishment, month) of the filed, validated or paid APLD claims, and of
    the drafts."""
    filed: Claimed = set()
    drafts: Claimed = set()
    if agreement_ids:
        stmt = select(
            col(Claim.apld_agreement_id),
            col(Claim.establishment_id),
            col(Claim.month_on),
            col(Claim.status),
        ).where(col(Claim.apld_agreement_id).in_(agreement_ids))
        for agreement_id, establishment_id, month_on, status in await session.exec(stmt):
            assert agreement_id is not None
            key = (agreement_id, establishment_id, month_on)
            if status in (ClaimStatus.filed, ClaimStatus.validated, ClaimStatus.paid):
                filed.add(key)
            elif status == ClaimStatus.draft:
                drafts.add(key)
    return filed, drafts


def _claim_items(
    agreement: ApldAgreement,
    authorized: list[AuthorizationPeriod],
    establishments: list[uuid.UUID],
    filed: Claimed,
    drafts: Claimed,
    today: date,
) -> list[Deadline]:
    """R25, R41: each elapsed month of an authorization (before this one) that a covered
    establishment has not claimed, due by the time bar of the authorization (R21); one item per
    month, naming the establishments (its `establishment_id` when there is one)."""
    items: list[Deadline] = []
    seen: set[date] = set()
    for period in authorized:
        due = auth_rules.claim_time_bar(period.end_on)
        month = period.start_on.replace(day=1)
        while month <= period.end_on and month < today.replace(day=1):
            if month not in seen:
                seen.add(month)
                missing = [e for e in establishments if (agreement.id, e, month) not in filed]
                if missing:
                    ready = [e for e in missing if (agreement.id, e, month) in drafts]
                    text = (
                        f"File the APLD claim for {month:%Y-%m} of establishment(s) "
                        + ", ".join(str(e) for e in missing)
                        + " (R41, R21)"
                        + ("; drafts ready: " + ", ".join(map(str, ready)) if ready else "")
                    )
                    item = _item(agreement, DeadlineKind.apld_claim, due, text, due < today)
                    item.month = f"{month:%Y-%m}"
                    item.establishment_id = missing[0] if len(missing) == 1 else None
                    items.append(item)
            month = add_months(month, 1)
    return items
