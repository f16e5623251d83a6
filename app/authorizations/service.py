"""Use cases of the authorization request (DAP): drafts, filing checks, decisions (R10–R17)."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime, time
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.authorizations import rules
from app.authorizations.errors import (
    CseOpinionRequired,
    FilingWindowClosed,
    IncompleteDecision,
    IncompleteRequest,
    OverlappingRequest,
    PeriodTooLong,
    RequestNotAccepted,
)
from app.authorizations.models import (
    Amendment,
    AmendmentStatus,
    AuthorizationRequest,
    AuthorizedTerms,
    CseInput,
    CseOpinionInput,
    CseStatus,
    Decision,
    Motive,
    RequestCreate,
    RequestPublic,
    RequestStatus,
    RequestUpdate,
)
from app.clients import service as clients
from app.contracts import service as contracts
from app.contracts.models import Document
from app.core.clock import PARIS
from app.core.dates import not_in_future, not_in_future_at, paris_date
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import FieldError, InvalidInput, InvalidTransition, NotFound
from app.habilitations import service as habilitations

# --- reading -------------------------------------------------------------------------------


def _effective_amendment(a: Amendment, now: datetime) -> str:
    return rules.effective_status(a.status, a.implicit_acceptance_at, now)


def authorized_terms(
    request: AuthorizationRequest, amendments: Sequence[Amendment], now: datetime
) -> AuthorizedTerms | None:
    """What the decision (or silence, R16) authorizes, plus accepted amendments (R18)."""
    status = rules.effective_status(request.status, request.implicit_acceptance_at, now)
    if status not in (RequestStatus.accepted, RequestStatus.accepted_implicitly):
        return None
    assert request.start_on and request.end_on
    explicit = status == RequestStatus.accepted
    hours = request.authorized_hours if explicit else request.forecast_hours
    employees = request.authorized_employees if explicit else request.employees_concerned
    assert hours is not None and employees is not None
    end = request.end_on
    for a in amendments:
        a_status = _effective_amendment(a, now)
        if a_status == AmendmentStatus.accepted:
            hours += a.authorized_hours or 0
            employees += a.authorized_employees or 0
        elif a_status == AmendmentStatus.accepted_implicitly:
            hours += a.additional_hours
            employees += a.additional_employees
        else:
            continue
        if a.end_on and a.end_on > end:
            end = a.end_on
    return AuthorizedTerms(start_on=request.start_on, end_on=end, hours=hours, employees=employees)


async def amendments_of(
    session: AsyncSession, request_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, list[Amendment]]:
    out: dict[uuid.UUID, list[Amendment]] = {i: [] for i in request_ids}
    if request_ids:
        stmt = (
            select(Amendment)
            .where(col(Amendment.request_id).in_(request_ids))
            .order_by(col(Amendment.id))
        )
        for a in await session.exec(stmt):
            out[a.request_id].append(a)
    return out


def to_public(
    request: AuthorizationRequest,
    amendments: Sequence[Amendment],
    now: datetime,
    minutes_sha: str | None = None,
) -> RequestPublic:
    status = rules.effective_status(request.status, request.implicit_acceptance_at, now)
    cse = None
    if request.cse_status is not None:
        cse = CseInput(
            status=request.cse_status,
            consulted_on=request.cse_consulted_on,
            opinion=request.cse_opinion,
        )
    deadline = None
    if status == RequestStatus.draft and request.start_on:
        deadline = rules.filing_deadline(request.motive, request.start_on)
    appeal = None
    if status == RequestStatus.refused and request.decided_on:
        appeal = rules.appeal_until(request.decided_on)
    return RequestPublic.build(
        request,
        {
            "status": status,
            "cse": cse,
            "filing_deadline": deadline,
            "appeal_until": appeal,
            "authorized": authorized_terms(request, amendments, now),
            "cse_minutes_sha256": minutes_sha,
        },
    )


async def get_request(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, *, lock: bool = False
) -> AuthorizationRequest:
    return await get_scoped(
        session,
        AuthorizationRequest,
        request_id,
        principal,
        label="Authorization request",
        for_update=lock,
    )


async def present(
    session: AsyncSession, request: AuthorizationRequest, now: datetime
) -> RequestPublic:
    sha = None
    if request.cse_minutes_document_id is not None:
        sha = (
            await session.exec(
                select(Document.sha256).where(Document.id == request.cse_minutes_document_id)
            )
        ).first()
    return to_public(request, (await amendments_of(session, [request.id]))[request.id], now, sha)


async def get_public(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID, now: datetime
) -> RequestPublic:
    return await present(session, await get_request(session, principal, request_id), now)


async def list_requests(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    now: datetime,
    establishment_id: uuid.UUID | None = None,
    status: RequestStatus | None = None,
    motive: Motive | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
) -> tuple[list[RequestPublic], str | None]:
    stmt = scoped(AuthorizationRequest, principal)
    if establishment_id is not None:
        await clients.get_establishment(session, principal, establishment_id)
        stmt = stmt.where(AuthorizationRequest.establishment_id == establishment_id)
    if status == RequestStatus.accepted_implicitly:
        stmt = stmt.where(
            AuthorizationRequest.status == RequestStatus.filed,
            col(AuthorizationRequest.implicit_acceptance_at) <= now,
        )
    elif status == RequestStatus.filed:
        stmt = stmt.where(
            AuthorizationRequest.status == RequestStatus.filed,
            col(AuthorizationRequest.implicit_acceptance_at) > now,
        )
    elif status is not None:
        stmt = stmt.where(AuthorizationRequest.status == status)
    if motive is not None:
        stmt = stmt.where(AuthorizationRequest.motive == motive)
    if period_from is not None:  # periods that end on or after it
        stmt = stmt.where(col(AuthorizationRequest.end_on) >= period_from)
    if period_to is not None:  # periods that start on or before it
        stmt = stmt.where(col(AuthorizationRequest.start_on) <= period_to)
    rows, cursor = await paginate(session, stmt, AuthorizationRequest.id, page)  # type: ignore[arg-type]
    by_request = await amendments_of(session, [r.id for r in rows])
    return [to_public(r, by_request[r.id], now) for r in rows], cursor


# --- drafts (R10, R14) ---------------------------------------------------------------------


def _apply(request: AuthorizationRequest, data: RequestCreate | RequestUpdate) -> None:
    changes: dict[str, Any] = data.model_dump(exclude_unset=True, exclude={"cse"})
    request.sqlmodel_update(changes)
    if "cse" in data.model_fields_set:
        cse = data.cse
        request.cse_status = cse.status if cse else None
        request.cse_consulted_on = cse.consulted_on if cse else None
        request.cse_opinion = cse.opinion if cse else None


def _check_period_shape(request: AuthorizationRequest) -> None:
    if request.start_on and request.end_on and request.end_on < request.start_on:
        raise InvalidInput("end_on", "must not precede start_on", type="period_inverted")


async def _periods_of_others(
    session: AsyncSession,
    request: AuthorizationRequest,
    statuses: set[RequestStatus],
    now: datetime,
) -> list[tuple[uuid.UUID, date, date]]:
    """Periods of the establishment's other requests (with accepted amendments' ends)."""
    stmt = select(AuthorizationRequest).where(
        AuthorizationRequest.establishment_id == request.establishment_id,
        AuthorizationRequest.id != request.id,
        col(AuthorizationRequest.status).in_([s.value for s in statuses]),
        col(AuthorizationRequest.start_on).is_not(None),
        col(AuthorizationRequest.end_on).is_not(None),
    )
    others = list(await session.exec(stmt))
    by_request = await amendments_of(session, [o.id for o in others])
    out = []
    for other in others:
        terms = authorized_terms(other, by_request[other.id], now)
        assert other.start_on and other.end_on
        out.append((other.id, other.start_on, terms.end_on if terms else other.end_on))
    return out


async def check_overlap(
    session: AsyncSession, request: AuthorizationRequest, start: date, end: date, now: datetime
) -> None:
    """R14: two live requests (draft, filed, accepted) of one establishment never overlap."""
    for other_id, o_start, o_end in await _periods_of_others(session, request, rules.LIVE, now):
        if rules.overlaps((start, end), (o_start, o_end)):
            raise OverlappingRequest(
                f"The period {start} – {end} overlaps request {other_id} ({o_start} – {o_end}) "
                "of this establishment (R14)"
            )


async def create_request(
    session: AsyncSession,
    principal: Principal,
    *,
    establishment_id: uuid.UUID,
    data: RequestCreate,
    now: datetime,
) -> RequestPublic:
    establishment = await clients.get_active_establishment(session, principal, establishment_id)
    request = AuthorizationRequest(
        firm_account_id=principal.firm_account_id,
        establishment_id=establishment.id,
        client_id=establishment.client_id,
    )
    _apply(request, data)
    _check_period_shape(request)
    if request.start_on and request.end_on:
        await check_overlap(session, request, request.start_on, request.end_on, now)
    session.add(request)
    await session.flush()
    await _record(session, principal, request, "created", None, now)
    return await present(session, request, now)


async def update_request(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: RequestUpdate,
    now: datetime,
) -> RequestPublic:
    request = await get_request(session, principal, request_id, lock=True)
    if request.status != RequestStatus.draft:
        raise InvalidTransition("authorization request", request.status, "edited (R10)")
    if not data.model_fields_set:  # nothing to change: no new `updated_at`, no event
        return await present(session, request, now)
    _apply(request, data)
    _check_period_shape(request)
    if request.start_on and request.end_on:
        await check_overlap(session, request, request.start_on, request.end_on, now)
    request.updated_at = now
    session.add(request)
    await session.flush()
    # Not a state change (R26 asks for those), but the trail should say who edited a draft.
    await _record(session, principal, request, "updated", None, now, before=RequestStatus.draft)
    return await present(session, request, now)


async def delete_request(
    session: AsyncSession, principal: Principal, *, request_id: uuid.UUID, now: datetime
) -> None:
    request = await get_request(session, principal, request_id, lock=True)
    if request.status != RequestStatus.draft:
        raise InvalidTransition("authorization request", request.status, "deleted")
    await audit.record(
        session,
        principal,
        action="authorization_request.deleted",
        resource_type="authorization_request",
        resource_id=request.id,
        establishment_id=request.establishment_id,
        before=RequestStatus.draft,
        after=None,
        at=now,
    )
    await session.delete(request)
    await session.flush()


async def _record(
    session: AsyncSession,
    principal: Principal,
    request: AuthorizationRequest,
    verb: str,
    after: str | None,
    now: datetime,
    *,
    before: str | None = None,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"authorization_request.{verb}",
        resource_type="authorization_request",
        resource_id=request.id,
        establishment_id=request.establishment_id,
        before=before,
        after=after if after is not None else request.status,
        at=now,
    )


# --- filing (R6, R9, R11–R15) --------------------------------------------------------------


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
        others = [(s, e) for _, s, e in await _periods_of_others(session, request, counted, now)]
        excess = rules.six_in_twelve_excess((start, end), others)
        if excess:
            window, held = excess
            raise PeriodTooLong(
                f"Over the 12 months from {window}, the establishment would have {held} of "
                "partial activity: 6 months at most from July 2021 (R13)"
            )


async def file_request(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    filed_at: datetime,
    now: datetime,
) -> RequestPublic:
    request = await get_request(session, principal, request_id, lock=True)
    if request.status != RequestStatus.draft:
        raise InvalidTransition("authorization request", request.status, "filed")
    not_in_future_at("filed_at", filed_at, now)
    filed_on = paris_date(filed_at)
    establishment = await clients.get_active_establishment(
        session, principal, request.establishment_id
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
    deadline = rules.filing_deadline(request.motive, request.start_on)
    if filed_on > deadline:
        raise FilingWindowClosed(
            f"A request starting {request.start_on} for this motive is filed by {deadline} at the "
            f"latest; filed on {filed_on} (R12)"
        )
    await check_length(session, request, request.motive, request.start_on, request.end_on, now)
    await check_overlap(session, request, request.start_on, request.end_on, now)
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
    await _record(session, principal, request, "filed", None, now, before=RequestStatus.draft)
    await session.flush()
    return await present(session, request, now)


# --- decisions (R16, R17) ------------------------------------------------------------------


def status_on(status: str, implicit_at: datetime | None, day: date) -> RequestStatus:
    """The status as it stood on `day` (a decision dated before silence took effect precedes
    the implicit acceptance, even when it is recorded later)."""
    start_of_day = datetime.combine(day, time.min, PARIS)
    return rules.effective_status(status, implicit_at, start_of_day)


def validate_decision(
    data: Decision,
    *,
    status: str,
    implicit_at: datetime | None,
    filed_at: datetime | None,
    requested_hours: Any,
    requested_employees: Any,
    resource: str,
    today: date,
    previous_decision_on: date | None = None,
) -> date:
    decided_on = data.decided_on or today
    not_in_future("decided_on", decided_on, today)
    if filed_at is None:
        raise InvalidTransition(resource, status, f"decided ({data.outcome})")
    if decided_on < paris_date(filed_at):
        raise InvalidInput(
            "decided_on",
            f"a decision is never dated before the filing ({paris_date(filed_at)}) (R17)",
        )
    if previous_decision_on is not None and decided_on < previous_decision_on:
        raise InvalidInput(
            "decided_on", f"precedes the decision already recorded ({previous_decision_on})"
        )
    before = status_on(status, implicit_at, decided_on)
    if data.outcome not in rules.allowed_outcomes(before):
        raise InvalidTransition(resource, before, f"{data.outcome} (R17)")
    if data.outcome == "accepted":
        errors = []
        for field in ("decision_number", "authorized_hours", "authorized_employees"):
            if getattr(data, field) is None:
                errors.append(
                    FieldError(
                        location="body",
                        field=field,
                        type="missing",
                        message="required for an acceptance (R17)",
                    )
                )
        if errors:
            raise IncompleteDecision(errors)
        if requested_hours is not None and data.authorized_hours > requested_hours:
            raise InvalidInput("authorized_hours", f"more than the {requested_hours} h requested")
        if requested_employees is not None and data.authorized_employees > requested_employees:
            raise InvalidInput(
                "authorized_employees", f"more than the {requested_employees} employees requested"
            )
    elif not data.reason:
        raise InvalidInput(
            "reason", f"required for a decision '{data.outcome}' (R17)", type="missing"
        )
    return decided_on


async def decide(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: Decision,
    now: datetime,
    today: date,
) -> RequestPublic:
    request = await get_request(session, principal, request_id, lock=True)
    before = rules.effective_status(request.status, request.implicit_acceptance_at, now)
    decided_on = validate_decision(
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
    await _record(session, principal, request, data.outcome, None, now, before=before)
    await session.flush()
    return await present(session, request, now)


async def supply_cse_opinion(
    session: AsyncSession,
    principal: Principal,
    *,
    request_id: uuid.UUID,
    data: CseOpinionInput,
    now: datetime,
    today: date,
) -> RequestPublic:
    request = await get_request(session, principal, request_id, lock=True)
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
    return await present(session, request, now)


async def require_accepted(
    session: AsyncSession,
    principal: Principal,
    request_id: uuid.UUID,
    now: datetime,
    *,
    lock: bool = False,
) -> tuple[AuthorizationRequest, AuthorizedTerms]:
    """The request and its authorized terms; refused unless accepted (explicitly or not)."""
    request = await get_request(session, principal, request_id, lock=lock)
    terms = authorized_terms(request, (await amendments_of(session, [request.id]))[request.id], now)
    if terms is None:
        raise RequestNotAccepted(
            rules.effective_status(request.status, request.implicit_acceptance_at, now)
        )
    return request, terms


async def count_undecided(
    session: AsyncSession, *, establishment_id: uuid.UUID, now: datetime
) -> int:
    """Filed requests and amendments still waiting for a decision (R3)."""
    waiting: list[Any] = [
        AuthorizationRequest.establishment_id == establishment_id,
        AuthorizationRequest.status == RequestStatus.filed,
        col(AuthorizationRequest.implicit_acceptance_at) > now,
    ]
    count = len((await session.exec(select(AuthorizationRequest.id).where(*waiting))).all())
    amendments_waiting = select(Amendment.id).where(
        Amendment.establishment_id == establishment_id,
        Amendment.status == AmendmentStatus.filed,
        col(Amendment.implicit_acceptance_at) > now,
    )
    return count + len((await session.exec(amendments_waiting)).all())


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
    request = await get_request(session, principal, request_id, lock=True)
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
    return await present(session, request, now)


async def cse_minutes(
    session: AsyncSession, principal: Principal, request_id: uuid.UUID
) -> Document:
    request = await get_request(session, principal, request_id)
    if request.cse_minutes_document_id is None:
        raise NotFound("CSE minutes")
    return await contracts.get_stored_document(session, principal, request.cse_minutes_document_id)


def accepted_by(request: AuthorizationRequest, day: date) -> bool:
    """Whether the request stood accepted on `day` (R19): by a decision dated on or before it,
    or by silence (R16) when no decision came before the implicit acceptance."""
    if request.status not in (RequestStatus.filed, RequestStatus.accepted):
        return False
    if request.decided_on is not None and request.decided_on <= day:
        return request.status == RequestStatus.accepted
    if request.implicit_acceptance_at is None:
        return False
    silence_on = paris_date(request.implicit_acceptance_at)
    decided_first = request.decided_on is not None and request.decided_on < silence_on
    return silence_on <= day and not decided_first
