import base64
import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile, status
from fastapi.responses import Response

from app.auth.deps import Principal, Scoped, SettingsDep
from app.contracts import service
from app.contracts.models import Contract, ContractPublic, Document, TerminateContract
from app.core.clock import ClockDep
from app.core.downloads import PDF_TYPES, attachment_headers, negotiated
from app.core.models import Day, trimmed
from app.core.pagination import Page, PageDep
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.core.uploads import read_limited, single_form_values
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

ContractsRead = Annotated[Principal, Scoped("contracts:read")]
ContractsWrite = Annotated[Principal, Scoped("contracts:write")]
FormText = Annotated[str, trimmed(200)]

router = APIRouter(route_class=CheckedRoute, tags=["contracts"])

# The answer of a download of a stored document (also app/authorizations/routes.py).
DOCUMENT_ANSWER = {
    "content": {media_type: {} for media_type in PDF_TYPES},
    "description": "The exact bytes uploaded: `application/pdf`, or `application/octet-stream` "
    "when `Accept` prefers it",
}


@router.post(
    "/v1/clients/{client_id}/contracts",
    operation_id="contracts-create",
    status_code=status.HTTP_201_CREATED,
    response_model=ContractPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 413, 415, 422) | etag_response(201),
    dependencies=[Depends(single_form_values)],
)
async def create_contract(
    client_id: uuid.UUID,
    document: Annotated[UploadFile, File(description="The signed service contract (PDF)")],
    signed_on: Annotated[Day, Form()],
    signatory_name: Annotated[FormText, Form()],
    signatory_role: Annotated[FormText, Form()],
    session: WriteSession,
    principal: ContractsWrite,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
    engagement_letter_on: Annotated[Day | None, Form()] = None,
) -> Contract:
    """Upload a client's signed service contract (R6, R7); kept with its SHA-256. The
    document is read as a PDF: bytes that are not one are a 415 `unsupported_file_type`, a PDF
    that is encrypted or has no page a 422."""
    content = await read_limited(document, settings.max_upload_bytes)
    result = await service.create_contract(
        session,
        principal,
        client_id=client_id,
        signed_on=signed_on,
        signatory_name=signatory_name,
        signatory_role=signatory_role,
        engagement_letter_on=engagement_letter_on,
        filename=document.filename or "contract.pdf",
        content=content,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Contract, result.id)
    return result


@router.get(
    "/v1/clients/{client_id}/contracts",
    operation_id="contracts-list",
    response_model=Page[ContractPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_contracts(
    client_id: uuid.UUID, session: ReadSession, principal: ContractsRead, page: PageDep
) -> Page[ContractPublic]:
    """A client's service contracts, oldest first."""
    rows, cursor = await service.list_contracts(session, principal, client_id=client_id, page=page)
    return Page(items=[ContractPublic.model_validate(c) for c in rows], next_cursor=cursor)


@router.get(
    "/v1/contracts/{contract_id}",
    operation_id="contracts-get",
    response_model=ContractPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_contract(
    contract_id: uuid.UUID,
    session: ReadSession,
    principal: ContractsRead,
    response: Response,
) -> Contract:
    """One service contract."""
    result = await service.get_contract(session, principal, contract_id)
    await tag(session, response, Contract, contract_id)
    return result


@router.get(
    "/v1/contracts/{contract_id}/document",
    operation_id="contracts-document",
    response_class=Response,
    responses={
        200: DOCUMENT_ANSWER,
        **problem_responses(*AUTH_PROBLEMS, 404),
    },
)
async def download_document(
    contract_id: uuid.UUID, session: ReadSession, principal: ContractsRead, request: Request
) -> Response:
    """The signed document, byte for byte, its SHA-256 in `Repr-Digest` and `X-Content-SHA256`."""
    document = await service.get_document(session, principal, contract_id)
    return document_response(document, request.headers.get("accept"))


@router.post(
    "/v1/contracts/{contract_id}/terminate",
    operation_id="contracts-terminate",
    response_model=ContractPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def terminate_contract(
    contract_id: uuid.UUID,
    body: TerminateContract,
    session: WriteSession,
    principal: ContractsWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Contract, "contract_id"))],
) -> Contract:
    """Terminate a contract: no new filing relies on it from that date (R6). An `on` in the
    future (`date_in_future`) or before the signature is a 422."""
    result = await service.terminate_contract(
        session,
        principal,
        contract_id=contract_id,
        on=body.on or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Contract, contract_id)
    return result


@router.delete(
    "/v1/contracts/{contract_id}",
    operation_id="contracts-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def delete_contract(
    contract_id: uuid.UUID,
    session: WriteSession,
    principal: ContractsWrite,
    clock: ClockDep,
    _: Annotated[None, Depends(IfMatch(Contract, "contract_id"))],
) -> None:
    """Delete a contract uploaded by mistake; one that backs a filing is kept (R7)."""
    await service.delete_contract(session, principal, contract_id=contract_id, now=clock.now())


def _b64(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def document_response(document: Document, accept: str | None) -> Response:
    """A stored document as the exact bytes, with their SHA-256 in two headers; as a PDF or,
    when `accept` prefers it, as plain bytes."""
    return Response(
        content=document.content,
        media_type=negotiated(accept, PDF_TYPES),
        headers={
            "Vary": "Accept",
            "X-Content-SHA256": document.sha256,
            "Repr-Digest": f"sha-256=:{_b64(document.sha256)}:",
            **attachment_headers(document.filename, fallback="document.pdf"),
        },
    )
