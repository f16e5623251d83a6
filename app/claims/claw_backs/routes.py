import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, status
from fastapi.responses import Response

from app.auth.deps import Principal, Scoped
from app.claims.claw_backs import service
from app.claims.claw_backs.models import (
    CancelClawBack,
    ClawBack,
    ClawBackCreate,
    ClawBackPublic,
    IssueClawBack,
)
from app.claims.models import Claim
from app.core.clock import ClockDep
from app.core.pagination import Page, PageDep
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

Read = Annotated[Principal, Scoped("claims:read")]
Write = Annotated[Principal, Scoped("claims:write")]
WRITE_ERRORS = problem_responses(*AUTH_PROBLEMS, 404, 409, 422)

router = APIRouter(route_class=CheckedRoute, tags=["claims"])


@router.post(
    "/v1/claims/{claim_id}/claw-backs",
    operation_id="claw-backs-create",
    status_code=status.HTTP_201_CREATED,
    response_model=ClawBackPublic,
    responses=WRITE_ERRORS,
)
async def create_claw_back(
    claim_id: uuid.UUID,
    body: ClawBackCreate,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Claim, "claim_id"))],
) -> ClawBackPublic:
    """Record the ASP's notice of a claw-back (OR) of a paid claim: `to_issue` (R42). With
    the claim's others not cancelled, at most the amount paid. `If-Match` names the claim's
    version; the answer's `ETag` is the claw-back's. A `noticed_on` in the future
    (`date_in_future`) or before the claim's payment is a 422."""
    result = await service.create_claw_back(
        session,
        principal,
        claim_id=claim_id,
        data=body,
        noticed_on=body.noticed_on or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ClawBack, result.id)
    return result


@router.get(
    "/v1/claims/{claim_id}/claw-backs",
    operation_id="claw-backs-list-for-claim",
    response_model=Page[ClawBackPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def list_claw_backs(
    claim_id: uuid.UUID, session: ReadSession, principal: Read, page: PageDep
) -> Page[ClawBackPublic]:
    """The claw-backs of one claim, oldest first (R42)."""
    items, cursor = await service.list_claw_backs(session, principal, claim_id=claim_id, page=page)
    return Page(items=items, next_cursor=cursor)


@router.get(
    "/v1/claw-backs/{claw_back_id}",
    operation_id="claw-backs-get",
    response_model=ClawBackPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_claw_back(
    claw_back_id: uuid.UUID, session: ReadSession, principal: Read, response: Response
) -> ClawBackPublic:
    """One claw-back (OR)."""
    result = await service.get_public(session, principal, claw_back_id)
    await tag(session, response, ClawBack, claw_back_id)
    return result


@router.post(
    "/v1/claw-backs/{claw_back_id}/issue",
    operation_id="claw-backs-issue",
    response_model=ClawBackPublic,
    responses=WRITE_ERRORS,
)
async def issue_claw_back(
    claw_back_id: uuid.UUID,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(ClawBack, "claw_back_id"))],
    body: IssueClawBack | None = None,
) -> ClawBackPublic:
    """Record that the ASP issued the claw-back (R42): the claim's net amount received drops.
    An `on` in the future (`date_in_future`) or before the notice is a 422."""
    result = await service.issue_claw_back(
        session,
        principal,
        claw_back_id=claw_back_id,
        on=(body.on if body else None) or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ClawBack, claw_back_id)
    return result


@router.post(
    "/v1/claw-backs/{claw_back_id}/cancel",
    operation_id="claw-backs-cancel",
    response_model=ClawBackPublic,
    responses=WRITE_ERRORS,
)
async def cancel_claw_back(
    claw_back_id: uuid.UUID,
    body: CancelClawBack,
    session: WriteSession,
    principal: Write,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(ClawBack, "claw_back_id"))],
) -> ClawBackPublic:
    """Record that the claw-back was cancelled (APART: *OR invalidé*), to issue or issued, with
    its reason (R42); final. An `on` in the future (`date_in_future`) or before the notice is a
    422."""
    result = await service.cancel_claw_back(
        session,
        principal,
        claw_back_id=claw_back_id,
        reason=body.reason,
        on=body.on or clock.today(),
        now=clock.now(),
        today=clock.today(),
    )
    await tag(session, response, ClawBack, claw_back_id)
    return result
