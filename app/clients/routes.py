import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status

from app.auth.deps import Bearer, Principal, Scoped, ScopedBearer
from app.clients import lifecycle, service
from app.clients.models import (
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
    RegimePublic,
)
from app.core.clock import ClockDep
from app.core.identifiers import Siren
from app.core.pagination import Page, PageDep, UpdatedSince
from app.core.preconditions import IfMatch, tag
from app.core.routing import CheckedRoute
from app.db import ReadSession, WriteSession
from app.openapi import AUTH_PROBLEMS, etag_response, problem_responses

ClientsRead = Annotated[Principal, Scoped("clients:read")]
ClientsWrite = Annotated[Principal, Scoped("clients:write")]
EstablishmentsRead = Annotated[Principal, Scoped("establishments:read")]
EstablishmentsWrite = Annotated[Principal, Scoped("establishments:write")]
# GET by id, the hottest read: the user is checked in the same query as the row.
EstablishmentsReadBearer = Annotated[Bearer, ScopedBearer("establishments:read")]

clients = APIRouter(route_class=CheckedRoute, prefix="/v1/clients", tags=["clients"])


@clients.post(
    "",
    operation_id="clients-create",
    status_code=status.HTTP_201_CREATED,
    response_model=ClientPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 409, 422) | etag_response(201),
)
async def create_client(
    body: ClientCreate,
    session: WriteSession,
    principal: ClientsWrite,
    clock: ClockDep,
    response: Response,
) -> ClientPublic:
    """Register a client company (SIREN unique within the firm account). A SIREN of the
    pattern whose Luhn key is wrong, or that is never assigned (all one digit), is a 422
    `siren_checksum` or `siren_degenerate` (R1)."""
    result = await service.create_client(session, principal, data=body, today=clock.today())
    await tag(session, response, Client, result.id)
    return result


@clients.get(
    "",
    operation_id="clients-list",
    response_model=Page[ClientPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def list_clients(
    session: ReadSession,
    principal: ClientsRead,
    page: PageDep,
    clock: ClockDep,
    siren: Annotated[Siren | None, Query(description="Exact SIREN")] = None,
    updated_since: UpdatedSince = None,
) -> Page[ClientPublic]:
    """The firm's client companies, oldest first. A `siren` whose Luhn key is wrong is a 422
    `siren_checksum` (R1)."""
    items, cursor = await service.list_clients(
        session,
        principal,
        page=page,
        siren=siren,
        today=clock.today(),
        updated_since=updated_since,
    )
    return Page(items=items, next_cursor=cursor)


@clients.get(
    "/{client_id}",
    operation_id="clients-get",
    response_model=ClientPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_client(
    client_id: uuid.UUID,
    session: ReadSession,
    principal: ClientsRead,
    clock: ClockDep,
    response: Response,
) -> ClientPublic:
    """One client company, with the regime in force today."""
    result = await service.get_client_public(session, principal, client_id, clock.today())
    await tag(session, response, Client, client_id)
    return result


@clients.patch(
    "/{client_id}",
    operation_id="clients-update",
    response_model=ClientPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422),
)
async def update_client(
    client_id: uuid.UUID,
    body: ClientUpdate,
    session: WriteSession,
    principal: ClientsWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Client, "client_id"))],
) -> ClientPublic:
    """Change a client company; its SIREN only while it has no establishment. A SIREN whose
    Luhn key is wrong is a 422 `siren_checksum` (R1)."""
    result = await service.update_client(
        session, principal, client_id=client_id, data=body, now=clock.now(), today=clock.today()
    )
    await tag(session, response, Client, client_id)
    return result


@clients.delete(
    "/{client_id}",
    operation_id="clients-delete",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def delete_client(
    client_id: uuid.UUID,
    session: WriteSession,
    principal: ClientsWrite,
    _: Annotated[None, Depends(IfMatch(Client, "client_id"))],
) -> None:
    """Delete a client company that has no establishment."""
    await lifecycle.delete_client(session, principal, client_id=client_id)


@clients.get(
    "/{client_id}/regimes",
    operation_id="clients-regimes-list",
    response_model=list[RegimePublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404),
)
async def list_regimes(
    client_id: uuid.UUID, session: ReadSession, principal: ClientsRead
) -> list[ClientRegime]:
    """The client's partial-activity regimes with the date each applies from (R23)."""
    return await service.list_regimes(session, principal, client_id)


@clients.post(
    "/{client_id}/regimes",
    operation_id="clients-regimes-change",
    response_model=list[RegimePublic],
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def change_regime(
    client_id: uuid.UUID,
    body: RegimeChange,
    session: WriteSession,
    principal: ClientsWrite,
    clock: ClockDep,
) -> list[ClientRegime]:
    """Record a change of regime from a date on (e.g. closed by administrative decision)."""
    return await service.change_regime(
        session, principal, client_id=client_id, data=body, now=clock.now()
    )


establishments = APIRouter(
    route_class=CheckedRoute, prefix="/v1/establishments", tags=["establishments"]
)


@establishments.post(
    "",
    operation_id="establishments-create",
    status_code=status.HTTP_201_CREATED,
    response_model=EstablishmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409, 422) | etag_response(201),
)
async def create_establishment(
    body: EstablishmentCreate,
    session: WriteSession,
    principal: EstablishmentsWrite,
    response: Response,
) -> Establishment:
    """Register an establishment (SIRET) of a client; takes one of the 200 active slots (R3).
    A SIRET whose Luhn key is wrong, or that is never assigned, is a 422 `siret_checksum` or
    `siret_degenerate` (R1)."""
    result = await service.create_establishment(session, principal, data=body)
    await tag(session, response, Establishment, result.id)
    return result


@establishments.get(
    "",
    operation_id="establishments-list",
    response_model=Page[EstablishmentPublic],
    responses=problem_responses(*AUTH_PROBLEMS, 422),
)
async def list_establishments(
    session: ReadSession,
    principal: EstablishmentsRead,
    page: PageDep,
    client_id: uuid.UUID | None = None,
    status: EstablishmentStatus | None = None,
    siret_prefix: Annotated[str | None, Query(pattern=r"^[0-9]{1,14}$")] = None,
    q: Annotated[
        str | None, Query(min_length=1, max_length=100, description="Name contains")
    ] = None,
    updated_since: UpdatedSince = None,
) -> Page[EstablishmentPublic]:
    """The firm's establishments, oldest first, filtered by client, status, SIRET prefix, name."""
    items, cursor = await service.list_establishments(
        session,
        principal,
        page=page,
        client_id=client_id,
        status=status,
        siret_prefix=siret_prefix,
        q=q,
        updated_since=updated_since,
    )
    return Page(items=items, next_cursor=cursor)


@establishments.get(
    "/{establishment_id}",
    operation_id="establishments-get",
    response_model=EstablishmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404) | etag_response(200),
)
async def get_establishment(
    establishment_id: Annotated[str, Path(json_schema_extra={"format": "uuid"})],
    bearer: EstablishmentsReadBearer,
    response: Response,
) -> EstablishmentPublic:
    """One establishment."""
    # The id is text here and checked after the caller is (see tenancy.read_scoped).
    return await service.read_establishment(bearer, establishment_id, response.headers)


@establishments.patch(
    "/{establishment_id}",
    operation_id="establishments-update",
    response_model=EstablishmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 422),
)
async def update_establishment(
    establishment_id: uuid.UUID,
    body: EstablishmentUpdate,
    session: WriteSession,
    principal: EstablishmentsWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Establishment, "establishment_id"))],
) -> Establishment:
    """Change an establishment's name or address (its SIRET is fixed)."""
    result = await service.update_establishment(
        session, principal, establishment_id=establishment_id, data=body, now=clock.now()
    )
    await tag(session, response, Establishment, establishment_id)
    return result


@establishments.post(
    "/{establishment_id}/archive",
    operation_id="establishments-archive",
    response_model=EstablishmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def archive_establishment(
    establishment_id: uuid.UUID,
    session: WriteSession,
    principal: EstablishmentsWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Establishment, "establishment_id"))],
) -> Establishment:
    """Archive an establishment, freeing its slot (R3)."""
    result = await lifecycle.archive_establishment(
        session, principal, establishment_id=establishment_id, now=clock.now()
    )
    await tag(session, response, Establishment, establishment_id)
    return result


@establishments.post(
    "/{establishment_id}/restore",
    operation_id="establishments-restore",
    response_model=EstablishmentPublic,
    responses=problem_responses(*AUTH_PROBLEMS, 404, 409),
)
async def restore_establishment(
    establishment_id: uuid.UUID,
    session: WriteSession,
    principal: EstablishmentsWrite,
    clock: ClockDep,
    response: Response,
    _: Annotated[None, Depends(IfMatch(Establishment, "establishment_id"))],
) -> Establishment:
    """Make an archived establishment active again; needs a free slot (R3)."""
    result = await service.restore_establishment(
        session, principal, establishment_id=establishment_id, now=clock.now()
    )
    await tag(session, response, Establishment, establishment_id)
    return result
