from typing import Annotated

from fastapi import APIRouter, Depends, File, Query, UploadFile

from app.auth.deps import Principal, Scoped
from app.bulk import imports, service
from app.bulk.errors import MethodNotAllowed
from app.bulk.models import (
    PARTIAL_DESCRIPTION,
    ClaimBatch,
    ClaimBatchResult,
    ClientBatch,
    ClientBatchResult,
    EstablishmentBatch,
    EstablishmentBatchResult,
    ImportReport,
)
from app.bulk.rules import MAX_BYTES
from app.core.clock import ClockDep
from app.core.routing import CheckedRoute
from app.core.uploads import read_limited, single_form_values
from app.db import WriteSession
from app.openapi import AUTH_PROBLEMS, problem_responses

ClientsWrite = Annotated[Principal, Scoped("clients:write")]
EstablishmentsWrite = Annotated[Principal, Scoped("establishments:write")]
ClaimsWrite = Annotated[Principal, Scoped("claims:write")]
ImportWrite = Annotated[Principal, Scoped("clients:write", "establishments:write")]
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


@router.post(
    "/v1/imports/establishments",
    operation_id="imports-establishments",
    response_model=ImportReport,
    responses=problem_responses(*AUTH_PROBLEMS, 413, 422),
    dependencies=[Depends(single_form_values)],
    description=(
        "Import a firm's spreadsheet of establishments (CSV, multipart part `file`, at most "
        "1 MiB and 200 rows): UTF-8 with or without BOM, `;` or `,` between cells, a header "
        "line naming the columns in English or French (SIRET, name/nom, address/adresse; "
        "optional SIREN, postal code/code postal, city/ville, headcount/effectif, legal "
        "name/raison sociale; other columns are ignored and listed). Each row is an "
        "establishment, as `POST /v1/establishments` would make it (R1–R3); its client is the "
        "firm's of that SIREN, or is created from its first row (legal name, else the row's "
        "name; headcount). The postal code and city, without their columns, end the address "
        "(`3 quai des Indes, 56100 Lorient`). `dry_run=true` checks every row, writes nothing "
        "and answers 200 with each row's outcome and line; otherwise all or nothing: any row "
        "refused is a 422 `import_rejected` listing every row. A file that cannot be read "
        "(not UTF-8, a workbook, a required column missing) is a 422 `import_file_invalid`, "
        "more than 200 rows `import_too_many_rows`."
    ),
)
async def import_establishments(
    file: Annotated[UploadFile, File(description="The CSV file")],
    session: WriteSession,
    principal: ImportWrite,
    clock: ClockDep,
    dry_run: Annotated[
        bool, Query(description="true: check every row and report, write nothing")
    ] = False,
) -> ImportReport:
    content = await read_limited(file, MAX_BYTES)
    return await imports.import_establishments(
        session, principal, content=content, dry_run=dry_run, today=clock.today()
    )


# The batches' paths would otherwise be read as a resource's id (`GET /v1/clients/batch` as the
# client `batch`): their other methods answer 405, as every path's do. Matched before those
# routes, left out of the document.
methods = APIRouter(include_in_schema=False)


async def _batch_other_methods() -> None:
    raise MethodNotAllowed()


for _path in ("/v1/clients/batch", "/v1/establishments/batch", "/v1/claims/batch"):
    methods.add_api_route(
        _path,
        _batch_other_methods,
        # every method but POST, OPTIONS included: otherwise the resource routes that the path
        # also matches would add their methods to the 405's `Allow`
        methods=["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"],
        include_in_schema=False,
    )
