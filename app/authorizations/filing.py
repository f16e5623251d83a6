"""Filing an authorization request: contract, habilitation, completeness, window, length,
overlap and CSE opinion, all checked at once where they can be (R6, R9, R11–R15); the
motives left under an APLD authorization (R40)."""

import uuid
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.apld import coverage as apld_coverage
from app.authorizations import rules, service
from app.authorizations.errors import (
    CseOpinionRequired,
    FilingWindowClosed,
    IncompleteRequest,
    MotiveRestrictedByApld,
    PeriodTooLong,
)
from app.authorizations.models import (
    AuthorizationRequest,
    CseStatus,
    Motive,
    RequestPublic,
    RequestStatus,
)
from app.clients import service as clients
from app.contracts import service as contracts
from app.core.dates import not_in_future_at, paris_date
from app.core.principal import Principal
from app.errors import FieldError, InvalidTransition
from app.habilitations import service as habilitations


async def check_length(
    session: AsyncSession,
    request: AuthorizationRequest,
    motive: Motive | None,
    start: date,
    end: date,
    now: datetime,
) -> None:
    """R13: the request's own length, then 6 months over any 12 from July 2021."""
    latest = rules.latest_end(motive, start)
    if end > latest:
        months = rules.max_months(motive, start)
        raise PeriodTooLong(
            f"A request starting {start} lasts at most {months} months: end on {latest} at the "
            "latest (R13)"
        )
    if start >= rules.SIX_IN_TWELVE_FROM:
        counted = {RequestStatus.filed, RequestStatus.accepted}
        others = [
            (s, e) for _, s, e in await service.periods_of_others(session, request, counted, now)
        ]
        excess = rules.six_in_twelve_excess((start, end), others)
        if excess:
            window, held = excess
            raise PeriodTooLong(
                f"Over the 12 months from {window}, the establishment would have {held} of "
                "partial activity: 6 months at most from July 2021 (R13)"
            )


async def check_apld_motive(
    session: AsyncSession, principal: Principal, request: AuthorizationRequest, filed_on: date
) -> None:
    """R40: while an APLD authorization covers the establishment, an ordinary request for it
    (employees outside APLD) uses motives 2 to 5, never the economic downturn."""
    assert request.start_on and request.end_on
    covering = await apld_coverage.authorizations_covering(
        session,
        principal,
        establishment_id=request.establishment_id,
        start_on=request.start_on,
        end_on=request.end_on,
        on=filed_on,
    )
    if covering:
        agreement, period = covering[0]
        raise MotiveRestrictedByApld(
            f"APLD authorization {period.sequence} of agreement {agreement.id} covers the "
            f"establishment from {period.start_on} to {period.end_on}: an ordinary request over "
            "it uses motives 2 to 5, not the economic downturn (R40)"
        )


async def file_request(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    filed_at: datetime,
    now: datetime,
) -> RequestPublic:
    request = await service.get_request(session, principal, request_id, lock=True)
    if request.status != RequestStatus.draft:
        raise InvalidTransition("authorization request", request.status, "filed")
    not_in_future_at("filed_at", filed_at, now)
    filed_on = paris_date(filed_at)
    # Locked before the length (R13) and overlap (R14) checks read the other requests.
    establishment = await clients.get_active_establishment(
        session, principal, request.establishment_id, lock=True
    )
    contract = await contracts.require_contract(
        session, principal, client_id=establishment.client_id, on=filed_on
    )
    await habilitations.require_habilitated(
        session, principal, establishment_id=establishment.id, on=filed_on
    )
    problems = rules.missing_for_filing(
        motive=request.motive,
        sub_motive=request.sub_motive,
        scope=request.scope,
        start_on=request.start_on,
        end_on=request.end_on,
        employees_concerned=request.employees_concerned,
        weekly_hours=request.weekly_hours,
        forecast_hours=request.forecast_hours,
        justification=request.justification,
        previous_use=request.previous_use,
        commitments=request.commitments,
    )
    if problems:
        raise IncompleteRequest(
            [
                FieldError(location="body", field=p.field, type=p.type, message=p.message)
                for p in problems
            ]
        )
    assert request.start_on and request.end_on
    if request.motive == Motive.economic_downturn:
        await check_apld_motive(session, principal, request, filed_on)
    deadline = rules.filing_deadline(request.motive, request.start_on)
    if filed_on > deadline:
        raise FilingWindowClosed(
            f"A request starting {request.start_on} for this motive is filed by {deadline} at the "
            f"latest; filed on {filed_on} (R12)"
        )
    await check_length(session, request, request.motive, request.start_on, request.end_on, now)
    await service.check_overlap(session, request, request.start_on, request.end_on, now)
    client = await clients.get_client(session, principal, request.client_id)
    cse_issue = rules.cse_problem(
        headcount=client.headcount,
        motive=request.motive,
        status=request.cse_status,
        consulted_on=request.cse_consulted_on,
        opinion=request.cse_opinion,
        filed_on=filed_on,
    )
    if cse_issue:
        raise CseOpinionRequired(cse_issue)
    request.status = RequestStatus.filed
    request.filed_at = filed_at
    request.implicit_acceptance_at = rules.implicit_acceptance_at(filed_at)
    request.contract_id = contract.id
    if request.cse_status == CseStatus.deferred:
        request.cse_due_on = rules.cse_due_on(filed_on)
    request.updated_at = now
    session.add(request)
    await service.record_event(
        session, principal, request, "filed", None, now, before=RequestStatus.draft
    )
    await session.flush()
    return await service.present(session, request, now)
