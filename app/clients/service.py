import uuid
from datetime import date, datetime

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit import service as audit
from app.auth.deps import Bearer
from app.clients.errors import (
    ClientHasContracts,
    ClientHasEstablishments,
    DuplicateSiren,
    DuplicateSiret,
    EstablishmentArchived,
    EstablishmentBusy,
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
from app.core.tenancy import TenantPrincipal, get_scoped, read_scoped, scoped
from app.firms import service as firms
from app.legal.table import Regime

# --- clients -------------------------------------------------------------------------------


def regimes_of(
    session: Session, client_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ClientRegime]]:
    """Each client's regime rows, oldest first."""
    out: dict[uuid.UUID, list[ClientRegime]] = {i: [] for i in client_ids}
    if client_ids:
        stmt = select(ClientRegime).where(col(ClientRegime.client_id).in_(client_ids))
        for row in session.exec(stmt.order_by(col(ClientRegime.effective_from))):
            out[row.client_id].append(row)
    return out


def regime_on(rows: list[ClientRegime], day: date) -> Regime:
    current = Regime.general
    for row in rows:
        if row.effective_from <= day:
            current = row.regime
    return current


def present_clients(session: Session, clients: list[Client], today: date) -> list[ClientPublic]:
    regimes = regimes_of(session, [c.id for c in clients])
    return [ClientPublic.build(c, {"regime": regime_on(regimes[c.id], today)}) for c in clients]


def list_regimes(
    session: Session, principal: TenantPrincipal, client_id: uuid.UUID
) -> list[ClientRegime]:
    get_client(session, principal, client_id)
    return regimes_of(session, [client_id])[client_id]


def change_regime(
    session: Session,
    principal: TenantPrincipal,
    *,
    client_id: uuid.UUID,
    data: RegimeChange,
    now: datetime,
) -> list[ClientRegime]:
    """From `effective_from` on, the client's claims use this regime (R23)."""
    client = get_scoped(session, Client, client_id, principal, label="Client", for_update=True)
    existing = session.exec(
        select(ClientRegime).where(
            ClientRegime.client_id == client.id, ClientRegime.effective_from == data.effective_from
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
    session.flush()
    return regimes_of(session, [client.id])[client.id]


def get_client(session: Session, principal: TenantPrincipal, client_id: uuid.UUID) -> Client:
    return get_scoped(session, Client, client_id, principal, label="Client")


def get_client_public(
    session: Session, principal: TenantPrincipal, client_id: uuid.UUID, today: date
) -> ClientPublic:
    return present_clients(session, [get_client(session, principal, client_id)], today)[0]


def list_clients(
    session: Session,
    principal: TenantPrincipal,
    *,
    page: PageParams,
    today: date,
    siren: str | None = None,
) -> tuple[list[ClientPublic], str | None]:
    stmt = scoped(Client, principal)
    if siren:
        stmt = stmt.where(Client.siren == siren)
    rows, cursor = paginate(session, stmt, Client.id, page)  # type: ignore[arg-type]
    return present_clients(session, list(rows), today), cursor


def _siren_taken(session: Session, principal: TenantPrincipal, siren: str) -> bool:
    stmt = select(Client.id).where(
        Client.firm_account_id == principal.firm_account_id, Client.siren == siren
    )
    return session.exec(stmt).first() is not None


def create_client(
    session: Session, principal: TenantPrincipal, *, data: ClientCreate, today: date
) -> ClientPublic:
    if _siren_taken(session, principal, data.siren):
        raise DuplicateSiren(data.siren)
    client = Client.model_validate(data, update={"firm_account_id": principal.firm_account_id})
    session.add(client)
    flush_or_raise(session, {"uq_client_firm_account_id_siren": lambda: DuplicateSiren(data.siren)})
    session.add(
        ClientRegime(
            firm_account_id=principal.firm_account_id,
            client_id=client.id,
            regime=data.regime,
            effective_from=INITIAL_REGIME_FROM,
        )
    )
    session.flush()
    return present_clients(session, [client], today)[0]


def _has_establishments(session: Session, client: Client) -> bool:
    stmt = select(Establishment.id).where(Establishment.client_id == client.id).limit(1)
    return session.exec(stmt).first() is not None


def update_client(
    session: Session,
    principal: TenantPrincipal,
    *,
    client_id: uuid.UUID,
    data: ClientUpdate,
    now: datetime,
    today: date,
) -> ClientPublic:
    client = get_scoped(session, Client, client_id, principal, label="Client", for_update=True)
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    new_siren = changes.get("siren")
    if new_siren and new_siren != client.siren:
        # R2: the establishments' SIRETs begin with the client's SIREN.
        if _has_establishments(session, client):
            raise ClientHasEstablishments("given another SIREN")
        if _siren_taken(session, principal, new_siren):
            raise DuplicateSiren(new_siren)
    client.sqlmodel_update(changes, update={"updated_at": now})
    session.add(client)
    flush_or_raise(
        session, {"uq_client_firm_account_id_siren": lambda: DuplicateSiren(str(new_siren))}
    )
    return present_clients(session, [client], today)[0]


def delete_client(session: Session, principal: TenantPrincipal, *, client_id: uuid.UUID) -> None:
    client = get_scoped(session, Client, client_id, principal, label="Client", for_update=True)
    if _has_establishments(session, client):
        raise ClientHasEstablishments("deleted")
    # Imported here: the contracts domain builds on this one.
    from app.contracts import service as contracts

    if contracts.has_contracts(session, client_id=client.id):
        raise ClientHasContracts()
    for row in regimes_of(session, [client.id])[client.id]:
        session.delete(row)
    session.flush()
    session.delete(client)
    session.flush()


# --- establishments ------------------------------------------------------------------------


def get_establishment(
    session: Session, principal: TenantPrincipal, establishment_id: uuid.UUID
) -> Establishment:
    return get_scoped(session, Establishment, establishment_id, principal, label="Establishment")


def read_establishment(bearer: Bearer, establishment_id: str) -> EstablishmentPublic:
    return read_scoped(
        bearer,
        Establishment,
        EstablishmentPublic,
        establishment_id,
        label="Establishment",
        id_param="establishment_id",
    )


def list_establishments(
    session: Session,
    principal: TenantPrincipal,
    *,
    page: PageParams,
    client_id: uuid.UUID | None = None,
    status: EstablishmentStatus | None = None,
    siret_prefix: str | None = None,
    q: str | None = None,
) -> tuple[list[EstablishmentPublic], str | None]:
    stmt = scoped(Establishment, principal)
    if client_id is not None:
        stmt = stmt.where(Establishment.client_id == client_id)
    if status is not None:
        stmt = stmt.where(Establishment.status == status)
    if siret_prefix:
        stmt = stmt.where(col(Establishment.siret).startswith(siret_prefix, autoescape=True))
    if q:
        stmt = stmt.where(func.lower(Establishment.name).contains(q.lower(), autoescape=True))
    return paginate_public(session, stmt, Establishment.id, page, EstablishmentPublic)  # type: ignore[arg-type]


def create_establishment(
    session: Session, principal: audit.Actor, *, data: EstablishmentCreate
) -> Establishment:
    client = get_client(session, principal, data.client_id)
    if not data.siret.startswith(client.siren):
        raise SirenMismatch(data.siret, client.siren)
    taken = select(Establishment.id).where(
        Establishment.firm_account_id == principal.firm_account_id,
        Establishment.siret == data.siret,
    )
    if session.exec(taken).first() is not None:
        raise DuplicateSiret(data.siret)
    firms.take_establishment_slot(session, firm_account_id=principal.firm_account_id)
    establishment = Establishment.model_validate(
        data,
        update={
            "firm_account_id": principal.firm_account_id,
            "siren": client.siren,
            "status": EstablishmentStatus.active,
        },
    )
    session.add(establishment)
    flush_or_raise(
        session,
        {"uq_establishment_firm_account_id_siret": lambda: DuplicateSiret(data.siret)},
    )
    _record(session, principal, establishment, "created", None, establishment.created_at)
    return establishment


def update_establishment(
    session: Session,
    principal: audit.Actor,
    *,
    establishment_id: uuid.UUID,
    data: EstablishmentUpdate,
    now: datetime,
) -> Establishment:
    establishment = get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment", for_update=True
    )
    changes = data.model_dump(exclude_unset=True, exclude_none=True)
    if not changes:  # nothing to change: no new `updated_at`, no event
        return establishment
    establishment.sqlmodel_update(changes, update={"updated_at": now})
    session.add(establishment)
    session.flush()
    _record(session, principal, establishment, "updated", establishment.status, now)
    return establishment


def archive_establishment(
    session: Session, principal: audit.Actor, *, establishment_id: uuid.UUID, now: datetime
) -> Establishment:
    establishment = get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment", for_update=True
    )
    if establishment.status == EstablishmentStatus.archived:
        return establishment
    _check_nothing_pending(session, establishment, now)
    firms.release_establishment_slot(session, firm_account_id=principal.firm_account_id)
    establishment.sqlmodel_update(
        {"status": EstablishmentStatus.archived, "archived_at": now, "updated_at": now}
    )
    session.add(establishment)
    _record(session, principal, establishment, "archived", EstablishmentStatus.active, now)
    session.flush()
    return establishment


def restore_establishment(
    session: Session, principal: audit.Actor, *, establishment_id: uuid.UUID, now: datetime
) -> Establishment:
    establishment = get_scoped(
        session, Establishment, establishment_id, principal, label="Establishment", for_update=True
    )
    if establishment.status == EstablishmentStatus.active:
        return establishment
    firms.take_establishment_slot(session, firm_account_id=principal.firm_account_id)
    establishment.sqlmodel_update(
        {"status": EstablishmentStatus.active, "archived_at": None, "updated_at": now}
    )
    session.add(establishment)
    _record(session, principal, establishment, "restored", EstablishmentStatus.archived, now)
    session.flush()
    return establishment


def get_active_establishment(
    session: Session, principal: TenantPrincipal, establishment_id: uuid.UUID
) -> Establishment:
    """The establishment a filing is made for: it must be active."""
    establishment = get_establishment(session, principal, establishment_id)
    if establishment.status != EstablishmentStatus.active:
        raise EstablishmentArchived()
    return establishment


def _check_nothing_pending(session: Session, establishment: Establishment, now: datetime) -> None:
    """R3: an establishment with an undecided request or an unpaid claim stays active."""
    # Imported here: those domains build on this one (they import this module).
    from app.authorizations import service as authorizations
    from app.claims import service as claims

    undecided = authorizations.count_undecided(session, establishment_id=establishment.id, now=now)
    if undecided:
        raise EstablishmentBusy(
            f"{undecided} authorization request(s) await a decision: "
            "the establishment stays active (R3)"
        )
    unpaid = claims.count_unpaid(session, establishment_id=establishment.id)
    if unpaid:
        raise EstablishmentBusy(
            f"{unpaid} claim(s) are not paid yet: the establishment stays active (R3)"
        )


def _record(
    session: Session,
    principal: audit.Actor,
    establishment: Establishment,
    verb: str,
    before: str | None,
    at: datetime,
) -> None:
    audit.record(
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
