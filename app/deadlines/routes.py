import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import Principal, Scoped
from app.core.clock import ClockDep
from app.core.models import Day
from app.core.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page, PageParams
from app.core.routing import CheckedRoute
from app.db import HeavyRead, ReadSession
from app.deadlines import service
from app.deadlines.models import Deadline, DeadlineKind
from app.openapi import problem_responses

router = APIRouter(route_class=CheckedRoute, tags=["deadlines"])
Read = Annotated[Principal, Scoped("authorizations:read")]


@router.get(
    "/v1/deadlines",
    operation_id="deadlines-list",
    response_model=Page[Deadline],
    responses=problem_responses(401, 403, 422),
)
async def list_deadlines(
    session: ReadSession,
    _heavy: HeavyRead,
    principal: Read,
    clock: ClockDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(
            description="`next_cursor` of the previous page",
            json_schema_extra={"pattern": service.CURSOR_PATTERN},
        ),
    ] = None,
    client_id: uuid.UUID | None = None,
    establishment_id: uuid.UUID | None = None,
    kind: DeadlineKind | None = None,
    overdue: bool | None = None,
    due_before: Annotated[Day | None, Query(description="Due strictly before this date")] = None,
) -> Page[Deadline]:
    """Upcoming and overdue obligations, soonest first (R25), computed from the data now."""
    items, next_cursor = await service.list_deadlines(
        session,
        principal,
        page=PageParams(limit=limit, cursor=None),
        cursor=cursor,
        today=clock.today(),
        now=clock.now(),
        client_id=client_id,
        establishment_id=establishment_id,
        kind=kind,
        overdue=overdue,
        due_before=due_before,
    )
    return Page(items=items, next_cursor=next_cursor)
