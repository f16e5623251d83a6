import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from app.api_clients import service
from app.api_clients.models import (
    ApiClient,
    ApiClientCreate,
    ApiClientPublic,
    ApiClientWithSecret,
)
from app.auth.deps import Principal, Scoped, SettingsDep
from app.core.clock import ClockDep
from app.core.pagination import Page, PageDep
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

ApiClientsRead = Annotated[Principal, Scoped("api_clients:read")]
ApiClientsWrite = Annotated[Principal, Scoped("api_clients:write")]

router = APIRouter(route_class=CheckedRoute, prefix="/v1/api-clients", tags=["api clients"])


def _with_secret(client: ApiClient, secret: str) -> ApiClientWithSecret:
    return ApiClientWithSecret.build(
        client,
        {"client_id": str(client.id), "scopes": client.scope.split(), "client_secret": secret},
    )


@router.post(
    "",
    operation_id="api-clients-create",
    status_code=status.HTTP_201_CREATED,
    response_model=ApiClientWithSecret,
    responses=problem_responses(*AUTH_PROBLEMS, 422) | etag_response(201),
)
async def create_api_client(
    body: ApiClientCreate,
    session: WriteSession,
    principal: ApiClientsWrite,
    clock: ClockDep,
    response: Response,
) -> ApiClientWithSecret:
    """Create an API client for payroll software (owners and admins): its `client_secret` is in
    this answer only. Its scopes lie within the caller's token's."""
    client, secret = await service.create_api_client(session, principal, data=body, now=clock.now())
    await tag(session, response, ApiClient, client.id)
    return _with_secret(client, secret)


@router.get(
    "",
    operation_id="api-clients-list",
    response_model=Page[ApiClientPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def list_api_clients(
    session: ReadSession, principal: ApiClientsRead, page: PageDep
) -> Page[ApiClientPublic]:
    """The firm's API clients, oldest first, revoked ones too; never a secret."""
    rows, cursor = await service.list_api_clients(session, principal, page=page)
    return Page(items=[ApiClientPublic.of(r) for r in rows], next_cursor=cursor)


@router.get(
    "/{api_client_id}",
    operation_id="api-clients-get",
    response_model=ApiClientPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_api_client(
    api_client_id: uuid.UUID, session: ReadSession, principal: ApiClientsRead, response: Response
) -> ApiClientPublic:
    """One API client, with when it last obtained a token."""
    client = await service.get_api_client(session, principal, api_client_id)
    await tag(session, response, ApiClient, api_client_id)
    return ApiClientPublic.of(client)


@router.post(
    "/{api_client_id}/rotate",
    operation_id="api-clients-rotate",
    response_model=ApiClientWithSecret,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def rotate_api_client(
    api_client_id: uuid.UUID,
    session: WriteSession,
    principal: ApiClientsWrite,
    settings: SettingsDep,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(ApiClient, "api_client_id"))],
) -> ApiClientWithSecret:
    """A new `client_secret`, in this answer only; the previous one keeps working until
    `previous_secret_valid_until` (`API_CLIENT_ROTATION_GRACE_SECONDS`), so that the software
    can be given the new one without a stop. A revoked client is a 409."""
    client, secret = await service.rotate_api_client(
        session,
        principal,
        client_id=api_client_id,
        grace=timedelta(seconds=settings.api_client_rotation_grace_seconds),
        now=clock.now(),
    )
    await tag(session, response, ApiClient, api_client_id)
    return _with_secret(client, secret)


@router.post(
    "/{api_client_id}/revoke",
    operation_id="api-clients-revoke",
    response_model=ApiClientPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def revoke_api_client(
    api_client_id: uuid.UUID,
    session: WriteSession,
    principal: ApiClientsWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(ApiClient, "api_client_id"))],
) -> ApiClientPublic:
    """Revoke an API client: no new token, and the tokens it holds are refused at once."""
    client = await service.revoke_api_client(
        session, principal, client_id=api_client_id, now=clock.now()
    )
    await tag(session, response, ApiClient, api_client_id)
    return ApiClientPublic.of(client)
