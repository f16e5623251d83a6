"""R25's APLD items: the tacit decision on a filed agreement, the bilan before each authorization
ends (while a renewal is still possible), the entry deadline of a draft agreement."""

import uuid
from datetime import date, datetime

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules
from app.apld import service as apld
from app.apld.models import AgreementStatus, ApldAgreement, ApldCoveredEstablishment, RenewalStatus
from app.core.dates import paris_date
from app.core.principal import Principal
from app.core.tenancy import scoped
from app.deadlines.models import Deadline, DeadlineKind

APLD_KINDS = {
    DeadlineKind.apld_entry_deadline,
    DeadlineKind.apld_tacit_decision,
    DeadlineKind.apld_bilan,
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
    renewals = await apld.renewals_of(session, [a.id for a in agreements])
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
