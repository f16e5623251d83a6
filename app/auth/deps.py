"""Who is calling: the bearer token verified, the user's status read now (deactivation and role
changes apply at once), the route's scopes checked."""

import uuid
from collections.abc import Iterable, Sequence
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select

from app.api_clients.models import ApiClient
from app.auth.errors import AccessTokenExpired
from app.config import Settings
from app.core import security
from app.core.principal import Principal
from app.db import read_session
from app.errors import Forbidden, Unauthorized
from app.firms.models import Role, User
from app.firms.scopes import ROLE_SCOPES, SCOPES

__all__ = ["Bearer", "CurrentPrincipal", "Principal", "Scoped", "ScopedBearer", "SettingsDep"]

# What is read of the user on every authenticated request: (active, role, firm account, token
# generation). Table columns, not the model's attributes: a statement of table columns only is
# executed as it is, without the ORM's compile and result steps.
_USERS = User.__table__  # type: ignore[attr-defined]
USER_STATUS = (
    _USERS.c.active,
    _USERS.c.role,
    _USERS.c.firm_account_id,
    _USERS.c.token_generation,
)
_USER_STATUS = sa_select(*USER_STATUS).where(_USERS.c.id == bindparam("user_id"))
# The same of an API client, for its tokens (`typ` client): active while not revoked (its
# tokens never outlive its expiry, see `security.issue_client_token`).
_CLIENTS = ApiClient.__table__  # type: ignore[attr-defined]
CLIENT_STATUS = (
    _CLIENTS.c.revoked_at.is_(None).label("active"),
    _CLIENTS.c.role,
    _CLIENTS.c.firm_account_id,
    _CLIENTS.c.token_generation,
)
_CLIENT_STATUS = sa_select(*CLIENT_STATUS).where(_CLIENTS.c.id == bindparam("user_id"))


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def authorize(
    claims: security.AccessClaims, status: Sequence[Any] | None, required: Iterable[str]
) -> Principal:
    """The caller, from a verified token and the user's `USER_STATUS` row as read now (an API
    client's `CLIENT_STATUS` for its tokens): 401 when the user is gone, deactivated or in
    another firm, or the token was issued before the user's last deactivation or role change
    (`end_sessions`), or the client is revoked; 403 when a required scope is missing."""
    if (
        status is None
        or not status[0]
        or status[2] != claims.firm_account_id
        or status[3] != claims.generation
    ):
        raise Unauthorized("Invalid or expired token")
    role = Role(status[1])
    scopes = claims.scopes & ROLE_SCOPES[role]
    missing = [s for s in required if s not in scopes]
    if missing:
        raise Forbidden(f"This token lacks the scope(s): {' '.join(missing)}")
    if claims.kind == security.CLIENT:
        return Principal(
            user_id=None,
            api_client_id=claims.subject,
            firm_account_id=claims.firm_account_id,
            role=role,
            scopes=scopes,
        )
    return Principal(
        user_id=claims.subject, firm_account_id=claims.firm_account_id, role=role, scopes=scopes
    )


def verified_claims(request: Request) -> security.AccessClaims:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Missing bearer token")
    settings: Settings = request.app.state.settings
    try:
        return security.decode_access_token(settings, token)
    except security.TokenExpired as exc:
        raise AccessTokenExpired() from exc
    except security.InvalidToken as exc:
        raise Unauthorized("Invalid or expired token") from exc


async def authenticate(request: Request, scopes: Sequence[str]) -> Principal:
    """What the principal dependency checks, for a caller of a route needing `scopes`."""
    claims = verified_claims(request)
    session = read_session(request)
    stmt = _CLIENT_STATUS if claims.kind == security.CLIENT else _USER_STATUS
    result = await session.exec(stmt, params={"user_id": claims.subject})  # type: ignore[call-overload]
    status = result.first()
    # The connection goes back to the pool at once: a write route may now wait for its write
    # connection (or the write gate) without holding a read connection others need to log in.
    await session.close()
    return authorize(claims, status, scopes)


class _BearerPrincipal(OAuth2PasswordBearer):
    """The OAuth2 scheme of the OpenAPI document (the Authorize button) and the principal in one
    dependency."""

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Principal:
        return await authenticate(request, security_scopes.scopes)


class Bearer:
    """A verified token whose user is not read yet, with the request it came with.

    For the hottest reads (GET by id): `auth.scoped_reads.read_scoped` reads the user's status
    in the same query as the row, then calls `authorize` exactly as the principal dependency
    does, so the answers are the same (401, then 403, then 422 or 404) for one database round
    trip instead of two. It offers no firm account id: nothing can scope a query with it before
    `authorize`."""

    __slots__ = ("_claims", "_required", "request")

    def __init__(
        self, claims: security.AccessClaims, required: tuple[str, ...], request: Request
    ) -> None:
        self._claims = claims
        self._required = required
        self.request = request

    @property
    def subject(self) -> uuid.UUID:
        """The user's id, or the API client's (`is_client`)."""
        return self._claims.subject

    @property
    def is_client(self) -> bool:
        return self._claims.kind == security.CLIENT

    def authorize(self, status: Sequence[Any] | None) -> Principal:
        """The principal, from the user's `USER_STATUS` row (the client's `CLIENT_STATUS`)
        read with the resource."""
        return authorize(self._claims, status, self._required)


class _BearerToken(OAuth2PasswordBearer):
    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Bearer:
        claims = verified_claims(request)
        return Bearer(claims, tuple(security_scopes.scopes), request)


# Both are the same OAuth2 scheme in the OpenAPI document, with both flows of the one token
# endpoint: a person's (password) and an API client's (client credentials). Swagger UI's
# Authorize dialog offers each.
TOKEN_URL = "/v1/auth/token"
_SCHEME: dict[str, Any] = {
    "tokenUrl": TOKEN_URL,
    "scopes": SCOPES,
    "scheme_name": "OAuth2",
    "description": "A user's token (password flow) or an API client's (client credentials "
    "flow, RFC 6749 §4.4), both from `POST /v1/auth/token`",
}
_principal = _BearerPrincipal(**_SCHEME)
_bearer = _BearerToken(**_SCHEME)
for _scheme in (_principal, _bearer):
    _scheme.model.flows.clientCredentials = OAuthFlowClientCredentials(  # type: ignore[attr-defined]
        tokenUrl=TOKEN_URL, scopes=SCOPES
    )


def Scoped(*scopes: str) -> Any:
    """`Annotated[Principal, Scoped("clients:write")]`: a valid token carrying those scopes."""
    return Security(_principal, scopes=list(scopes))


def ScopedBearer(scope: str) -> Any:
    """`Annotated[Bearer, ScopedBearer("establishments:read")]`: for `read_scoped`."""
    return Security(_bearer, scopes=[scope])


CurrentPrincipal = Annotated[Principal, Security(_principal)]
