import uuid
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes
from sqlalchemy import bindparam
from sqlmodel import select

from app.config import Settings
from app.core import security
from app.db import read_connection, read_session
from app.errors import Forbidden, Unauthorized
from app.firms.models import Role, User
from app.firms.scopes import ROLE_SCOPES, SCOPES

# Built once: this lookup runs on every authenticated request.
_USER_STATUS = select(User.active, User.role, User.firm_account_id).where(
    User.id == bindparam("user_id")
)


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


class _BearerPrincipal(OAuth2PasswordBearer):
    """The OAuth2 scheme of the OpenAPI document (the Authorize button) and the principal in one
    dependency: on the hot path every dependency level costs as much as a query."""

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes
    ) -> Principal:
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise Unauthorized("Missing bearer token")
        settings: Settings = request.app.state.settings
        try:
            claims = security.decode_access_token(settings, token)
        except security.InvalidToken as exc:
            raise Unauthorized("Invalid or expired token") from exc
        # The user is read on every request so that deactivation and role changes apply at once.
        with read_connection(read_session(request)) as connection:
            row = connection.execute(_USER_STATUS, {"user_id": claims.user_id}).first()
        if row is None or not row[0] or row[2] != claims.firm_account_id:
            raise Unauthorized("Invalid or expired token")
        role = Role(row[1])
        principal = Principal(
            user_id=claims.user_id,
            firm_account_id=claims.firm_account_id,
            role=role,
            scopes=claims.scopes & ROLE_SCOPES[role],
        )
        missing = [s for s in security_scopes.scopes if s not in principal.scopes]
        if missing:
            raise Forbidden(f"This token lacks the scope(s): {' '.join(missing)}")
        return principal


_principal = _BearerPrincipal(
    tokenUrl="/v1/auth/token", scopes=SCOPES, scheme_name="OAuth2PasswordBearer"
)


def Scoped(scope: str) -> Any:
    """`Annotated[Principal, Scoped("clients:write")]`: a valid token carrying that scope."""
    return Security(_principal, scopes=[scope])


CurrentPrincipal = Annotated[Principal, Security(_principal)]
