import uuid
from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.clients import service as clients
from app.contracts import service as contracts
from app.core.dates import not_in_future
from app.core.preconditions import check_version
from app.core.principal import Principal
from app.core.tenancy import scoped
from app.errors import InvalidInput, InvalidTransition
from app.habilitations import rules
from app.habilitations.errors import HabilitationRequired
from app.habilitations.models import Habilitation, HabilitationPublic, HabilitationStatus


async def _row(
    session: AsyncSession, principal: Principal, establishment_id: uuid.UUID, *, lock: bool = False
) -> Habilitation | None:
    stmt = scoped(Habilitation, principal).where(Habilitation.establishment_id == establishment_id)
    if lock:
        stmt = stmt.with_for_update()
    return (await session.exec(stmt)).first()


async def get_habilitation(
    session: AsyncSession, principal: Principal, establishment_id: uuid.UUID
) -> HabilitationPublic:
    await clients.get_establishment(session, principal, establishment_id)
    row = await _row(session, principal, establishment_id)
    if row is None:
        return HabilitationPublic(
            establishment_id=establishment_id, status=HabilitationStatus.not_requested
        )
    return HabilitationPublic.model_validate(row)


async def advance(
    session: AsyncSession,
    principal: Principal,
    *,
    establishment_id: uuid.UUID,
    target: HabilitationStatus,
    on: date,
    now: datetime,
    today: date,
) -> HabilitationPublic:
    establishment = await clients.get_active_establishment(session, principal, establishment_id)
    not_in_future("on", on, today)
    row = await _row(session, principal, establishment_id, lock=True)
    check_version(session, Habilitation, establishment_id, row.row_version if row else 0)
    current = row.status if row else HabilitationStatus.not_requested
    if not rules.can_move(current, target):
        raise InvalidTransition("habilitation", current, f"moved to {target}")
    if row is None:
        row = Habilitation(
            firm_account_id=principal.firm_account_id,
            establishment_id=establishment_id,
            status=HabilitationStatus.not_requested,
        )
    floor = rules.earliest_date({f: getattr(row, f) for f in rules.DATE_FIELD.values()})
    if floor is not None and on < floor:
        raise InvalidInput(
            "on", f"steps never go backwards: the previous step is dated {floor} (R8)"
        )
    if target == HabilitationStatus.requested:
        # R6: asking APART for the establishment's space is already filing for the client.
        row.contract_id = (
            await contracts.require_contract(
                session, principal, client_id=establishment.client_id, on=on
            )
        ).id
    before = row.status
    setattr(row, rules.DATE_FIELD[target], on)
    row.status = target
    row.updated_at = now
    session.add(row)
    await audit.record(
        session,
        principal,
        action=f"habilitation.{target.value}",
        resource_type="habilitation",
        resource_id=row.id,
        establishment_id=establishment_id,
        before=before,
        after=target,
        at=now,
    )
    await session.flush()
    return HabilitationPublic.model_validate(row)


async def require_habilitated(
    session: AsyncSession, principal: Principal, *, establishment_id: uuid.UUID, on: date
) -> None:
    """R9: the establishment's APART account was habilitated on or before `on`."""
    row = await _row(session, principal, establishment_id)
    if row is None or row.status != HabilitationStatus.habilitated:
        raise HabilitationRequired(row.status if row else HabilitationStatus.not_requested)
    if row.habilitated_on is not None and row.habilitated_on > on:
        raise HabilitationRequired(f"habilitated only from {row.habilitated_on}")
