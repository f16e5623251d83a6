import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Connection, Engine
from sqlmodel import col

from app.config import Settings
from app.core import security
from app.db import PreparedRead, read_bind
from app.errors import Forbidden, Unauthorized
from app.firms.models import Role, User
from app.firms.scopes import ROLE_SCOPES, SCOPES

# What is read of the user on every authenticated request, so that deactivation and role
# changes apply at once: (active, role, firm account).
USER_STATUS = (col(User.active), col(User.role), col(User.firm_account_id))
# Built once: this lookup runs on every authenticated request.
_USER_STATUS = PreparedRead(sa_select(*USER_STATUS).where(col(User.id) == bindparam("user_id")))


@dataclass(frozen=True)
class Principal:
    user_id: uuid.UUID
    firm_account_id: uuid.UUID
    role: Role
    scopes: frozenset[str]


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def authorize(
    claims: security.AccessClaims, status: Sequence[Any] | None, required: Iterable[str]
) -> Principal:
    """The caller, from a verified token and the user's `USER_STATUS` row as read now: 401 when
    the user is gone, deactivated or in another firm, 403 when a required scope is missing."""
    if status is None or not status[0] or status[2] != claims.firm_account_id:
        raise Unauthorized("Invalid or expired token")
    role = Role(status[1])
    scopes = claims.scopes & ROLE_SCOPES[role]
    missing = [s for s in required if s not in scopes]
    if missing:
        raise Forbidden(f"This token lacks the scope(s): {' '.join(missing)}")
    return Principal(
        user_id=claims.user_id, firm_account_id=claims.firm_account_id, role=role, scopes=scopes
    )


def verified_claims(request: Request) -> security.AccessClaims:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise Unauthorized("Missing bearer token")
    settings: Settings = request.app.state.settings
    try:
        return security.decode_access_token(settings, token)
    except security.InvalidToken as exc:
        raise Unauthorized("Invalid or expired token") from exc


def authenticate(request: Request, scopes: Sequence[str]) -> Principal:
    """What the principal dependency checks, for a caller of a route needing `scopes`."""
    claims = verified_claims(request)
    row = _USER_STATUS.first(read_bind(request), {"user_id": claims.user_id})
    return authorize(claims, row, scopes)


class _BearerPrincipal(OAuth2PasswordBearer):
    """The OAuth2 scheme of the OpenAPI document (the Authorize button) and the principal in one
    dependency: on the hot path every dependency level costs as much as a query."""

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Principal:
        return authenticate(request, security_scopes.scopes)


class Bearer:
    """A verified token whose user is not read yet, with where the request reads.

    For the hottest reads (GET by id): `tenancy.read_scoped` reads the user's status in the same
    query as the row, then calls `authorize` exactly as the principal dependency does, so the
    answers are the same (401, then 403, then 422 or 404) for one database round trip instead of
    two. It offers no firm account id: nothing can scope a query with it before `authorize`."""

    __slots__ = ("_claims", "_required", "bind")

    def __init__(
        self, claims: security.AccessClaims, required: tuple[str, ...], bind: Engine | Connection
    ) -> None:
        self._claims = claims
        self._required = required
        self.bind = bind

    @property
    def user_id(self) -> uuid.UUID:
        return self._claims.user_id

    def authorize(self, status: Sequence[Any] | None) -> Principal:
        """The principal, from the user's `USER_STATUS` row read with the resource."""
        return authorize(self._claims, status, self._required)


class _BearerToken(OAuth2PasswordBearer):
    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Bearer:
        claims = verified_claims(request)
        return Bearer(claims, tuple(security_scopes.scopes), read_bind(request))


# Both are the same OAuth2 scheme in the OpenAPI document.
_SCHEME: dict[str, Any] = {
    "tokenUrl": "/v1/auth/token",
    "scopes": SCOPES,
    "scheme_name": "OAuth2PasswordBearer",
}
_principal = _BearerPrincipal(**_SCHEME)
_bearer = _BearerToken(**_SCHEME)


def Scoped(scope: str) -> Any:
    """`Annotated[Principal, Scoped("clients:write")]`: a valid token carrying that scope."""
    return Security(_principal, scopes=[scope])


def ScopedBearer(scope: str) -> Any:
    """`Annotated[Bearer, ScopedBearer("establishments:read")]`: for `tenancy.read_scoped`."""
    return Security(_bearer, scopes=[scope])


CurrentPrincipal = Annotated[Principal, Security(_principal)]
