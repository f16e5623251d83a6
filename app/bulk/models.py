"""Batches and imports: what they take and what they answer. Each item is checked on its own
(its schema, then the single create's rules), so a batch's body names the items' schema for the
document but reads them as plain JSON values."""

import uuid
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema

from app.claims.models import ClaimCreate, ClaimSummary
from app.clients.models import ClientPublic, EstablishmentPublic
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


def _items(schema: str) -> Any:
    return Annotated[
        list[Any],
        Field(min_length=1, max_length=MAX_ITEMS),
        WithJsonSchema(
            {
                "type": "array",
                "items": {"$ref": f"#/components/schemas/{schema}"},
                "minItems": 1,
                "maxItems": MAX_ITEMS,
            }
        ),
    ]


class ClientBatch(InputModel):
    items: _items("ClientCreate") = Field(description="1 to 200 clients, as `POST /v1/clients`")


class EstablishmentBatch(InputModel):
    items: _items("EstablishmentCreate") = Field(
        description="1 to 200 establishments, as `POST /v1/establishments`"
    )


class ClaimBatchEntry(ClaimCreate):
    """A draft claim of one accepted request: the request and the body of its `POST …/claims`."""

    request_id: uuid.UUID


class ClaimBatch(InputModel):
    items: _items("ClaimBatchEntry") = Field(
        description="1 to 200 draft claims, each for its request"
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
