"""R40: the APLD authorizations that cover an establishment over a period, as they stood on a
given day (for an ordinary request filed that day)."""

import uuid
from datetime import date, datetime, time

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules
from app.apld.models import (
    AgreementStatus,
    ApldAgreement,
    ApldCoveredEstablishment,
    AuthorizationPeriod,
)
from app.apld.service import periods, renewals_of
from app.core.clock import PARIS
from app.core.principal import Principal
from app.core.tenancy import scoped


async def authorizations_covering(
    session: AsyncSession,
    principal: Principal,
    *,
    establishment_id: uuid.UUID,
    start_on: date,
    end_on: date,
    on: date,
) -> list[tuple[ApldAgreement, AuthorizationPeriod]]:
    """The authorizations decided by `on` (the agreement's decision, explicit or tacit, or the
    renewal's) of the agreements covering the establishment, that overlap the period."""
    covered = select(ApldCoveredEstablishment.agreement_id).where(
        ApldCoveredEstablishment.establishment_id == establishment_id
    )
    stmt = scoped(ApldAgreement, principal).where(
        col(ApldAgreement.id).in_(covered),
        col(ApldAgreement.status) != AgreementStatus.refused,
        col(ApldAgreement.status) != AgreementStatus.draft,
    )
    agreements = list(await session.exec(stmt))
    renewals = await renewals_of(session, [a.id for a in agreements])
    # the end of `on`: a decision of that day counts
    moment = datetime.combine(on, time.max, PARIS)
    out = []
    for agreement in agreements:
        decided = rules.decision_day(
            agreement.status,
            agreement.type,
            agreement.tacit_decision_at,
            agreement.decided_on,
            moment,
        )
        if decided is None or decided > on:
            continue
        by_id = {r.id: r for r in renewals[agreement.id]}
        found, _, _ = periods(agreement, renewals[agreement.id], moment)
        for period in found:
            if period.renewal_id is not None:
                renewal_decided = by_id[period.renewal_id].decided_on
                if renewal_decided is None or renewal_decided > on:
                    continue
            if period.start_on <= end_on and start_on <= period.end_on:
                out.append((agreement, period))
    return out
