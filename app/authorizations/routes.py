import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile, status
from fastapi.responses import Response

from app.auth.deps import Principal, Scoped, SettingsDep
from app.authorizations import amendments, decisions, filing, service
from app.authorizations.models import (
    Amendment,
    AmendmentCreate,
    AmendmentPublic,
    AuthorizationRequest,
    CseOpinionInput,
    Decision,
    FileRequest,
    Motive,
    RequestCreate,
    RequestPublic,
    RequestStatus,
    RequestUpdate,
)
from app.contracts.routes import DOCUMENT_ANSWER, document_response
from app.core.clock import ClockDep
from app.core.models import Day
from app.core.pagination import Page, PageDep, UpdatedSince
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.core.uploads import read_limited, single_form_values
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

Read = Annotated[Principal, Scoped("authorizations:read")]
Write = Annotated[Principal, Scoped("authorizations:write")]

router = APIRouter(route_class=CheckedRoute, tags=["authorization requests"])


@router.post(
    "/v1/establishments/{establishment_id}/authorization-requests",
    operation_id="authorization-requests-create",
    status_code=status.HTTP_201_CREATED,
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422) | etag_response(201),
)
async def create_request(
    establishment_id: uuid.UUID,
    body: RequestCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
) -> RequestPublic:
    """Start a draft authorization request (DAP) for an establishment; every field may wait.
    An `end_on` before the `start_on` is a 422 (`period_inverted`, a rule across two fields)."""
    result = await service.create_request(
        session, principal, establishment_id=establishment_id, data=body, now=clock.now()
    )
    await tag(session, response, AuthorizationRequest, result.id)
    return result


@router.get(
    "/v1/establishments/{establishment_id}/authorization-requests",
    operation_id="authorization-requests-list-for-establishment",
    response_model=Page[RequestPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_for_establishment(
    establishment_id: uuid.UUID,
    session: ReadSession,
    principal: Read,
    page: PageDep,
    clock: ClockDep,
    status: RequestStatus | None = None,
) -> Page[RequestPublic]:
    """The establishment's authorization requests, oldest first."""
    items, cursor = await service.list_requests(
        session,
        principal,
        page=page,
        now=clock.now(),
        establishment_id=establishment_id,
        status=status,
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/authorization-requests",
    operation_id="authorization-requests-list",
    response_model=Page[RequestPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_requests(
    session: ReadSession,
    principal: Read,
    page: PageDep,
    clock: ClockDep,
    status: RequestStatus | None = None,
    motive: Motive | None = None,
    establishment_id: uuid.UUID | None = None,
    period_from: Annotated[Day | None, Query(description="Periods ending on or after")] = None,
    period_to: Annotated[Day | None, Query(description="Periods starting on or before")] = None,
    updated_since: UpdatedSince = None,
) -> Page[RequestPublic]:
    """The firm's authorization requests, filtered by status (as derived now), motive, period."""
    items, cursor = await service.list_requests(
        session,
        principal,
        page=page,
        now=clock.now(),
        establishment_id=establishment_id,
        status=status,
        motive=motive,
        period_from=period_from,
        period_to=period_to,
        updated_since=updated_since,
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/authorization-requests/{request_id}",
    operation_id="authorization-requests-get",
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_request(
    request_id: uuid.UUID,
    session: ReadSession,
    principal: Read,
    clock: ClockDep,
    response: Response,
) -> RequestPublic:
    """One authorization request with its derived status (R16) and authorized terms."""
    result = await service.get_public(session, principal, request_id, clock.now())
    await tag(session, response, AuthorizationRequest, request_id)
    return result


@router.patch(
    "/v1/authorization-requests/{request_id}",
    operation_id="authorization-requests-update",
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def update_request(
    request_id: uuid.UUID,
    body: RequestUpdate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(AuthorizationRequest, "request_id"))],
) -> RequestPublic:
    """Edit a draft (R10)."""
    result = await service.update_request(
        session, principal, request_id=request_id, data=body, now=clock.now()
    )
    await tag(session, response, AuthorizationRequest, request_id)
    return result


@router.delete(
    "/v1/authorization-requests/{request_id}",
    operation_id="authorization-requests-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def delete_request(
    request_id: uuid.UUID,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    _: Annotated[None, Depends(IfMatch(AuthorizationRequest, "request_id"))],
) -> None:
    """Delete a draft."""
    await service.delete_request(session, principal, request_id=request_id, now=clock.now())


@router.post(
    "/v1/authorization-requests/{request_id}/file",
    operation_id="authorization-requests-file",
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def file_request(
    request_id: uuid.UUID,
    body: FileRequest,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(AuthorizationRequest, "request_id"))],
) -> RequestPublic:
    """Record the filing on APART after checking R6, R9, R11–R15; silence then accepts (R16).
    422s that no schema states: fields missing (`incomplete_request`, R11, each listed), a
    `filed_at` outside the filing window (R12, R13) or in the future (`date_in_future`)."""
    result = await filing.file_request(
        session,
        principal,
        request_id=request_id,
        filed_at=body.filed_at or clock.now(),
        now=clock.now(),
    )
    await tag(session, response, AuthorizationRequest, request_id)
    return result


@router.post(
    "/v1/authorization-requests/{request_id}/decision",
    operation_id="authorization-requests-decide",
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def decide(
    request_id: uuid.UUID,
    body: Decision,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(AuthorizationRequest, "request_id"))],
) -> RequestPublic:
    """Record the administration's decision: accepted, refused or invalidated (R17). 422s: an
    acceptance without `decision_number`, `authorized_hours`, `authorized_employees` (across
    fields), a `decided_on` in the future (`date_in_future`) or before the filing."""
    result = await decisions.decide(
        session, principal, request_id=request_id, data=body, now=clock.now(), today=clock.today()
    )
    await tag(session, response, AuthorizationRequest, request_id)
    return result


@router.post(
    "/v1/authorization-requests/{request_id}/cse-opinion",
    operation_id="authorization-requests-cse-opinion",
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def cse_opinion(
    request_id: uuid.UUID,
    body: CseOpinionInput,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(AuthorizationRequest, "request_id"))],
) -> RequestPublic:
    """Supply the CSE opinion deferred at filing (R15); a future `consulted_on`: 422."""
    result = await decisions.supply_cse_opinion(
        session, principal, request_id=request_id, data=body, now=clock.now(), today=clock.today()
    )
    await tag(session, response, AuthorizationRequest, request_id)
    return result


@router.post(
    "/v1/authorization-requests/{request_id}/cse-minutes",
    operation_id="authorization-requests-cse-minutes-upload",
    response_model=RequestPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 413, 415, 422),
    dependencies=[Depends(single_form_values)],
)
async def upload_cse_minutes(
    request_id: uuid.UUID,
    document: Annotated[UploadFile, File(description="Minutes of the CSE meeting (PDF)")],
    session: WriteSession,
    principal: Write,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(AuthorizationRequest, "request_id"))],
) -> RequestPublic:
    """Attach the minutes of the CSE consultation (R15), kept with their SHA-256. The
    document is read as a PDF: bytes that are not one are a 415 `unsupported_file_type`, a PDF
    that is encrypted or has no page a 422."""
    result = await decisions.attach_cse_minutes(
        session,
        principal,
        request_id=request_id,
        filename=document.filename or "cse-minutes.pdf",
        content=await read_limited(document, settings.max_upload_bytes),
        now=clock.now(),
    )
    await tag(session, response, AuthorizationRequest, request_id)
    return result


@router.get(
    "/v1/authorization-requests/{request_id}/cse-minutes",
    operation_id="authorization-requests-cse-minutes-download",
    response_class=Response,
    responses={
        200: DOCUMENT_ANSWER,
        **problem_responses(*AUTH_PROBLEMS, 404),
    },
)
async def download_cse_minutes(
    request_id: uuid.UUID, session: ReadSession, principal: Read, request: Request
) -> Response:
    """The CSE minutes, byte for byte, with their SHA-256 in `X-Content-SHA256`."""
    document = await decisions.cse_minutes(session, principal, request_id)
    return document_response(document, request.headers.get("accept"))


@router.post(
    "/v1/authorization-requests/{request_id}/amendments",
    operation_id="amendments-create",
    status_code=status.HTTP_201_CREATED,
    response_model=AmendmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422) | etag_response(201),
)
async def create_amendment(
    request_id: uuid.UUID,
    body: AmendmentCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
) -> AmendmentPublic:
    """Draft an amendment of an accepted request: longer period, more hours or employees (R18).
    One that asks for none of them (a rule across fields) is a 422."""
    result = await amendments.create_amendment(
        session, principal, request_id=request_id, data=body, now=clock.now()
    )
    await tag(session, response, Amendment, result.id)
    return result


@router.get(
    "/v1/authorization-requests/{request_id}/amendments",
    operation_id="amendments-list",
    response_model=list[AmendmentPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def list_amendments(
    request_id: uuid.UUID, session: ReadSession, principal: Read, clock: ClockDep
) -> list[AmendmentPublic]:
    """The amendments of a request, oldest first."""
    return await amendments.list_amendments(
        session, principal, request_id=request_id, now=clock.now()
    )


@router.get(
    "/v1/amendments/{amendment_id}",
    operation_id="amendments-get",
    response_model=AmendmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_amendment(
    amendment_id: uuid.UUID,
    session: ReadSession,
    principal: Read,
    clock: ClockDep,
    response: Response,
) -> AmendmentPublic:
    """One amendment with its derived status."""
    result = await amendments.get_public(session, principal, amendment_id, clock.now())
    await tag(session, response, Amendment, amendment_id)
    return result


@router.post(
    "/v1/amendments/{amendment_id}/file",
    operation_id="amendments-file",
    response_model=AmendmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def file_amendment(
    amendment_id: uuid.UUID,
    body: FileRequest,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Amendment, "amendment_id"))],
) -> AmendmentPublic:
    """Record the amendment's filing (R6, R13, R14; no window, R18); a future `filed_at`: 422."""
    result = await amendments.file_amendment(
        session,
        principal,
        amendment_id=amendment_id,
        filed_at=body.filed_at or clock.now(),
        now=clock.now(),
    )
    await tag(session, response, Amendment, amendment_id)
    return result


@router.post(
    "/v1/amendments/{amendment_id}/decision",
    operation_id="amendments-decide",
    response_model=AmendmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def decide_amendment(
    amendment_id: uuid.UUID,
    body: Decision,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Amendment, "amendment_id"))],
) -> AmendmentPublic:
    """Record the decision on an amendment (R17, R18). 422s as for a request's: an acceptance
    without its number, hours or employees; a `decided_on` in the future or before the filing."""
    result = await amendments.decide_amendment(
        session,
        principal,
        amendment_id=amendment_id,
        data=body,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Amendment, amendment_id)
    return result
