"""Amendments (avenants) of an accepted request: filed and decided like one, R12 aside (R18)."""

import uuid
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.authorizations import filing, rules
from app.authorizations import service as requests
from app.authorizations.errors import OverlappingRequest
from app.authorizations.models import (
    Amendment,
    AmendmentCreate,
    AmendmentPublic,
    AmendmentStatus,
    Decision,
)
from app.clients import service as clients
from app.contracts import service as contracts
from app.core.dates import not_in_future_at, paris_date
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import InvalidInput, InvalidTransition


def to_public(amendment: Amendment, now: datetime) -> AmendmentPublic:
    status = rules.effective_status(amendment.status, amendment.implicit_acceptance_at, now)
    return AmendmentPublic.build(amendment, {"status": status})


async def get_amendment(
    session: AsyncSession, principal: Principal, amendment_id: uuid.UUID, *, lock: bool = False
) -> Amendment:
    return await get_scoped(
        session, Amendment, amendment_id, principal, label="Amendment", for_update=lock
    )


async def list_amendments(
    session: AsyncSession, principal: Principal, *, request_id: uuid.UUID, now: datetime
) -> list[AmendmentPublic]:
    await requests.get_request(session, principal, request_id)
    stmt = scoped(Amendment, principal).where(Amendment.request_id == request_id)
    return [to_public(a, now) for a in await session.exec(stmt.order_by(Amendment.id))]  # type: ignore[arg-type]


async def get_public(
    session: AsyncSession, principal: Principal, amendment_id: uuid.UUID, now: datetime
) -> AmendmentPublic:
    return to_public(await get_amendment(session, principal, amendment_id), now)


async def _record(
    session: AsyncSession,
    principal: Principal,
    a: Amendment,
    verb: str,
    before: str | None,
    now: datetime,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"amendment.{verb}",
        resource_type="amendment",
        resource_id=a.id,
        establishment_id=a.establishment_id,
        before=before,
        after=a.status,
        at=now,
    )


async def create_amendment(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: AmendmentCreate,
    now: datetime,
) -> AmendmentPublic:
    request, terms = await requests.require_accepted(session, principal, request_id, now, lock=True)
    if data.end_on is not None and data.end_on <= terms.end_on:
        raise InvalidInput("end_on", f"an amendment extends the period beyond {terms.end_on} (R18)")
    if data.end_on is None and not data.additional_hours and not data.additional_employees:
        raise InvalidInput(
            "end_on",
            "an amendment asks for a longer period, more hours or more employees (R18)",
            type="missing",
        )
    amendment = Amendment.model_validate(
        data,
        update={
            "firm_account_id": principal.firm_account_id,
            "request_id": request.id,
            "establishment_id": request.establishment_id,
            "status": AmendmentStatus.draft,
        },
    )
    session.add(amendment)
    await session.flush()
    await _record(session, principal, amendment, "created", None, now)
    return to_public(amendment, now)


async def file_amendment(
    session: AsyncSession,
    principal: Principal,
    *,
    amendment_id: uuid.UUID,
    filed_at: datetime,
    now: datetime,
) -> AmendmentPublic:
    amendment = await get_amendment(session, principal, amendment_id, lock=True)
    if amendment.status != AmendmentStatus.draft:
        raise InvalidTransition("amendment", amendment.status, "filed")
    not_in_future_at("filed_at", filed_at, now)
    filed_on = paris_date(filed_at)
    request, terms = await requests.require_accepted(
        session, principal, amendment.request_id, now, lock=True
    )
    contract = await contracts.require_contract(
        session, principal, client_id=request.client_id, on=filed_on
    )
    if amendment.end_on is not None:
        await clients.lock_establishment(session, principal, request.establishment_id)
        await filing.check_length(
            session, request, request.motive, terms.start_on, amendment.end_on, now
        )
        await requests.check_overlap(session, request, terms.start_on, amendment.end_on, now)
    amendment.status = AmendmentStatus.filed
    amendment.filed_at = filed_at
    amendment.implicit_acceptance_at = rules.implicit_acceptance_at(filed_at)
    amendment.contract_id = contract.id
    amendment.updated_at = now
    session.add(amendment)
    await _record(session, principal, amendment, "filed", AmendmentStatus.draft, now)
    await session.flush()
    return to_public(amendment, now)


async def decide_amendment(
    session: AsyncSession,
    principal: Principal,
    *,
    amendment_id: uuid.UUID,
    data: Decision,
    now: datetime,
    today: date,
) -> AmendmentPublic:
    amendment = await get_amendment(session, principal, amendment_id, lock=True)
    before = rules.effective_status(amendment.status, amendment.implicit_acceptance_at, now)
    decided_on = rules.validate_decision(
        data,
        status=amendment.status,
        implicit_at=amendment.implicit_acceptance_at,
        filed_at=amendment.filed_at,
        requested_hours=amendment.additional_hours,
        requested_employees=amendment.additional_employees,
        resource="amendment",
        today=today,
        previous_decision_on=amendment.decided_on,
    )
    if data.outcome == "accepted" and amendment.end_on is not None:
        # A decision never makes two live requests overlap (R14): a filed extension holds its
        # period, but one filed before that rule may meet a request made since.
        request = await requests.get_request(session, principal, amendment.request_id)
        await clients.lock_establishment(session, principal, request.establishment_id)
        assert request.start_on
        found = await requests.first_overlap(
            session, request, request.start_on, amendment.end_on, now
        )
        if found:
            other_id, o_start, o_end = found
            raise OverlappingRequest(
                f"Accepting this amendment would extend request {request.id} to "
                f"{amendment.end_on}, over request {other_id} ({o_start} – {o_end}) of this "
                "establishment (R14)"
            )
    amendment.status = AmendmentStatus(data.outcome)
    amendment.decided_on = decided_on
    amendment.decision_reason = data.reason
    if data.outcome == "accepted":
        amendment.decision_number = data.decision_number
        amendment.authorized_hours = data.authorized_hours
        amendment.authorized_employees = data.authorized_employees
    amendment.updated_at = now
    session.add(amendment)
    await _record(session, principal, amendment, data.outcome, before, now)
    await session.flush()
    return to_public(amendment, now)
