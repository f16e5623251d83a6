"""API clients: created by a firm's owner or admin, rotated, revoked. Their token requests are
in `auth.service.client_token`."""

import uuid
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from app.api_clients.errors import ApiClientRevoked
from app.api_clients.models import MANAGEMENT_SCOPES, ApiClient, ApiClientCreate
from app.audit.service import record
from app.core import security
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import Forbidden, InvalidInput
from app.firms.scopes import SCOPES

LABEL = "API client"


def _scopes(principal: Principal, requested: list[str]) -> list[str]:
    unknown = sorted(set(requested) - set(SCOPES))
    if unknown:
        raise InvalidInput("scopes", f"unknown scope(s): {' '.join(unknown)}", type="enum")
    kept = sorted(set(requested) & MANAGEMENT_SCOPES)
    if kept:
        raise InvalidInput(
            "scopes", f"an API client cannot be given {' '.join(kept)}", type="scope_not_allowed"
        )
    beyond = sorted(set(requested) - principal.scopes)
    if beyond:
        raise InvalidInput(
            "scopes",
            f"beyond the scopes of the caller's token: {' '.join(beyond)}",
            type="scope_not_allowed",
        )
    return sorted(set(requested))


async def create_api_client(
    session: AsyncSession, principal: Principal, *, data: ApiClientCreate, now: datetime
) -> tuple[ApiClient, str]:
    """The new client and its secret, which is never shown again."""
    if principal.user_id is None:  # the scopes keep clients out already; said again here
        raise Forbidden("Only a user can create an API client")
    scopes = _scopes(principal, data.scopes)
    if data.expires_at is not None and data.expires_at <= now:
        raise InvalidInput("expires_at", "must be in the future", type="greater_than")
    secret = security.new_client_secret()
    client = ApiClient(
        firm_account_id=principal.firm_account_id,
        name=data.name,
        role=principal.role,
        scope=" ".join(scopes),
        secret_hash=security.token_digest(secret),
        expires_at=data.expires_at,
        created_by=principal.user_id,
        created_at=now,
    )
    session.add(client)
    await session.flush()
    await record(
        session,
        principal,
        action="api_client.created",
        resource_type="api_client",
        resource_id=client.id,
        at=now,
    )
    return client, secret


async def list_api_clients(
    session: AsyncSession, principal: Principal, *, page: PageParams
) -> tuple[list[ApiClient], str | None]:
    rows, cursor = await paginate(session, scoped(ApiClient, principal), ApiClient.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def get_api_client(
    session: AsyncSession, principal: Principal, client_id: uuid.UUID
) -> ApiClient:
    return await get_scoped(session, ApiClient, client_id, principal, label=LABEL)


async def rotate_api_client(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID,
    grace: timedelta,
    now: datetime,
) -> tuple[ApiClient, str]:
    """A new secret; the current one keeps working for `grace`, then is refused. A secret
    rotated out before (still in its grace period) stops working at once."""
    client = await get_scoped(
        session, ApiClient, client_id, principal, label=LABEL, for_update=True
    )
    if client.revoked_at is not None:
        raise ApiClientRevoked()
    secret = security.new_client_secret()
    client.previous_secret_hash = client.secret_hash
    client.previous_secret_valid_until = now + grace
    client.secret_hash = security.token_digest(secret)
    session.add(client)
    await record(
        session,
        principal,
        action="api_client.rotated",
        resource_type="api_client",
        resource_id=client.id,
        at=now,
    )
    return client, secret


async def revoke_api_client(
    session: AsyncSession, principal: Principal, *, client_id: uuid.UUID, now: datetime
) -> ApiClient:
    """No new token, and every token it holds refused from this commit on. Revoking a revoked
    client changes nothing."""
    client = await get_scoped(
        session, ApiClient, client_id, principal, label=LABEL, for_update=True
    )
    if client.revoked_at is not None:
        return client
    client.revoked_at = now
    client.token_generation += 1
    client.previous_secret_hash = client.previous_secret_valid_until = None
    session.add(client)
    await record(
        session,
        principal,
        action="api_client.revoked",
        resource_type="api_client",
        resource_id=client.id,
        before="active",
        after="revoked",
        at=now,
    )
    return client
