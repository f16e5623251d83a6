"""Use cases of the authorization request (DAP): drafts, filing checks, decisions (R10–R17)."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.authorizations import rules
from app.authorizations.errors import (
    OverlappingRequest,
    RequestNotAccepted,
)
from app.authorizations.models import (
    Amendment,
    AmendmentStatus,
    AuthorizationRequest,
    AuthorizedTerms,
    CseInput,
    Motive,
    RequestCreate,
    RequestPublic,
    RequestStatus,
    RequestUpdate,
)
from app.clients import service as clients
from app.contracts.models import Document
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import InvalidInput, InvalidTransition

# --- reading -------------------------------------------------------------------------------


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
            "authorized": rules.authorized_terms(request, amendments, now),
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
    updated_since: datetime | None = None,
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
    if updated_since is not None:
        stmt = stmt.where(col(AuthorizationRequest.updated_at) >= updated_since)
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


async def periods_of_others(
    session: AsyncSession,
    request: AuthorizationRequest,
    statuses: set[RequestStatus],
    now: datetime,
    *,
    held: bool = False,
) -> list[tuple[uuid.UUID, date, date]]:
    """Periods of the establishment's other requests (with accepted amendments' ends; `held`:
    with the ends that filed amendments still ask for, too, R14)."""
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
        terms = rules.authorized_terms(other, by_request[other.id], now)
        assert other.start_on and other.end_on
        end = terms.end_on if terms else other.end_on
        if held:
            end = max(end, rules.held_end(other.end_on, by_request[other.id]))
        out.append((other.id, other.start_on, end))
    return out


async def first_overlap(
    session: AsyncSession, request: AuthorizationRequest, start: date, end: date, now: datetime
) -> tuple[uuid.UUID, date, date] | None:
    """R14: the first live request (draft, filed, accepted) of the establishment whose period
    meets `start` – `end`; a request's period runs to the end its filed or accepted amendments
    ask for. The caller has locked the establishment (`clients.lock_establishment`), so writers
    checking it take turns."""
    others = await periods_of_others(session, request, rules.LIVE, now, held=True)
    return next((o for o in others if rules.overlaps((start, end), (o[1], o[2]))), None)


async def check_overlap(
    session: AsyncSession, request: AuthorizationRequest, start: date, end: date, now: datetime
) -> None:
    """R14: two live requests of one establishment never overlap."""
    found = await first_overlap(session, request, start, end, now)
    if found:
        other_id, o_start, o_end = found
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
    # Locked before R14's check reads the other requests, until the commit (R14).
    establishment = await clients.get_active_establishment(
        session, principal, establishment_id, lock=True
    )
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
    await record_event(session, principal, request, "created", None, now)
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
        await clients.lock_establishment(session, principal, request.establishment_id)
        await check_overlap(session, request, request.start_on, request.end_on, now)
    request.updated_at = now
    session.add(request)
    await session.flush()
    # Not a state change (R26 asks for those), but the trail should say who edited a draft.
    await record_event(
        session, principal, request, "updated", None, now, before=RequestStatus.draft
    )
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


async def record_event(
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


# --- decisions (R16, R17) ------------------------------------------------------------------


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
    terms = rules.authorized_terms(
        request, (await amendments_of(session, [request.id]))[request.id], now
    )
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


# Read by the claims and deadlines domains.
authorized_terms = rules.authorized_terms
accepted_by = rules.accepted_by
