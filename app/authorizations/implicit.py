"""Requests whose silence became an acceptance (R16) within a window: the webhooks' daily scan
announces them, since an implicit acceptance is derived when read and writes no event."""

from datetime import datetime

from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations.models import AuthorizationRequest, RequestStatus
from app.core.principal import Principal
from app.core.tenancy import scoped


async def implicitly_accepted_between(
    session: AsyncSession, principal: Principal, *, since: datetime, until: datetime
) -> list[AuthorizationRequest]:
    stmt = scoped(AuthorizationRequest, principal).where(
        col(AuthorizationRequest.status) == RequestStatus.filed,
        col(AuthorizationRequest.implicit_acceptance_at) > since,
        col(AuthorizationRequest.implicit_acceptance_at) <= until,
    )
    return list((await session.exec(stmt)).all())
