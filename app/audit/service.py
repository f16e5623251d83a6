import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Uuid, column, table, update
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from app.audit.models import AuditAction, AuditEvent, ResourceType, checked
from app.core.ids import uuid7
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import scoped
from app.webhooks import outbox

# The firm's feed counter, named here without importing the firms domain (which sits above
# audit: every domain records events).
FirmAccountSeq = table("firm_account", column("id", Uuid()), column("event_seq", BigInteger()))


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
    """One event of the trail (R26). `action` must be one of `AuditAction`, on its resource
    type: any other raises `UnknownAuditAction` before anything is written. The webhooks'
    outbox rows of the change are written with it, in its transaction."""
    action, resource_type = checked(action, resource_type)
    event_id = uuid7()
    session.add(
        AuditEvent(
            id=event_id,
            firm_account_id=actor.firm_account_id,
            seq=await _next_seq(session, actor.firm_account_id),
            actor_id=actor.user_id,
            actor_api_client_id=actor.api_client_id,
            at=at,
            resource_type=resource_type,
            resource_id=resource_id,
            establishment_id=establishment_id,
            action=action,
            status_before=before,
            status_after=after,
        )
    )
    await outbox.on_audit_event(
        session,
        actor.firm_account_id,
        event_id=event_id,
        action=action,
        resource_type=resource_type,
        resource_id=resource_id,
        establishment_id=establishment_id,
        before=before,
        after=after,
        at=at,
    )


async def _next_seq(session: AsyncSession, firm_account_id: uuid.UUID) -> int:
    """The event's position in the firm's change feed. The UPDATE locks the firm's row until the
    transaction ends, so the firm's event-writing transactions take turns from here to their
    commit: positions follow commit order, and a rolled-back transaction gives its numbers
    back. Events are recorded last in a use case, so the lock is taken late and held briefly.
    The changes still pending are written first: an insert or update after it would lock (or
    wait on a foreign key's) rows that another writer may hold while it waits for the firm's
    row, a deadlock (see the README, Architecture). On SQLite, writers take turns anyway."""
    await session.flush()
    seq = (
        await session.exec(
            update(FirmAccountSeq)
            .where(FirmAccountSeq.c.id == firm_account_id)
            .values(event_seq=FirmAccountSeq.c.event_seq + 1)
            .returning(FirmAccountSeq.c.event_seq)
        )
    ).scalar_one()
    return int(seq)


def _filtered(
    actor: Principal,
    resource_type: ResourceType | None,
    resource_id: uuid.UUID | None,
    establishment_id: uuid.UUID | None,
    action: AuditAction | None,
) -> SelectOfScalar[AuditEvent]:
    stmt = scoped(AuditEvent, actor)
    if resource_type:
        stmt = stmt.where(AuditEvent.resource_type == resource_type)
    if resource_id:
        stmt = stmt.where(AuditEvent.resource_id == resource_id)
    if establishment_id:
        stmt = stmt.where(AuditEvent.establishment_id == establishment_id)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return stmt


async def list_events(
    session: AsyncSession,
    actor: Principal,
    *,
    page: PageParams,
    resource_type: ResourceType | None = None,
    resource_id: uuid.UUID | None = None,
    establishment_id: uuid.UUID | None = None,
    action: AuditAction | None = None,
) -> tuple[list[AuditEvent], str | None]:
    stmt = _filtered(actor, resource_type, resource_id, establishment_id, action)
    rows, cursor = await paginate(session, stmt, AuditEvent.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def follow_events(
    session: AsyncSession,
    actor: Principal,
    *,
    after: int,
    limit: int,
    resource_type: ResourceType | None = None,
    resource_id: uuid.UUID | None = None,
    action: AuditAction | None = None,
) -> tuple[list[AuditEvent], int]:
    """The change feed: the events after position `after`, in commit order, and the position
    to ask from next (the last one given, or `after` itself when there is none yet)."""
    stmt = _filtered(actor, resource_type, resource_id, None, action)
    stmt = stmt.where(col(AuditEvent.seq) > after).order_by(col(AuditEvent.seq)).limit(limit)
    rows = list((await session.exec(stmt)).all())
    return rows, rows[-1].seq if rows else after
