import uuid
from typing import Annotated

from fastapi import APIRouter

from app.audit import queries, service
from app.audit.models import AuditEventPublic
from app.auth.deps import Principal, Scoped
from app.core.pagination import Page, PageDep
from app.core.routing import CheckedRoute
from app.db import ReadSession
from app.openapi import problem_responses

router = APIRouter(route_class=CheckedRoute, tags=["events"])
Read = Annotated[Principal, Scoped("events:read")]


@router.get(
    "/v1/events",
    operation_id="events-list",
    response_model=Page[AuditEventPublic],
    responses=problem_responses(401, 403, 422),
)
async def list_events(
    session: ReadSession,
    principal: Read,
    page: PageDep,
    resource_type: str | None = None,
    resource_id: uuid.UUID | None = None,
    action: str | None = None,
) -> Page[AuditEventPublic]:
    """The firm's audit trail, oldest first (R26); append-only."""
    rows, cursor = await service.list_events(
        session,
        principal,
        page=page,
        resource_type=resource_type,
        resource_id=resource_id,
        action=action,
    )
    return Page(items=[AuditEventPublic.model_validate(e) for e in rows], next_cursor=cursor)


@router.get(
    "/v1/establishments/{establishment_id}/events",
    operation_id="events-list-for-establishment",
    response_model=Page[AuditEventPublic],
    responses=problem_responses(401, 403, 404, 422),
)
async def list_establishment_events(
    establishment_id: uuid.UUID, session: ReadSession, principal: Read, page: PageDep
) -> Page[AuditEventPublic]:
    """The audit trail of one establishment (R26)."""
    rows, cursor = await queries.list_establishment_events(
        session, principal, page=page, establishment_id=establishment_id
    )
    return Page(items=[AuditEventPublic.model_validate(e) for e in rows], next_cursor=cursor)
