import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from app.auth.deps import Principal, Scoped, SettingsDep
from app.core.clock import ClockDep
from app.core.pagination import Page, PageDep, UpdatedSince
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.errors import Forbidden
from app.firms import service
from app.firms.errors import SignupDisabled
from app.firms.models import (
    FirmAccount,
    FirmCreate,
    FirmPublic,
    FirmUpdate,
    Me,
    Role,
    User,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

router = APIRouter(route_class=CheckedRoute, prefix="/v1", tags=["firm"])
FirmRead = Annotated[Principal, Scoped("firm:read")]
FirmWrite = Annotated[Principal, Scoped("firm:write")]
UsersRead = Annotated[Principal, Scoped("users:read")]
UsersWrite = Annotated[Principal, Scoped("users:write")]


@router.post(
    "/firms",
    operation_id="firms-create",
    status_code=status.HTTP_201_CREATED,
    response_model=FirmPublic,
    responses=problem_responses(403, 409, 422),
)
async def create_firm(
    body: FirmCreate, session: WriteSession, settings: SettingsDep
) -> FirmAccount:
    """Sign up: create a firm account and its owner (can be switched off). A SIRET whose
    Luhn key is wrong, or that is never assigned, is a 422 `siret_checksum` or
    `siret_degenerate` (R1); an e-mail address no mail can reach (a special-use domain such as
    `.test`, a domain without a dot) a 422 too."""
    if not settings.signup_enabled:
        raise SignupDisabled()
    return await service.create_firm(session, data=body)


@router.get(
    "/firm",
    operation_id="firm-get",
    response_model=FirmPublic,
    responses=problem_responses(*AUTH_PROBLEMS),
)
async def get_firm(session: ReadSession, principal: FirmRead) -> FirmAccount:
    """The caller's firm account, with its establishment count and limit."""
    return await service.get_firm(session, principal)


@router.patch(
    "/firm",
    operation_id="firm-update",
    response_model=FirmPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 409, 422),
)
async def update_firm(body: FirmUpdate, session: WriteSession, principal: FirmWrite) -> FirmAccount:
    """Change the firm's name or account e-mail (owners). An e-mail address no mail can reach
    (a special-use domain such as `.test` or `.local`, a domain without a dot) is a 422."""
    return await service.update_firm(session, principal, data=body)


@router.get(
    "/me", operation_id="me-get", response_model=Me, responses=problem_responses(*AUTH_PROBLEMS)
)
async def me(session: ReadSession, principal: FirmRead) -> Me:
    """The calling user, their firm account and the scopes of this token. An API client's token
    is a 403: it is no user's."""
    if principal.user_id is None:
        raise Forbidden("This token is an API client's, not a user's")
    user = await service.get_user(session, principal, principal.user_id)
    firm = await service.get_firm(session, principal)
    return Me(
        user=UserPublic.model_validate(user),
        firm=FirmPublic.model_validate(firm),
        scopes=sorted(principal.scopes),
    )


users = APIRouter(route_class=CheckedRoute, prefix="/v1/users", tags=["users"])


@users.post(
    "",
    operation_id="users-create",
    status_code=status.HTTP_201_CREATED,
    response_model=UserPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 409, 422) | etag_response(201),
)
async def create_user(
    body: UserCreate,
    session: WriteSession,
    principal: UsersWrite,
    response: Response,
) -> User:
    """Create a user of the firm with an initial password (owners and admins). An e-mail
    address no mail can reach (a special-use domain such as `.test` or `.local`, a domain
    without a dot) is a 422."""
    result = await service.create_user(
        session, principal, actor_role=Role(principal.role), data=body
    )
    await tag(session, response, User, result.id)
    return result


@users.get(
    "",
    operation_id="users-list",
    response_model=Page[UserPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def list_users(
    session: ReadSession,
    principal: UsersRead,
    page: PageDep,
    updated_since: UpdatedSince = None,
) -> Page[UserPublic]:
    """The firm's users, oldest first."""
    rows, cursor = await service.list_users(
        session, principal, page=page, updated_since=updated_since
    )
    return Page(items=[UserPublic.model_validate(u) for u in rows], next_cursor=cursor)


@users.get(
    "/{user_id}",
    operation_id="users-get",
    response_model=UserPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_user(
    user_id: uuid.UUID,
    session: ReadSession,
    principal: UsersRead,
    response: Response,
) -> User:
    """One user of the firm."""
    result = await service.get_user(session, principal, user_id)
    await tag(session, response, User, user_id)
    return result


@users.patch(
    "/{user_id}",
    operation_id="users-update",
    response_model=UserPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def update_user(
    user_id: uuid.UUID,
    body: UserUpdate,
    session: WriteSession,
    principal: UsersWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(User, "user_id"))],
) -> User:
    """Change a user's role or deactivate them; their tokens stop working at once."""
    result = await service.update_user(
        session,
        principal,
        actor_role=Role(principal.role),
        user_id=user_id,
        data=body,
        now=clock.now(),
    )
    await tag(session, response, User, user_id)
    return result
