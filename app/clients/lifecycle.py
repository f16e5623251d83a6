"""Use cases of a client or an establishment that depend on the domains built on them: a
client with contracts is kept (R7); an establishment with pending work stays active (R3)."""

import uuid
from datetime import datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations import service as authorizations
from app.claims import service as claims
from app.clients import service as clients
from app.clients.errors import ClientHasContracts, ClientHasEstablishments, EstablishmentBusy
from app.clients.models import Client, Establishment, EstablishmentStatus
from app.contracts import service as contracts
from app.core.principal import Principal
from app.core.tenancy import get_scoped
from app.firms import service as firms


async def delete_client(
    session: AsyncSession, principal: Principal, *, client_id: uuid.UUID
) -> None:
    client = await get_scoped(
        session, Client, client_id, principal, label="Client", for_update=True
    )
    if await clients.has_establishments(session, client):
        raise ClientHasEstablishments("deleted")
    if await contracts.has_contracts(session, client_id=client.id):
        raise ClientHasContracts()
    for row in (await clients.regimes_of(session, [client.id]))[client.id]:
        await session.delete(row)
    await session.flush()
    await session.delete(client)
    await session.flush()


async def archive_establishment(
    session: AsyncSession, principal: Principal, *, establishment_id: uuid.UUID, now: datetime
) -> Establishment:
    establishment = await get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment", for_update=True
    )
    if establishment.status == EstablishmentStatus.archived:
        return establishment
    await _check_nothing_pending(session, establishment, now)
    await firms.release_establishment_slot(session, firm_account_id=principal.firm_account_id)
    establishment.sqlmodel_update(
        {"status": EstablishmentStatus.archived, "archived_at": now, "updated_at": now}
    )
    session.add(establishment)
    await clients.record_establishment(
        session, principal, establishment, "archived", EstablishmentStatus.active, now
    )
    await session.flush()
    return establishment


async def _check_nothing_pending(
    session: AsyncSession, establishment: Establishment, now: datetime
) -> None:
    """R3: an establishment with an undecided request or an unpaid claim stays active."""
    undecided = await authorizations.count_undecided(
        session, establishment_id=establishment.id, now=now
    )
    if undecided:
        raise EstablishmentBusy(
            f"{undecided} authorization request(s) await a decision: "
            "the establishment stays active (R3)"
        )
    unpaid = await claims.count_unpaid(session, establishment_id=establishment.id)
    if unpaid:
        raise EstablishmentBusy(
            f"{unpaid} claim(s) are not paid yet: the establishment stays active (R3)"
        )
