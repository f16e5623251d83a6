"""Reads of the audit trail that need another domain: a resource's events, after checking that
the resource is the caller's (audit.service is below every domain, since each records events)."""

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit.models import AuditEvent
from app.audit.service import list_events
from app.clients import service as clients
from app.core.pagination import PageParams
from app.core.principal import Principal


async def list_establishment_events(
    session: AsyncSession, actor: Principal, *, page: PageParams, establishment_id: uuid.UUID
) -> tuple[list[AuditEvent], str | None]:
    await clients.get_establishment(session, actor, establishment_id)
    return await list_events(session, actor, page=page, establishment_id=establishment_id)
