import re
import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from app.audit import queries, service
from app.audit.models import AuditAction, AuditEventPublic, ResourceType
from app.auth.deps import Principal, Scoped
from app.core.pagination import (
    CURSOR_PATTERN,
    DEFAULT_LIMIT,
    MAX_LIMIT,
    Page,
    PageDep,
    page_params,
)
from app.core.routing import CheckedRoute
from app.db import ReadSession
from app.errors import InvalidInput
from app.openapi import problem_responses

router = APIRouter(route_class=CheckedRoute, tags=["events"])
Read = Annotated[Principal, Scoped("events:read")]


FEED_LIMIT, FEED_MAX_LIMIT = 100, 1000
POSITION_PATTERN = "^(?:0|[1-9][0-9]{0,17})$"
_POSITION = re.compile(POSITION_PATTERN)


class EventPage(BaseModel):
    items: list[AuditEventPublic]
    next_cursor: str | None = Field(
        description="Paging (`cursor`): the next page's `cursor`, null on the last page"
    )
    next: str | None = Field(
        description="Change feed (`after`): the `after` of your next poll, given even when "
        "`items` is empty; null when paging with `cursor`"
    )


def _position(after: str) -> int:
    if not _POSITION.fullmatch(after):
        raise InvalidInput(
            "after",
            "not a cursor of the change feed: 0, or the `next` of an answer",
            location="query",
        )
    return int(after)


@router.get(
    "/v1/events",
    operation_id="events-list",
    response_model=EventPage,
    responses=problem_responses(401, 403, 422),
)
async def list_events(
    session: ReadSession,
    principal: Read,
    after: Annotated[
        str | None,
        Query(
            description="Change feed: the events committed after this cursor (`0`: from the "
            "start), in commit order; pass the answer's `next` as the next `after`. Not with "
            "`cursor`",
            json_schema_extra={"pattern": POSITION_PATTERN},
        ),
    ] = None,
    cursor: Annotated[
        str | None,
        Query(
            description="`next_cursor` of the previous page. Not with `after`",
            json_schema_extra={"pattern": CURSOR_PATTERN},
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            le=FEED_MAX_LIMIT,
            description=f"Page size: 1–{MAX_LIMIT} (default {DEFAULT_LIMIT}) when paging, "
            f"1–{FEED_MAX_LIMIT} (default {FEED_LIMIT}) with `after`",
        ),
    ] = None,
    resource_type: ResourceType | None = None,
    resource_id: uuid.UUID | None = None,
    action: AuditAction | None = None,
) -> EventPage:
    """The firm's audit trail, oldest first (R26); append-only. With `after`, the change feed:
    every event exactly once, in commit order, none ever slipping in before a cursor given.
    Two rules join parameters: `after` and `cursor` cannot be combined, and `limit` goes past
    100 only with `after` (422 naming the parameter otherwise)."""
    if after is not None:
        if cursor is not None:
            raise InvalidInput("after", "`after` and `cursor` cannot be combined", location="query")
        rows, position = await service.follow_events(
            session,
            principal,
            after=_position(after),
            limit=limit or FEED_LIMIT,
            resource_type=resource_type,
            resource_id=resource_id,
            action=action,
        )
        items = [AuditEventPublic.model_validate(e) for e in rows]
        return EventPage(items=items, next_cursor=None, next=str(position))
    if limit is not None and limit > MAX_LIMIT:
        raise InvalidInput(
            "limit",
            f"at most {MAX_LIMIT} when paging (up to {FEED_MAX_LIMIT} with `after`)",
            type="less_than_equal",
            location="query",
        )
    page = await page_params(limit=limit or DEFAULT_LIMIT, cursor=cursor)
    rows, next_cursor = await service.list_events(
        session,
        principal,
        page=page,
        resource_type=resource_type,
        resource_id=resource_id,
        action=action,
    )
    items = [AuditEventPublic.model_validate(e) for e in rows]
    return EventPage(items=items, next_cursor=next_cursor, next=None)


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
