import uuid
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit import service as audit
from app.auth.deps import Bearer
from app.auth.scoped_reads import read_scoped
from app.clients.errors import (
    ClientHasEstablishments,
    DuplicateSiren,
    DuplicateSiret,
    EstablishmentArchived,
    SirenMismatch,
)
from app.clients.models import (
    INITIAL_REGIME_FROM,
    Client,
    ClientCreate,
    ClientPublic,
    ClientRegime,
    ClientUpdate,
    Establishment,
    EstablishmentCreate,
    EstablishmentPublic,
    EstablishmentStatus,
    EstablishmentUpdate,
    RegimeChange,
)
from app.core.integrity import flush_or_raise
from app.core.pagination import PageParams, paginate, paginate_public
from app.core.preconditions import Headers
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import NotFound
from app.firms import service as firms
from app.legal.table import Regime

# --- clients -------------------------------------------------------------------------------


async def regimes_of(
    session: AsyncSession, client_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ClientRegime]]:
    """Each client's regime rows, oldest first."""
    out: dict[uuid.UUID, list[ClientRegime]] = {i: [] for i in client_ids}
    if client_ids:
        stmt = select(ClientRegime).where(col(ClientRegime.client_id).in_(client_ids))
        for row in await session.exec(stmt.order_by(col(ClientRegime.effective_from))):
            out[row.client_id].append(row)
    return out


def regime_on(rows: list[ClientRegime], day: date) -> Regime:
    current = Regime.general
    for row in rows:
        if row.effective_from <= day:
            current = row.regime
    return current


async def present_clients(
    session: AsyncSession, clients: list[Client], today: date
) -> list[ClientPublic]:
    regimes = await regimes_of(session, [c.id for c in clients])
    return [ClientPublic.build(c, {"regime": regime_on(regimes[c.id], today)}) for c in clients]


async def list_regimes(
    session: AsyncSession, principal: Principal, client_id: uuid.UUID
) -> list[ClientRegime]:
    await get_client(session, principal, client_id)
    return (await regimes_of(session, [client_id]))[client_id]


async def change_regime(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID,
    data: RegimeChange,
    now: datetime,
) -> list[ClientRegime]:
    """From `effective_from` on, the client's claims use this regime (R23)."""
    client = await get_scoped(
        session, Client, client_id, principal, label="Client", for_update=True
    )
    existing = (
        await session.exec(
            select(ClientRegime).where(
                ClientRegime.client_id == client.id,
                ClientRegime.effective_from == data.effective_from,
            )
        )
    ).first()
    if existing is not None:
        existing.regime = data.regime
        session.add(existing)
    else:
        session.add(
            ClientRegime(
                firm_account_id=principal.firm_account_id,
                client_id=client.id,
                regime=data.regime,
                effective_from=data.effective_from,
            )
        )
    client.updated_at = now
    session.add(client)
    await session.flush()
    return (await regimes_of(session, [client.id]))[client.id]


async def get_client(session: AsyncSession, principal: Principal, client_id: uuid.UUID) -> Client:
    return await get_scoped(session, Client, client_id, principal, label="Client")


async def get_client_public(
    session: AsyncSession, principal: Principal, client_id: uuid.UUID, today: date
) -> ClientPublic:
    return (
        await present_clients(session, [await get_client(session, principal, client_id)], today)
    )[0]


async def list_clients(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    today: date,
    siren: str | None = None,
    updated_since: datetime | None = None,
) -> tuple[list[ClientPublic], str | None]:
    stmt = scoped(Client, principal)
    if siren:
        stmt = stmt.where(Client.siren == siren)
    if updated_since is not None:
        stmt = stmt.where(col(Client.updated_at) >= updated_since)
    rows, cursor = await paginate(session, stmt, Client.id, page)  # type: ignore[arg-type]
    return await present_clients(session, list(rows), today), cursor


async def _siren_taken(session: AsyncSession, principal: Principal, siren: str) -> bool:
    stmt = select(Client.id).where(
        Client.firm_account_id == principal.firm_account_id, Client.siren == siren
    )
    return (await session.exec(stmt)).first() is not None


async def create_client(
    session: AsyncSession, principal: Principal, *, data: ClientCreate, today: date
) -> ClientPublic:
    if await _siren_taken(session, principal, data.siren):
        raise DuplicateSiren(data.siren)
    client = Client.model_validate(data, update={"firm_account_id": principal.firm_account_id})
    session.add(client)
    await flush_or_raise(
        session, {"uq_client_firm_account_id_siren": lambda: DuplicateSiren(data.siren)}
    )
    session.add(
        ClientRegime(
            firm_account_id=principal.firm_account_id,
            client_id=client.id,
            regime=data.regime,
            effective_from=INITIAL_REGIME_FROM,
        )
    )
    await session.flush()
    return (await present_clients(session, [client], today))[0]


async def has_establishments(session: AsyncSession, client: Client) -> bool:
    stmt = select(Establishment.id).where(Establishment.client_id == client.id).limit(1)
    return (await session.exec(stmt)).first() is not None


async def update_client(
    session: AsyncSession,
    principal: Principal,
    *,
    client_id: uuid.UUID,
    data: ClientUpdate,
    now: datetime,
    today: date,
) -> ClientPublic:
    client = await get_scoped(
        session, Client, client_id, principal, label="Client", for_update=True
    )
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    new_siren = changes.get("siren")
    if new_siren and new_siren != client.siren:
        # R2: the establishments' SIRETs begin with the client's SIREN.
        if await has_establishments(session, client):
            raise ClientHasEstablishments("given another SIREN")
        if await _siren_taken(session, principal, new_siren):
            raise DuplicateSiren(new_siren)
    client.sqlmodel_update(changes, update={"updated_at": now})
    session.add(client)
    await flush_or_raise(
        session, {"uq_client_firm_account_id_siren": lambda: DuplicateSiren(str(new_siren))}
    )
    return (await present_clients(session, [client], today))[0]


# --- establishments ------------------------------------------------------------------------


async def get_establishment(
    session: AsyncSession, principal: Principal, establishment_id: uuid.UUID
) -> Establishment:
    return await get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment"
    )


async def read_establishment(
    bearer: Bearer, establishment_id: str, headers: Headers
) -> EstablishmentPublic:
    return await read_scoped(
        bearer,
        Establishment,
        EstablishmentPublic,
        establishment_id,
        label="Establishment",
        id_param="establishment_id",
        headers=headers,
    )


async def list_establishments(
    session: AsyncSession,
    principal: Principal,
    *,
    page: PageParams,
    client_id: uuid.UUID | None = None,
    status: EstablishmentStatus | None = None,
    siret_prefix: str | None = None,
    q: str | None = None,
    updated_since: datetime | None = None,
) -> tuple[list[EstablishmentPublic], str | None]:
    stmt = scoped(Establishment, principal)
    if updated_since is not None:
        stmt = stmt.where(col(Establishment.updated_at) >= updated_since)
    if client_id is not None:
        stmt = stmt.where(Establishment.client_id == client_id)
    if status is not None:
        stmt = stmt.where(Establishment.status == status)
    if siret_prefix:
        stmt = stmt.where(col(Establishment.siret).startswith(siret_prefix, autoescape=True))
    if q:
        stmt = stmt.where(func.lower(Establishment.name).contains(q.lower(), autoescape=True))
    return await paginate_public(session, stmt, Establishment.id, page, EstablishmentPublic)  # type: ignore[arg-type]


async def hold_clients(
    session: AsyncSession,
    principal: Principal,
    client_ids: list[uuid.UUID] | None = None,
    *,
    sirens: list[str] | None = None,
) -> list[Client]:
    """The firm's clients among `client_ids` (or of `sirens`), their rows held against changes
    of their key until the transaction ends (PostgreSQL's `FOR KEY SHARE`: what inserting an
    establishment that refers to one takes anyway), taken in id order so that batches never
    wait in a circle."""
    if not client_ids and not sirens:
        return []
    stmt = scoped(Client, principal)
    if client_ids:
        stmt = stmt.where(col(Client.id).in_(client_ids))
    if sirens:
        stmt = stmt.where(col(Client.siren).in_(sirens))
    stmt = stmt.order_by(col(Client.id)).with_for_update(read=True, key_share=True)
    return list((await session.exec(stmt)).all())


async def create_establishment(
    session: AsyncSession, principal: Principal, *, data: EstablishmentCreate
) -> Establishment:
    held = await hold_clients(session, principal, [data.client_id])
    if not held:
        raise NotFound("Client")
    client = held[0]
    if not data.siret.startswith(client.siren):
        raise SirenMismatch(data.siret, client.siren)
    taken = select(Establishment.id).where(
        Establishment.firm_account_id == principal.firm_account_id,
        Establishment.siret == data.siret,
    )
    if (await session.exec(taken)).first() is not None:
        raise DuplicateSiret(data.siret)
    # Locks in one order, the client's row (above), the firm's (the slot), then the new row:
    # a writer holding the client's row locks the firm's last (recording its event), and every
    # insert of an establishment waits for the firm's row first, so two writers of one SIRET
    # (a batch holds the firm's row across its items) never wait for each other in a circle.
    await firms.take_establishment_slot(session, firm_account_id=principal.firm_account_id)
    establishment = Establishment.model_validate(
        data,
        update={
            "firm_account_id": principal.firm_account_id,
            "siren": client.siren,
            "status": EstablishmentStatus.active,
        },
    )
    session.add(establishment)
    await flush_or_raise(
        session,
        {"uq_establishment_firm_account_id_siret": lambda: DuplicateSiret(data.siret)},
    )
    await record_establishment(
        session, principal, establishment, "created", None, establishment.created_at
    )
    return establishment


async def update_establishment(
    session: AsyncSession,
    principal: Principal,
    *,
    establishment_id: uuid.UUID,
    data: EstablishmentUpdate,
    now: datetime,
) -> Establishment:
    establishment = await get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment", for_update=True
    )
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:  # nothing to change: no new `updated_at`, no event
        return establishment
    establishment.sqlmodel_update(changes, update={"updated_at": now})
    session.add(establishment)
    await session.flush()
    await record_establishment(
        session, principal, establishment, "updated", establishment.status, now
    )
    return establishment


async def restore_establishment(
    session: AsyncSession, principal: Principal, *, establishment_id: uuid.UUID, now: datetime
) -> Establishment:
    establishment = await get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment", for_update=True
    )
    if establishment.status == EstablishmentStatus.active:
        return establishment
    await firms.take_establishment_slot(session, firm_account_id=principal.firm_account_id)
    establishment.sqlmodel_update(
        {"status": EstablishmentStatus.active, "archived_at": None, "updated_at": now}
    )
    session.add(establishment)
    await record_establishment(
        session, principal, establishment, "restored", EstablishmentStatus.archived, now
    )
    await session.flush()
    return establishment


async def get_active_establishment(
    session: AsyncSession, principal: Principal, establishment_id: uuid.UUID, *, lock: bool = False
) -> Establishment:
    """The establishment a filing is made for: it must be active. `lock` holds its row until
    the transaction ends (see `lock_establishment`)."""
    if lock:
        establishment = await lock_establishment(session, principal, establishment_id)
    else:
        establishment = await get_establishment(session, principal, establishment_id)
    if establishment.status != EstablishmentStatus.active:
        raise EstablishmentArchived()
    return establishment


async def lock_establishment(
    session: AsyncSession, principal: Principal, establishment_id: uuid.UUID
) -> Establishment:
    """Hold the establishment's row until the transaction ends, so that writers checking a rule
    over its rows (R14's overlaps) take turns. `FOR NO KEY UPDATE` (PostgreSQL): rows that merely
    refer to the establishment are not held up; SQLite's writers take turns anyway."""
    return await get_scoped(
        session,
        Establishment,
        establishment_id,
        principal,
        label="Establishment",
        for_update=True,
        key_share=True,
    )


async def record_establishment(
    session: AsyncSession,
    principal: Principal,
    establishment: Establishment,
    verb: str,
    before: str | None,
    at: datetime,
) -> None:
    await audit.record(
        session,
        principal,
        action=f"establishment.{verb}",
        resource_type="establishment",
        resource_id=establishment.id,
        establishment_id=establishment.id,
        before=before,
        after=establishment.status,
        at=at,
    )
