import uuid
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import Field

from app.core.models import PublicModel


class DeadlineKind(StrEnum):
    filing_window = "filing_window"
    implicit_acceptance = "implicit_acceptance"
    cse_opinion = "cse_opinion"
    appeal = "appeal"
    claim = "claim"
    authorization_end = "authorization_end"
    claw_back = "claw_back"
    apld_entry_deadline = "apld_entry_deadline"
    apld_tacit_decision = "apld_tacit_decision"
    apld_bilan = "apld_bilan"
    apld_claim = "apld_claim"


class Deadline(PublicModel):
    kind: DeadlineKind
    due_on: date
    overdue: bool
    establishment_id: uuid.UUID | None = Field(
        description="Null for an APLD agreement's items (it may cover several establishments)"
    )
    client_id: uuid.UUID
    resource_type: Literal["authorization_request", "claw_back", "apld_agreement"]
    resource_id: uuid.UUID
    month: str | None = None
    description: str
    warnings: list[Literal["apart_unblock_needed"]] = Field(
        default_factory=list,
        description="apart_unblock_needed (R21): the claim is still within its time bar, but "
        "APART stops 6 months after the authorization's end; it must be unblocked through "
        "the ASP hotline",
    )
