import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit.models import AuditEvent
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import scoped


async def record(
    session: AsyncSession,
    actor: Principal,
    *,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID,
    establishment_id: uuid.UUID | None = None,
    before: str | None = None,
    after: str | None = None,
    at: datetime,
) -> None:
    session.add(
        AuditEvent(
            firm_account_id=actor.firm_account_id,
            actor_id=actor.user_id,
            at=at,
            resource_type=resource_type,
            resource_id=resource_id,
            establishment_id=establishment_id,
            action=action,
            status_before=before,
            status_after=after,
        )
    )


async def list_events(
    session: AsyncSession,
    actor: Principal,
    *,
    page: PageParams,
    resource_type: str | None = None,
    resource_id: uuid.UUID | None = None,
    establishment_id: uuid.UUID | None = None,
    action: str | None = None,
) -> tuple[list[AuditEvent], str | None]:
    stmt = scoped(AuditEvent, actor)
    if resource_type:
        stmt = stmt.where(AuditEvent.resource_type == resource_type)
    if resource_id:
        stmt = stmt.where(AuditEvent.resource_id == resource_id)
    if establishment_id:
        stmt = stmt.where(AuditEvent.establishment_id == establishment_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    rows, cursor = await paginate(session, stmt, AuditEvent.id, page)  # type: ignore[arg-type]
    return list(rows), cursor
