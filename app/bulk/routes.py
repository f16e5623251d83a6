from typing import Annotated

from fastapi import APIRouter, Query

from app.auth.deps import Principal, Scoped
from app.bulk import service
from app.bulk.models import (
    PARTIAL_DESCRIPTION,
    ClaimBatch,
    ClaimBatchResult,
    ClientBatch,
    ClientBatchResult,
    EstablishmentBatch,
    EstablishmentBatchResult,
)
from app.core.clock import ClockDep
from app.core.routing import CheckedRoute
from app.db import WriteSession
from app.openapi import AUTH_PROBLEMS, problem_responses

ClientsWrite = Annotated[Principal, Scoped("clients:write")]
EstablishmentsWrite = Annotated[Principal, Scoped("establishments:write")]
ClaimsWrite = Annotated[Principal, Scoped("claims:write")]
Partial = Annotated[bool, Query(description=PARTIAL_DESCRIPTION)]

router = APIRouter(route_class=CheckedRoute, tags=["bulk"])

_ANSWERS = (
    "Answers 200 with each item's outcome in order: `status` 201 and the `resource` made, or "
    "the status and `problem` the item would get alone (422 for its fields, 409, 404…). "
    "All or nothing unless `partial=true`: any item refused is a 422 `batch_rejected` whose "
    "`items` give every item's outcome, and nothing is written. More than 200 items is a 422 "
    "naming `items`."
)


@router.post(
    "/v1/clients/batch",
    operation_id="clients-batch-create",
    response_model=ClientBatchResult,
    responses=problem_responses(*AUTH_PROBLEMS, 422),
    description=(
        "Register up to 200 client companies in one call, each as `POST /v1/clients` would "
        "(R1: `siren_checksum`, `siren_degenerate`; `duplicate_siren`). " + _ANSWERS
    ),
)
async def create_clients(
    body: ClientBatch,
    session: WriteSession,
    principal: ClientsWrite,
    clock: ClockDep,
    partial: Partial = False,
) -> ClientBatchResult:
    return await service.create_clients(
        session, principal, raw=body.items, partial=partial, today=clock.today()
    )


@router.post(
    "/v1/establishments/batch",
    operation_id="establishments-batch-create",
    response_model=EstablishmentBatchResult,
    responses=problem_responses(*AUTH_PROBLEMS, 422),
    description=(
        "Register up to 200 establishments in one call, each as `POST /v1/establishments` "
        "would: each takes one of the 200 active slots (R3, `establishment_limit_reached`, "
        "also when batches and single creates race), its SIRET begins with its client's SIREN "
        "(R2) and passes R1. " + _ANSWERS
    ),
)
async def create_establishments(
    body: EstablishmentBatch,
    session: WriteSession,
    principal: EstablishmentsWrite,
    partial: Partial = False,
) -> EstablishmentBatchResult:
    return await service.create_establishments(session, principal, raw=body.items, partial=partial)


@router.post(
    "/v1/claims/batch",
    operation_id="claims-batch-create",
    response_model=ClaimBatchResult,
    responses=problem_responses(*AUTH_PROBLEMS, 422),
    description=(
        "Draft up to 200 monthly claims (DI) in one call, e.g. a month for many requests: each "
        "item is a `request_id` and the body of `POST /v1/authorization-requests/{id}/claims`, "
        "checked by the same rules (R19–R23, R27–R34). " + _ANSWERS
    ),
)
async def create_claims(
    body: ClaimBatch,
    session: WriteSession,
    principal: ClaimsWrite,
    clock: ClockDep,
    partial: Partial = False,
) -> ClaimBatchResult:
    return await service.create_claims(
        session, principal, raw=body.items, partial=partial, now=clock.now(), today=clock.today()
    )
