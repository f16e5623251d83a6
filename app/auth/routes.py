from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response, status
from fastapi.security import OAuth2PasswordRequestForm

from app.auth import service
from app.auth.deps import SettingsDep
from app.auth.models import RefreshRequest, TokenPair
from app.core.clock import ClockDep
from app.core.routing import CheckedRoute
from app.db import WriteSession
from app.openapi import problem_responses

router = APIRouter(route_class=CheckedRoute, prefix="/v1/auth", tags=["auth"])
# RFC 6749 §5.1: a token answer is never stored (set by app.core.headers.SecurityHeaders).
_TOKEN_ANSWER: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "Cache-Control": {"description": "`no-store`", "schema": {"type": "string"}},
            "Pragma": {"description": "`no-cache`", "schema": {"type": "string"}},
        }
    }
}


@router.post(
    "/token",
    operation_id="auth-token",
    responses={**_TOKEN_ANSWER, **problem_responses(400, 401, 422, 429)},
)
async def issue_token(
    request: Request,
    form: Annotated[OAuth2PasswordRequestForm, Depends()],
    session: WriteSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> TokenPair:
    """Log in with e-mail and password (OAuth2 password flow); `scope` may narrow the token."""
    return await service.login(
        session,
        settings,
        email=form.username,
        password=form.password,
        scopes=form.scopes,
        address=request.client.host if request.client else None,
        now=clock.now(),
    )


@router.post(
    "/refresh",
    operation_id="auth-refresh",
    responses={**_TOKEN_ANSWER, **problem_responses(401, 422)},
)
async def refresh_token(
    body: RefreshRequest, session: WriteSession, settings: SettingsDep, clock: ClockDep
) -> TokenPair:
    """Exchange a refresh token for a new pair; the old one stops working."""
    return await service.refresh(
        session, settings, refresh_token=body.refresh_token, now=clock.now()
    )


@router.post(
    "/logout",
    operation_id="auth-logout",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(422),
)
async def logout(body: RefreshRequest, session: WriteSession, clock: ClockDep) -> None:
    """Revoke the refresh token and its whole rotation chain."""
    await service.logout(session, refresh_token=body.refresh_token, now=clock.now())
