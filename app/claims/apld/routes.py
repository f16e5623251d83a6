import uuid
from typing import Annotated

from fastapi import APIRouter, status
from fastapi.responses import Response

from app.auth.deps import Principal, Scoped
from app.claims import service as claims
from app.claims.apld import meter
from app.claims.apld import service as apld
from app.claims.apld.models import ApldClaimCreate, MeterEntry
from app.claims.models import Claim, ClaimPublic, ClaimSummary
from app.core.clock import ClockDep
from app.core.pagination import Page, PageDep
from app.core.preconditions import tag
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

Read = Annotated[Principal, Scoped("claims:read")]
Write = Annotated[Principal, Scoped("claims:write")]

router = APIRouter(route_class=CheckedRoute, tags=["claims"])


@router.post(
    "/v1/apld-agreements/{agreement_id}/claims",
    operation_id="apld-claims-create",
    status_code=status.HTTP_201_CREATED,
    response_model=ClaimPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422) | etag_response(201),
)
async def create_apld_claim(
    agreement_id: uuid.UUID,
    body: ApldClaimCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
) -> ClaimPublic:
    """Draft the APLD claim (R41) of one of the agreement's establishments for a month of an
    APLD authorization (the first 6 months or a granted renewal): one per establishment and
    month, with the lines of an ordinary claim, priced with the APLD table. It is then read,
    edited, filed, decided, paid, withdrawn, corrected and exported through `/v1/claims/{id}`.
    Rules no schema states are 422s naming the field: a month outside the APLD table
    (`month_outside_parameters`), an establishment the agreement does not cover
    (`establishment_not_covered`), an absence reason (R34 is ordinary only:
    `absence_not_apld`), and the line rules of `claims-create`."""
    result = await apld.create_claim(
        session,
        principal,
        agreement_id=agreement_id,
        data=body,
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, Claim, result.id)
    return result


@router.get(
    "/v1/apld-agreements/{agreement_id}/claims",
    operation_id="apld-claims-list",
    response_model=Page[ClaimSummary],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_apld_claims(
    agreement_id: uuid.UUID, session: ReadSession, principal: Read, page: PageDep
) -> Page[ClaimSummary]:
    """The APLD claims of one agreement, oldest first (no employee lines in lists)."""
    items, cursor = await claims.list_claims(
        session, principal, page=page, apld_agreement_id=agreement_id
    )
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/apld-agreements/{agreement_id}/meter",
    operation_id="apld-agreements-meter",
    response_model=Page[MeterEntry],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def read_meter(
    agreement_id: uuid.UUID, session: ReadSession, principal: Read, page: PageDep, clock: ClockDep
) -> Page[MeterEntry]:
    """R39 per employee of the agreement's filed, validated and paid APLD claims: hours not
    worked used, allowed (maximum reduction × 151.67 h × the duration's months, neutralised
    months left out) and left; social security numbers masked."""
    items, cursor = await meter.read_meter(
        session, principal, agreement_id=agreement_id, page=page, now=clock.now()
    )
    return Page(items=items, next_cursor=cursor)
