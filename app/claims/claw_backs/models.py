import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from sqlalchemy import Index, String, Text
from sqlmodel import Field

from app.core.decimals import decimal_text
from app.core.models import Day, InputModel, PublicModel, created_at_field, id_field, trimmed
from app.core.preconditions import Versioned
from app.db import DecimalType


class ClawBackStatus(StrEnum):
    """APART's *OR à émettre*, *OR émis*, *OR invalidé* (R42)."""

    to_issue = "to_issue"
    issued = "issued"
    cancelled = "cancelled"


class ClawBack(Versioned, table=True):
    """An ordre de reversement (OR) of a paid claim (R42): the claim stays paid."""

    __tablename__ = "claw_back"
    __table_args__ = (Index("ix_claw_back_firm_account_id_id", "firm_account_id", "id"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    claim_id: uuid.UUID = Field(foreign_key="claim.id", index=True)
    amount: Decimal = Field(sa_type=DecimalType(12, 2))
    reason: str = Field(sa_type=Text)
    status: ClawBackStatus = Field(default=ClawBackStatus.to_issue, sa_type=String(16))
    noticed_on: date
    issued_on: date | None = None
    cancelled_on: date | None = None
    cancel_reason: str | None = Field(default=None, sa_type=Text)
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


Amount = Annotated[Decimal, decimal_text(digits=12, places=2, positive=True, example="250.00")]
Reason = Annotated[str, trimmed(5000)]


class ClawBackCreate(InputModel):
    amount: Amount = Field(
        description="Above zero; with the claim's other claw-backs not cancelled, at most the "
        "amount paid"
    )
    reason: Reason
    noticed_on: Day | None = Field(
        default=None,
        description="The date of the ASP's notice; not before the payment. Default: today "
        "(Europe/Paris)",
    )


class IssueClawBack(InputModel):
    on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")


class CancelClawBack(InputModel):
    reason: Reason
    on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")


class ClawBackPublic(PublicModel):
    id: uuid.UUID
    claim_id: uuid.UUID
    amount: Decimal
    reason: str
    status: ClawBackStatus
    noticed_on: date = Field(description="The date of the ASP's notice (OR to issue)")
    issued_on: date | None
    cancelled_on: date | None
    cancel_reason: str | None
    created_at: datetime
    updated_at: datetime
