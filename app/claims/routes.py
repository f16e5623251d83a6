import uuid
from functools import partial
from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Query, status
from fastapi.responses import Response

from app.auth.deps import Principal, Scoped
from app.claims import drafts, filing, service
from app.claims.export import COLUMNS, DecimalMark, ExportFormat, Separator, export_csv
from app.claims.models import (
    Claim,
    ClaimCreate,
    ClaimPublic,
    ClaimStatus,
    ClaimSummary,
    ClaimUpdate,
    CorrectionCreate,
    EstablishmentSummary,
    FileClaim,
    Month,
    PayClaim,
    RejectClaim,
    ValidateClaim,
    WithdrawClaim,
)
from app.core.clock import ClockDep
from app.core.downloads import attachment_headers
from app.core.pagination import Page, PageDep, UpdatedSince
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.db import HeavyRead, ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

Read = Annotated[Principal, Scoped("claims:read")]
Write = Annotated[Principal, Scoped("claims:write")]
WRITE_ERRORS = problem_responses(*AUTH_PROBLEMS, 404, 409, 422)

router = APIRouter(route_class=CheckedRoute, tags=["claims"])


@router.post(
    "/v1/authorization-requests/{request_id}/claims",
    operation_id="claims-create",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimPublic,
    responses=WRITE_ERRORS | etag_response(201),
)
async def create_claim(
    request_id: uuid.UUID,
    body: ClaimCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
) -> ClaimPublic:
    """Draft the monthly claim (DI) of an accepted request, one per month (R19, R22). Rules
    no schema states are 422s naming the field: a `month` the legal table does not cover
    (`month_outside_parameters`, R23), a social security number whose key is wrong
    (`nir_invalid`), an `employee_ref` given twice (`duplicate_employee`), hours not worked
    above the contractual hours (`hours_above_contract`, R22), a forfait line's days (R30:
    `forfait_*`), hours above the legal 151.67 h without a structural-overtime basis signed
    before 2020-04-24 for months to 2021-12 (R31: `overtime_*`), an absence outside its months
    (R34: `absence_not_yet`, `childcare_ended`, `absence_days_pairing`)."""
    result = await drafts.create_claim(
        session, principal, request_id=request_id, data=body, now=clock.now(), today=clock.today()
    )
    await tag(session, response, Claim, result.id)
    return result


@router.get(
    "/v1/authorization-requests/{request_id}/claims",
    operation_id="claims-list-for-request",
    response_model=Page[ClaimSummary],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_for_request(
    request_id: uuid.UUID, session: ReadSession, principal: Read, page: PageDep
) -> Page[ClaimSummary]:
    """The claims of one request, oldest first (no employee lines in lists)."""
    items, cursor = await service.list_claims(session, principal, page=page, request_id=request_id)
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/claims",
    operation_id="claims-list",
    response_model=Page[ClaimSummary],
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def list_claims(
    session: ReadSession,
    _heavy: HeavyRead,
    principal: Read,
    page: PageDep,
    status: ClaimStatus | None = None,
    establishment_id: uuid.UUID | None = None,
    month: Annotated[Month | None, Query()] = None,
    discrepancy: Annotated[
        bool | None, Query(description="true: paid claims whose amount differs from expected")
    ] = None,
    updated_since: UpdatedSince = None,
) -> Page[ClaimSummary]:
    """The firm's claims, oldest first, by status, establishment, month or payment discrepancy."""
    items, cursor = await service.list_claims(
        session,
        principal,
        page=page,
        status=status,
        establishment_id=establishment_id,
        month=month,
        discrepancy=discrepancy,
        updated_since=updated_since,
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/claims/{claim_id}",
    operation_id="claims-get",
    response_model=ClaimPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_claim(
    claim_id: uuid.UUID,
    session: ReadSession,
    principal: Read,
    response: Response,
) -> ClaimPublic:
    """One claim with its lines (social security numbers masked)."""
    result = await service.get_public(session, principal, claim_id)
    await tag(session, response, Claim, claim_id)
    return result


@router.get(
    "/v1/claims/{claim_id}/export",
    operation_id="claims-export",
    response_class=Response,
    responses={
        200: {
            "description": "CSV: one row per employee line, then a TOTAL row; columns "
            + ", ".join(COLUMNS)
            + ". JSON: the claim as returned by GET /v1/claims/{id}.",
            # CSV first: a generator that reads one media type only (openapi-python-client)
            # reads this one, as text, which a JSON export also is.
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"$ref": "#/components/schemas/ClaimPublic"}},
            },
        },
        **problem_responses(*AUTH_PROBLEMS, 404, 422),
    },
)
async def export_claim(
    claim_id: uuid.UUID,
    session: ReadSession,
    _heavy: HeavyRead,
    principal: Read,
    format: ExportFormat = ExportFormat.csv,
    separator: Annotated[Separator, Query(description="CSV field separator")] = Separator.semicolon,
    decimal: Annotated[DecimalMark, Query(description="CSV decimal mark")] = DecimalMark.comma,
) -> Response:
    """Export a claim's lines and totals (UTF-8): CSV for spreadsheets, or JSON. A `,`
    separator with a decimal comma (the default `decimal`) is a 422, a rule across two
    parameters: send `decimal=point` with it."""
    claim = await service.get_public(session, principal, claim_id)
    name = f"claim-{claim.month}-v{claim.version}"
    # The document is written in a worker thread: a claim may have 2,000 lines.
    if format == ExportFormat.json:
        return Response(
            await anyio.to_thread.run_sync(claim.model_dump_json),
            media_type="application/json",
            headers=attachment_headers(f"{name}.json"),
        )
    return Response(
        await anyio.to_thread.run_sync(partial(export_csv, claim, separator, decimal)),
        media_type="text/csv; charset=utf-8",
        headers=attachment_headers(f"{name}.csv"),
    )


@router.patch(
    "/v1/claims/{claim_id}",
    operation_id="claims-update",
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def update_claim(
    claim_id: uuid.UUID,
    body: ClaimUpdate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClaimPublic:
    """Edit a draft claim; `lines` replaces all lines. As on creation, a wrong social
    security number key (`nir_invalid`), an `employee_ref` given twice (`duplicate_employee`)
    and hours not worked above the contractual hours (`hours_above_contract`) are 422s, and so
    are the line rules of R30, R31 and R34 (`forfait_*`, `overtime_*`, `absence_*`)."""
    result = await drafts.update_claim(
        session, principal, claim_id=claim_id, data=body, now=clock.now(), today=clock.today()
    )
    await tag(session, response, Claim, claim_id)
    return result


@router.delete(
    "/v1/claims/{claim_id}",
    operation_id="claims-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def delete_claim(
    claim_id: uuid.UUID,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> None:
    """Delete a draft claim."""
    await drafts.delete_claim(session, principal, claim_id=claim_id, now=clock.now())


@router.post(
    "/v1/claims/{claim_id}/file",
    operation_id="claims-file",
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def file_claim(
    claim_id: uuid.UUID,
    body: FileClaim,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClaimPublic:
    """Record the filing: needs a contract (R6), the payroll paid (R20), within the time bar
    (R21) and the authorization's limits (R22). A `filed_on` in the future is a 422
    (`date_in_future`)."""
    result = await filing.file_claim(
        session,
        principal,
        claim_id=claim_id,
        filed_on=body.filed_on or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Claim, claim_id)
    return result


@router.post(
    "/v1/claims/{claim_id}/validate",
    operation_id="claims-validate",
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def validate_claim(
    claim_id: uuid.UUID,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
    body: ValidateClaim | None = None,
) -> ClaimPublic:
    """Record the administration's validation (R24). An `on` in the future (`date_in_future`)
    or before the claim's filing is a 422."""
    on = (body.on if body else None) or clock.today()
    result = await filing.validate_claim(
        session, principal, claim_id=claim_id, on=on, now=clock.now(), today=clock.today()
    )
    await tag(session, response, Claim, claim_id)
    return result


@router.post(
    "/v1/claims/{claim_id}/reject",
    operation_id="claims-reject",
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def reject_claim(
    claim_id: uuid.UUID,
    body: RejectClaim,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClaimPublic:
    """Record a rejection with its reason (R24). An `on` in the future (`date_in_future`) or
    before the claim's filing is a 422."""
    result = await filing.reject_claim(
        session,
        principal,
        claim_id=claim_id,
        reason=body.reason,
        on=body.on or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Claim, claim_id)
    return result


@router.post(
    "/v1/claims/{claim_id}/withdraw",
    operation_id="claims-withdraw",
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def withdraw_claim(
    claim_id: uuid.UUID,
    body: WithdrawClaim,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClaimPublic:
    """Record the withdrawal of a filed claim not yet validated or rejected, with its reason;
    final (R24). Its month can then be claimed again. An `on` in the future (`date_in_future`)
    or before the filing is a 422."""
    result = await filing.withdraw_claim(
        session,
        principal,
        claim_id=claim_id,
        reason=body.reason,
        on=body.on or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Claim, claim_id)
    return result


@router.post(
    "/v1/claims/{claim_id}/paid",
    operation_id="claims-pay",
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def pay_claim(
    claim_id: uuid.UUID,
    body: PayClaim,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClaimPublic:
    """Record the payment received: date and amount (R24). A `paid_on` in the future
    (`date_in_future`) or before the validation is a 422."""
    result = await filing.pay_claim(
        session,
        principal,
        claim_id=claim_id,
        paid_on=body.paid_on or clock.today(),
        amount=body.amount,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Claim, claim_id)
    return result


@router.post(
    "/v1/claims/{claim_id}/corrections",
    operation_id="claims-correct",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimPublic,
    responses=WRITE_ERRORS,
)
async def correct_claim(
    claim_id: uuid.UUID,
    body: CorrectionCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClaimPublic:
    """Draft a corrected version of a paid or withdrawn claim; it references the claim it
    corrects (R24). Its lines are checked as on creation (`nir_invalid`, `duplicate_employee`,
    `hours_above_contract`: 422, and R27–R34)."""
    result = await drafts.create_correction(
        session, principal, claim_id=claim_id, data=body, now=clock.now(), today=clock.today()
    )
    await tag(session, response, Claim, result.id)
    return result


@router.get(
    "/v1/establishments/{establishment_id}/summary",
    operation_id="establishments-summary",
    response_model=EstablishmentSummary,
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def establishment_summary(
    establishment_id: uuid.UUID,
    _heavy: HeavyRead,
    session: ReadSession,
    principal: Read,
    clock: ClockDep,
) -> EstablishmentSummary:
    """Per authorization: hours authorized, claimed and remaining; amounts expected, paid,
    clawed back and received net (R42)."""
    return await service.establishment_summary(
        session, principal, establishment_id=establishment_id, now=clock.now()
    )
