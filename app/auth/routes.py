import base64
import binascii
from typing import Annotated, Any
from urllib.parse import unquote_plus

from fastapi import APIRouter, Depends, Form, Request, Response, status

from app.auth import service
from app.auth.deps import SettingsDep
from app.auth.errors import InvalidClient, InvalidRequest
from app.auth.models import ClientToken, RefreshRequest, TokenPair
from app.core.clock import ClockDep
from app.core.routing import CheckedRoute
from app.db import WriteSession
from app.errors import InvalidInput
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


class TokenForm:
    """The token request (RFC 6749 §4.3 and §4.4), as a form."""

    def __init__(
        self,
        grant_type: Annotated[
            str | None,
            Form(
                pattern="^(?:password|client_credentials)$",
                description="`password` (the default) or `client_credentials`",
            ),
        ] = None,
        username: Annotated[str | None, Form(description="password grant: the e-mail")] = None,
        password: Annotated[str | None, Form(description="password grant")] = None,
        scope: Annotated[str, Form(description="Space-separated scopes; none: all")] = "",
        client_id: Annotated[
            str | None,
            Form(description="client_credentials grant, unless sent in HTTP Basic"),
        ] = None,
        client_secret: Annotated[
            str | None,
            Form(description="client_credentials grant, unless sent in HTTP Basic"),
        ] = None,
    ) -> None:
        self.grant_type = grant_type or "password"
        self.username, self.password = username, password
        self.scopes = scope.split()
        self.client_id, self.client_secret = client_id, client_secret


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    """RFC 6749 §2.3.1: `client_id:client_secret`, each form-urlencoded, in HTTP Basic."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidClient() from exc
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise InvalidClient()
    return unquote_plus(client_id), unquote_plus(secret)


def _client_credentials(request: Request, form: TokenForm) -> tuple[str, str]:
    basic = _basic_credentials(request)
    in_form = form.client_id is not None or form.client_secret is not None
    if basic is not None:
        if in_form:  # RFC 6749 §2.3: one way only
            raise InvalidRequest(
                "Send the client credentials in HTTP Basic or in the form, not both"
            )
        return basic
    if form.client_id is None or form.client_secret is None:
        raise InvalidClient()
    return form.client_id, form.client_secret


@router.post(
    "/token",
    operation_id="auth-token",
    response_model=TokenPair | ClientToken,
    responses={**_TOKEN_ANSWER, **problem_responses(400, 401, 422, 429)},
)
async def issue_token(
    request: Request,
    form: Annotated[TokenForm, Depends()],
    session: WriteSession,
    settings: SettingsDep,
    clock: ClockDep,
) -> TokenPair | ClientToken:
    """Log in with e-mail and password (OAuth2 password flow: a token pair), or as an API
    client with its id and secret (`grant_type=client_credentials`, in HTTP Basic or in the
    form: an access token, no refresh token; `invalid_client` when they are wrong); `scope`
    may narrow the token."""
    address = request.client.host if request.client else None
    if form.grant_type == "client_credentials":
        client_id, client_secret = _client_credentials(request, form)
        return await service.client_token(
            session,
            settings,
            client_id=client_id,
            client_secret=client_secret,
            scopes=form.scopes,
            address=address,
            now=clock.now(),
        )
    if form.username is None:
        raise InvalidInput("username", "required by the password grant", type="missing")
    if form.password is None:
        raise InvalidInput("password", "required by the password grant", type="missing")
    return await service.login(
        session,
        settings,
        email=form.username,
        password=form.password,
        scopes=form.scopes,
        address=address,
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
