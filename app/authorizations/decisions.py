"""Decisions on an authorization request, and its CSE opinion and minutes (R15–R17)."""

import uuid
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.authorizations import rules, service
from app.authorizations.models import (
    CseOpinionInput,
    CseStatus,
    Decision,
    RequestPublic,
    RequestStatus,
)
from app.contracts import service as contracts
from app.contracts.models import Document
from app.core.dates import not_in_future
from app.core.principal import Principal
from app.errors import InvalidTransition, NotFound


async def decide(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: Decision,
    now: datetime,
    today: date,
) -> RequestPublic:
    request = await service.get_request(session, principal, request_id, lock=True)
    before = rules.effective_status(request.status, request.implicit_acceptance_at, now)
    decided_on = rules.validate_decision(
        data,
        status=request.status,
        implicit_at=request.implicit_acceptance_at,
        filed_at=request.filed_at,
        requested_hours=request.forecast_hours,
        requested_employees=request.employees_concerned,
        resource="authorization request",
        today=today,
        previous_decision_on=request.decided_on,
    )
    request.status = RequestStatus(data.outcome)
    request.decided_on = decided_on
    request.decision_reason = data.reason
    if data.outcome == "accepted":
        request.decision_number = data.decision_number
        request.authorized_hours = data.authorized_hours
        request.authorized_employees = data.authorized_employees
    request.updated_at = now
    session.add(request)
    await service.record_event(session, principal, request, data.outcome, None, now, before=before)
    await session.flush()
    return await service.present(session, request, now)


async def supply_cse_opinion(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: CseOpinionInput,
    now: datetime,
    today: date,
) -> RequestPublic:
    request = await service.get_request(session, principal, request_id, lock=True)
    if request.cse_status != CseStatus.deferred or request.status == RequestStatus.draft:
        raise InvalidTransition(
            "authorization request",
            request.status,
            "given a deferred CSE opinion (none is awaited)",
        )
    not_in_future("consulted_on", data.consulted_on, today)
    request.cse_status = CseStatus.given
    request.cse_consulted_on = data.consulted_on
    request.cse_opinion = data.opinion
    request.updated_at = now
    session.add(request)
    await audit.record(
        session,
        principal,
        action="authorization_request.cse_opinion_given",
        resource_type="authorization_request",
        resource_id=request.id,
        establishment_id=request.establishment_id,
        before=CseStatus.deferred,
        after=CseStatus.given,
        at=now,
    )
    await session.flush()
    return await service.present(session, request, now)


async def attach_cse_minutes(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    filename: str,
    content: bytes,
    now: datetime,
) -> RequestPublic:
    """The minutes of the CSE meeting (R15): while the request is a draft, or when the opinion
    was deferred."""
    request = await service.get_request(session, principal, request_id, lock=True)
    if request.status != RequestStatus.draft and request.cse_status != CseStatus.deferred:
        raise InvalidTransition("authorization request", request.status, "given CSE minutes")
    document = await contracts.store_document(
        session, principal, filename=filename, content=content
    )
    request.cse_minutes_document_id = document.id
    request.updated_at = now
    session.add(request)
    await audit.record(
        session,
        principal,
        action="authorization_request.cse_minutes_attached",
        resource_type="authorization_request",
        resource_id=request.id,
        establishment_id=request.establishment_id,
        before=request.status,
        after=request.status,
        at=now,
    )
    await session.flush()
    return await service.present(session, request, now)


async def cse_minutes(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID
) -> Document:
    request = await service.get_request(session, principal, request_id)
    if request.cse_minutes_document_id is None:
        raise NotFound("CSE minutes")
    return await contracts.get_stored_document(session, principal, request.cse_minutes_document_id)
