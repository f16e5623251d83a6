import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from fastapi.responses import Response

from app.apld import filing, renewals, service
from app.apld.models import (
    AgreementCreate,
    AgreementDecision,
    AgreementPublic,
    AgreementStatus,
    AgreementUpdate,
    ApldAgreement,
    ApldRenewal,
    DocumentKind,
    FileAgreement,
    NeutralisationInput,
    RenewalDecision,
    RenewalPublic,
)
from app.auth.deps import Principal, Scoped, SettingsDep
from app.contracts.routes import DOCUMENT_ANSWER, document_response
from app.core.clock import ClockDep
from app.core.models import Day
from app.core.pagination import Page, PageDep
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.core.uploads import read_limited, single_form_values
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

# APLD authorizations are authorizations: the same scopes as DAPs.
Read = Annotated[Principal, Scoped("authorizations:read")]
Write = Annotated[Principal, Scoped("authorizations:write")]
AgreementMatch = Annotated[None, Depends(IfMatch(ApldAgreement, "agreement_id"))]
RenewalMatch = Annotated[None, Depends(IfMatch(ApldRenewal, "renewal_id"))]

router = APIRouter(route_class=CheckedRoute, tags=["apld"])


@router.post(
    "/v1/clients/{client_id}/apld-agreements",
    operation_id="apld-agreements-create",
    status_code=status.HTTP_201_CREATED,
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422) | etag_response(201),
)
async def create_agreement(
    client_id: uuid.UUID,
    body: AgreementCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
) -> AgreementPublic:
    """Start a draft APLD agreement of a client (R35); every field may wait."""
    result = await service.create_agreement(
        session, principal, client_id=client_id, data=body, now=clock.now()
    )
    await tag(session, response, ApldAgreement, result.id)
    return result


@router.get(
    "/v1/clients/{client_id}/apld-agreements",
    operation_id="apld-agreements-list-for-client",
    response_model=Page[AgreementPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_for_client(
    client_id: uuid.UUID,
    session: ReadSession,
    principal: Read,
    page: PageDep,
    clock: ClockDep,
    status: AgreementStatus | None = None,
) -> Page[AgreementPublic]:
    """The client's APLD agreements, oldest first."""
    items, cursor = await service.list_agreements(
        session, principal, page=page, now=clock.now(), client_id=client_id, status=status
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/apld-agreements",
    operation_id="apld-agreements-list",
    response_model=Page[AgreementPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_agreements(
    session: ReadSession,
    principal: Read,
    page: PageDep,
    clock: ClockDep,
    status: AgreementStatus | None = None,
    client_id: uuid.UUID | None = None,
) -> Page[AgreementPublic]:
    """The firm's APLD agreements, filtered by status (as derived now) or client."""
    items, cursor = await service.list_agreements(
        session, principal, page=page, now=clock.now(), client_id=client_id, status=status
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/apld-agreements/{agreement_id}",
    operation_id="apld-agreements-get",
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_agreement(
    agreement_id: uuid.UUID,
    session: ReadSession,
    principal: Read,
    clock: ClockDep,
    response: Response,
) -> AgreementPublic:
    """One APLD agreement: derived status (R36), authorizations, months used and left (R38)."""
    result = await service.get_public(session, principal, agreement_id, clock.now())
    await tag(session, response, ApldAgreement, agreement_id)
    return result


@router.patch(
    "/v1/apld-agreements/{agreement_id}",
    operation_id="apld-agreements-update",
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def update_agreement(
    agreement_id: uuid.UUID,
    body: AgreementUpdate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: AgreementMatch,
) -> AgreementPublic:
    """Edit a draft (R35)."""
    result = await service.update_agreement(
        session, principal, agreement_id=agreement_id, data=body, now=clock.now()
    )
    await tag(session, response, ApldAgreement, agreement_id)
    return result


@router.post(
    "/v1/apld-agreements/{agreement_id}/documents/{kind}",
    operation_id="apld-agreements-document-upload",
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 413, 415, 422),
    dependencies=[Depends(single_form_values)],
)
async def upload_document(
    agreement_id: uuid.UUID,
    kind: DocumentKind,
    document: Annotated[UploadFile, File(description="The agreement or the CSE opinion (PDF)")],
    session: WriteSession,
    principal: Write,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
    _: AgreementMatch,
) -> AgreementPublic:
    """Attach the agreement (or unilateral document) itself, or the CSE opinion, to a draft."""
    result = await service.attach_document(
        session,
        principal,
        agreement_id=agreement_id,
        kind=kind,
        filename=document.filename or f"{kind.value}.pdf",
        content=await read_limited(document, settings.max_upload_bytes),
        now=clock.now(),
    )
    await tag(session, response, ApldAgreement, agreement_id)
    return result


@router.get(
    "/v1/apld-agreements/{agreement_id}/documents/{kind}",
    operation_id="apld-agreements-document-download",
    response_class=Response,
    responses={200: DOCUMENT_ANSWER, **problem_responses(*AUTH_PROBLEMS, 404, 422)},
)
async def download_document(
    agreement_id: uuid.UUID,
    kind: DocumentKind,
    session: ReadSession,
    principal: Read,
    request: Request,
) -> Response:
    """The stored document, byte for byte, with its SHA-256 in `X-Content-SHA256`."""
    document = await service.get_document(session, principal, agreement_id, kind)
    return document_response(document, request.headers.get("accept"))


@router.post(
    "/v1/apld-agreements/{agreement_id}/file",
    operation_id="apld-agreements-file",
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def file_agreement(
    agreement_id: uuid.UUID,
    body: FileAgreement,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: AgreementMatch,
) -> AgreementPublic:
    """Record the filing after checking R6, R9 and R35 (every missing item at once)."""
    result = await filing.file_agreement(
        session,
        principal,
        agreement_id=agreement_id,
        filed_at=body.filed_at or clock.now(),
        now=clock.now(),
    )
    await tag(session, response, ApldAgreement, agreement_id)
    return result


@router.post(
    "/v1/apld-agreements/{agreement_id}/decision",
    operation_id="apld-agreements-decide",
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def decide(
    agreement_id: uuid.UUID,
    body: AgreementDecision,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: AgreementMatch,
) -> AgreementPublic:
    """Record the validation, homologation or refusal (R36, R17)."""
    result = await filing.decide(
        session,
        principal,
        agreement_id=agreement_id,
        data=body,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ApldAgreement, agreement_id)
    return result


@router.post(
    "/v1/apld-agreements/{agreement_id}/neutralisation",
    operation_id="apld-agreements-neutralise",
    response_model=AgreementPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def neutralise(
    agreement_id: uuid.UUID,
    body: NeutralisationInput,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: AgreementMatch,
) -> AgreementPublic:
    """Record what neutralises 2020-11 – 2021-06 for an agreement decided before mid-December
    2020: an amendment, or the stop of its public-facing activity (R38)."""
    result = await filing.record_neutralisation(
        session,
        principal,
        agreement_id=agreement_id,
        data=body,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ApldAgreement, agreement_id)
    return result


@router.post(
    "/v1/apld-agreements/{agreement_id}/renewals",
    operation_id="apld-renewals-create",
    status_code=status.HTTP_201_CREATED,
    response_model=RenewalPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 413, 415, 422) | etag_response(201),
    dependencies=[Depends(single_form_values)],
)
async def file_renewal(
    agreement_id: uuid.UUID,
    document: Annotated[UploadFile, File(description="The bilan (PDF)")],
    bilan_on: Annotated[Day, Form(description="The day the bilan was filed")],
    session: WriteSession,
    principal: Write,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
) -> RenewalPublic:
    """File a bilan asking for the next 6 months, before the current authorization ends (R37,
    R38)."""
    result = await renewals.file_renewal(
        session,
        principal,
        agreement_id=agreement_id,
        bilan_on=bilan_on,
        filename=document.filename or "bilan.pdf",
        content=await read_limited(document, settings.max_upload_bytes),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ApldRenewal, result.id)
    return result


@router.get(
    "/v1/apld-agreements/{agreement_id}/renewals",
    operation_id="apld-renewals-list",
    response_model=list[RenewalPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def list_renewals(
    agreement_id: uuid.UUID, session: ReadSession, principal: Read
) -> list[RenewalPublic]:
    """The agreement's renewals, in order."""
    return await renewals.list_renewals(session, principal, agreement_id=agreement_id)


@router.get(
    "/v1/apld-renewals/{renewal_id}",
    operation_id="apld-renewals-get",
    response_model=RenewalPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_renewal(
    renewal_id: uuid.UUID, session: ReadSession, principal: Read, response: Response
) -> RenewalPublic:
    """One renewal."""
    result = await renewals.get_public(session, principal, renewal_id)
    await tag(session, response, ApldRenewal, renewal_id)
    return result


@router.post(
    "/v1/apld-renewals/{renewal_id}/decision",
    operation_id="apld-renewals-decide",
    response_model=RenewalPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def decide_renewal(
    renewal_id: uuid.UUID,
    body: RenewalDecision,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: RenewalMatch,
) -> RenewalPublic:
    """Record the renewal's decision (R37: no silence rule)."""
    result = await renewals.decide_renewal(
        session,
        principal,
        renewal_id=renewal_id,
        data=body,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ApldRenewal, renewal_id)
    return result


@router.get(
    "/v1/apld-renewals/{renewal_id}/bilan",
    operation_id="apld-renewals-bilan",
    response_class=Response,
    responses={200: DOCUMENT_ANSWER, **problem_responses(*AUTH_PROBLEMS, 404)},
)
async def download_bilan(
    renewal_id: uuid.UUID, session: ReadSession, principal: Read, request: Request
) -> Response:
    """The bilan, byte for byte, with its SHA-256 in `X-Content-SHA256`."""
    document = await renewals.bilan(session, principal, renewal_id)
    return document_response(document, request.headers.get("accept"))
