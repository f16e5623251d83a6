"""Batches and imports: what they take and what they answer. Each item is checked on its own
(its schema, then the single create's rules), so a batch's body names the items' model for the
document but keeps them as the JSON values sent (`SkipValidation`): the service checks each."""

import uuid
from typing import Any

from pydantic import Field, SkipValidation

from app.claims.models import ClaimCreate, ClaimSummary
from app.clients.models import ClientCreate, ClientPublic, EstablishmentCreate, EstablishmentPublic
from app.core.models import InputModel, PublicModel
from app.errors import ItemProblem
from app.firms.rules import ESTABLISHMENT_LIMIT

# A batch's items at most: the firm's establishments at most (R3).
MAX_ITEMS = ESTABLISHMENT_LIMIT

PARTIAL_DESCRIPTION = (
    "false (default): all or nothing, any item refused refuses the batch (422 "
    "`batch_rejected`, nothing written); true: the items accepted are written, the others "
    "are answered with their problem"
)


def _items(model: str, description: str) -> Any:
    """1 to 200 items, each named by its model's component in the document (a `$ref`, so that
    generated clients use that model), kept as sent."""
    return Field(
        min_length=1,
        max_length=MAX_ITEMS,
        description=description,
        json_schema_extra={"items": {"$ref": f"#/components/schemas/{model}"}},
    )


class ClaimBatchEntry(ClaimCreate):
    """A draft claim of one accepted request: the request and the body of its `POST …/claims`."""

    request_id: uuid.UUID


class ClientBatch(InputModel):
    items: list[SkipValidation[ClientCreate]] = _items(
        "ClientCreate", "1 to 200 clients, as `POST /v1/clients`"
    )


class EstablishmentBatch(InputModel):
    items: list[SkipValidation[EstablishmentCreate]] = _items(
        "EstablishmentCreate", "1 to 200 establishments, as `POST /v1/establishments`"
    )


class ClaimBatch(InputModel):
    items: list[SkipValidation[ClaimBatchEntry]] = _items(
        "ClaimBatchEntry", "1 to 200 draft claims, each for its request"
    )


_STATUS = "201: created (or, in a batch refused as a whole, would have been); else the problem's"


class ClientOutcome(PublicModel):
    index: int = Field(description="The item's position in `items`, from 0")
    status: int = Field(description=_STATUS)
    resource: ClientPublic | None = None
    problem: ItemProblem | None = None


class EstablishmentOutcome(PublicModel):
    index: int = Field(description="The item's position in `items`, from 0")
    status: int = Field(description=_STATUS)
    resource: EstablishmentPublic | None = None
    problem: ItemProblem | None = None


class ClaimOutcome(PublicModel):
    index: int = Field(description="The item's position in `items`, from 0")
    status: int = Field(description=_STATUS)
    resource: ClaimSummary | None = Field(default=None, description="The draft, without lines")
    problem: ItemProblem | None = None


class ClientBatchResult(PublicModel):
    partial: bool
    created: int
    failed: int
    items: list[ClientOutcome]


class EstablishmentBatchResult(PublicModel):
    partial: bool
    created: int
    failed: int
    items: list[EstablishmentOutcome]


class ClaimBatchResult(PublicModel):
    partial: bool
    created: int
    failed: int
    items: list[ClaimOutcome]


class ImportRow(PublicModel):
    index: int = Field(description="The row's position among the file's rows, from 0")
    line: int = Field(description="The row's line in the file (the header is line 1)")
    status: int = Field(description="201: imported (a dry run: would be); else the problem's")
    siret: str | None = Field(description="The row's SIRET, as read")
    client_created: bool = Field(description="The row's client is new (its first row)")
    client_id: uuid.UUID | None = Field(description="null in a dry run and for a refused row")
    establishment_id: uuid.UUID | None = Field(
        description="null in a dry run and for a refused row"
    )
    problem: ItemProblem | None = None


class ImportReport(PublicModel):
    dry_run: bool
    written: bool = Field(description="false for a dry run: nothing was written")
    rows: int
    clients_created: int
    establishments_created: int
    failed: int
    columns: dict[str, str] = Field(description="Each field read, and its column in the file")
    ignored_columns: list[str] = Field(description="Columns of no known field, not read")
    items: list[ImportRow]
