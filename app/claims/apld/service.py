"""APLD claims (R41): claims of the claim table under an APLD agreement instead of a request,
one per covered establishment and month of an authorization (the first 6 months or a granted
renewal), drafted here; the lifecycle after the draft is the claims' own (`filing`), which
calls `check_filing` for what differs (R19–R21 read for APLD, R39, R40)."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import rules as apld_rules
from app.apld import service as agreements
from app.apld.errors import AgreementNotDecided
from app.apld.models import ApldAgreement, AuthorizationPeriod
from app.apld.table import apld_table
from app.claims import rules, writes
from app.claims.apld import meter
from app.claims.apld.errors import ApldMonthClaimed, NotAuthorizedYet
from app.claims.apld.models import ApldClaimCreate
from app.claims.errors import MonthOutsideAuthorization
from app.claims.models import APLD_UNIQUE, Claim, ClaimPublic, ClaimStatus
from app.claims.service import client_regime, record, stored_and_public
from app.clients import service as clients
from app.clients.models import Client
from app.core.dates import month_end, not_in_future
from app.core.integrity import flush_or_raise
from app.core.principal import Principal
from app.errors import InvalidInput

# The claims that leave their month free to be claimed again, as the next version.
CLOSED = (ClaimStatus.rejected, ClaimStatus.withdrawn)
UNIQUE = APLD_UNIQUE


@dataclass(frozen=True)
class ApldScope:
    agreement: ApldAgreement
    period: AuthorizationPeriod
    periods: list[AuthorizationPeriod]
    agreement_end: date
    neutralise: bool
    # when each authorization was decided: the agreement's decision, then each renewal's
    decided: dict[int, date | None]


def check_month_covered(month_on: date) -> None:
    """R41: a month outside the APLD table is refused, naming the covered range."""
    table = apld_table()
    first, last = table.amounts[0].first_month, table.amounts[-1].last_month
    if not first <= month_on <= last:
        raise InvalidInput(
            "month",
            f"no APLD parameters for {month_on:%Y-%m}: the APLD table covers {first:%Y-%m} to "
            f"{last:%Y-%m}",
            type="month_outside_parameters",
        )


def check_lines(month_on: date, lines: Sequence[Any]) -> None:
    """R27–R31 as for ordinary lines; R34's absences are an ordinary claim's only."""
    rules.check_lines(month_on, lines)
    for i, line in enumerate(lines):
        if line.absence_reason is not None:
            raise InvalidInput(
                f"lines.{i}.absence_reason",
                "a vulnerable or childcare absence is claimed on an ordinary claim (R34)",
                type="absence_not_apld",
            )


async def lock_scope(
    session: AsyncSession,
    principal: Principal,
    agreement_id: uuid.UUID,
    establishment_id: uuid.UUID,
    month_on: date,
    now: datetime,
) -> ApldScope:
    """Lock the agreement (R39's meter) and its client (R40 against ordinary claims) so that
    concurrent claims are checked one after the other; the authorization of the month (R19)."""
    agreement = await agreements.get_agreement(session, principal, agreement_id, lock=True)
    lock = select(Client.id).where(Client.id == agreement.client_id).with_for_update()
    (await session.exec(lock)).first()
    covered = (await agreements.covered_of(session, [agreement.id]))[agreement.id]
    if establishment_id not in covered:
        raise InvalidInput(
            "establishment_id",
            "not one of the establishments the agreement covers (R41)",
            type="establishment_not_covered",
        )
    renewals = (await agreements.renewals_of(session, [agreement.id]))[agreement.id]
    periods, end, neutralise = agreements.periods(agreement, renewals, now)
    if not periods or end is None:
        status = apld_rules.effective_status(
            agreement.status, agreement.type, agreement.tacit_decision_at, now
        )
        raise AgreementNotDecided(status)
    period = next(
        (p for p in periods if p.start_on <= month_end(month_on) and month_on <= p.end_on), None
    )
    if period is None:
        spans = ", ".join(f"{p.start_on} – {p.end_on}" for p in periods)
        raise MonthOutsideAuthorization(
            f"{month_on:%Y-%m} is in no APLD authorization of the agreement ({spans}) (R41, R19)"
        )
    decided: dict[int, date | None] = {
        1: apld_rules.decision_day(
            agreement.status, agreement.type, agreement.tacit_decision_at, agreement.decided_on, now
        )
    }
    by_id = {r.id: r for r in renewals}
    for p in periods[1:]:
        decided[p.sequence] = by_id[p.renewal_id].decided_on if p.renewal_id else None
    return ApldScope(agreement, period, periods, end, neutralise, decided)


async def relock(
    session: AsyncSession, principal: Principal, claim: Claim, now: datetime
) -> ApldScope:
    assert claim.apld_agreement_id is not None
    return await lock_scope(
        session, principal, claim.apld_agreement_id, claim.establishment_id, claim.month_on, now
    )


async def create_claim(
    session: AsyncSession,
    principal: Principal,
    *,
    agreement_id: uuid.UUID,
    data: ApldClaimCreate,
    now: datetime,
    today: date,
) -> ClaimPublic:
    establishment = await clients.get_active_establishment(
        session, principal, data.establishment_id
    )
    month_on = date.fromisoformat(f"{data.month}-01")
    check_month_covered(month_on)
    scope = await lock_scope(session, principal, agreement_id, establishment.id, month_on, now)
    if data.payroll_paid_on is not None:
        not_in_future("payroll_paid_on", data.payroll_paid_on, today)
    existing = (
        await session.exec(
            select(Claim).where(
                Claim.apld_agreement_id == scope.agreement.id,
                Claim.establishment_id == establishment.id,
                Claim.month_on == month_on,
            )
        )
    ).all()
    if any(c.status not in CLOSED for c in existing):
        raise ApldMonthClaimed(data.month)
    claim = Claim(
        firm_account_id=principal.firm_account_id,
        apld_agreement_id=scope.agreement.id,
        establishment_id=establishment.id,
        client_id=scope.agreement.client_id,
        month_on=month_on,
        version=max((c.version for c in existing), default=0) + 1,
        payroll_paid_on=data.payroll_paid_on,
    )
    check_lines(month_on, data.lines)
    public, details = stored_and_public(claim, data.lines, await client_regime(session, claim))
    session.add(claim)
    await flush_or_raise(session, {UNIQUE: lambda: ApldMonthClaimed(data.month)})
    await writes.insert_lines(session, writes.line_rows(claim, data.lines, details))
    await record(session, principal, claim, "created", None, now)
    await session.flush()
    return public


async def check_filing(
    session: AsyncSession,
    claim: Claim,
    lines: Sequence[Any],
    scope: ApldScope,
    *,
    filed_on: date,
) -> None:
    """R19–R21 read for APLD (the authorization of the month, decided by the filing date; the
    time bar from its end), R39 for each employee, R40 against the ordinary claims; under the
    locks of `relock`."""
    decided = scope.decided.get(scope.period.sequence)
    if decided is None or decided > filed_on:
        raise NotAuthorizedYet(
            f"APLD authorization {scope.period.sequence} ({scope.period.start_on} – "
            f"{scope.period.end_on}) was not decided on {filed_on} (R41, R19)"
        )
    rules.check_time_bar(filed_on, scope.period.end_on)
    check_lines(claim.month_on, lines)
    await meter.check_meter(session, scope.agreement, claim, lines, scope.neutralise)
    await meter.check_no_cumulation(session, claim, lines)
