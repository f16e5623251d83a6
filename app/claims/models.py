import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StringConstraints, model_validator
from pydantic import Field as Constrained
from pydantic_core import PydanticCustomError
from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel
from stdnum.fr import nir as stdnum_nir

from app.authorizations.models import RequestStatus
from app.core.crypto import Encrypted
from app.core.decimals import decimal_text
from app.core.models import (
    FIRST_YEAR,
    LAST_YEAR,
    SPACE,
    Day,
    InputModel,
    PublicModel,
    created_at_field,
    id_field,
    trimmed,
)
from app.core.preconditions import Versioned
from app.db import DecimalType
from app.legal.table import Regime


class ClaimStatus(StrEnum):
    draft = "draft"
    filed = "filed"
    validated = "validated"
    rejected = "rejected"
    paid = "paid"


def _check_nir(value: str) -> str:
    compact = value.replace(" ", "").upper()
    # ASCII only: python-stdnum also takes other scripts' digits (fullwidth ７)
    if not compact.isascii() or not stdnum_nir.is_valid(compact):
        # The value itself is personal data: it is never echoed back (R22).
        raise PydanticCustomError("nir_invalid", "not a valid social security number (NIR)")
    return compact


def _check_month(value: str) -> str:
    try:
        day = date.fromisoformat(f"{value}-01")
    except ValueError as exc:
        raise PydanticCustomError("month_format", "a month is written YYYY-MM") from exc
    if not FIRST_YEAR <= day.year <= LAST_YEAR:
        raise PydanticCustomError(
            "month_out_of_range", f"a month is between {FIRST_YEAR}-01 and {LAST_YEAR}-12"
        )
    return value


Nir = Annotated[
    str,
    BeforeValidator(lambda v: v.strip() if isinstance(v, str) else v),
    AfterValidator(_check_nir),
    # 13 digits (2A/2B for Corsica) and a 2-digit key, spaces allowed between them.
    Constrained(json_schema_extra={"pattern": f"^{SPACE}*[0-9](?: *[0-9ABab]){{14}}{SPACE}*$"}),
]
Month = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]{4}-[0-9]{2}$"),
    AfterValidator(_check_month),
    Constrained(
        examples=["2020-04"],
        # What _check_month accepts, said in the document: a real month of 2000–2100.
        json_schema_extra={"pattern": r"^(?:20[0-9]{2}|2100)-(?:0[1-9]|1[0-2])$"},
    ),
]
HoursValue = Annotated[Decimal, decimal_text(digits=6, places=2, maximum=744, example="151.67")]
Rate = Annotated[Decimal, decimal_text(digits=10, places=4, positive=True, example="12.5000")]
Money = Annotated[Decimal, decimal_text(digits=12, places=2, example="1234.56")]
Short = Annotated[str, trimmed(100)]


def _stored_total() -> Any:
    # The server default fills the rows that existed before the column (then the migration
    # computes them); the service always writes the value itself.
    return Field(
        default=Decimal("0.00"),
        sa_type=DecimalType(12, 2),
        sa_column_kwargs={"server_default": "0"},
    )


class Claim(Versioned, table=True):
    """A monthly indemnity claim (DI) under an authorization request (R19–R24)."""

    __tablename__ = "claim"
    __table_args__ = (
        # One claim per request and month, and per version of it (corrections): R19, R24.
        UniqueConstraint("request_id", "month_on", "version"),
        Index("ix_claim_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_claim_client_month", "client_id", "month_on"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    request_id: uuid.UUID = Field(foreign_key="authorization_request.id")
    establishment_id: uuid.UUID = Field(foreign_key="establishment.id", index=True)
    client_id: uuid.UUID = Field(foreign_key="client.id")
    month_on: date
    version: int = Field(default=1)
    corrects_id: uuid.UUID | None = Field(default=None, foreign_key="claim.id", unique=True)
    status: ClaimStatus = Field(default=ClaimStatus.draft, sa_type=String(16))
    payroll_paid_on: date | None = None
    filed_on: date | None = None
    contract_id: uuid.UUID | None = Field(default=None, foreign_key="contract.id")
    validated_on: date | None = None
    rejected_on: date | None = None
    reject_reason: str | None = Field(default=None, sa_type=Text)
    paid_on: date | None = None
    paid_amount: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    # Stored when the payment is recorded: what was expected then, and paid minus expected.
    expected_allocation: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    discrepancy: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    # Written with the lines (create, update, correction, filing): what lists and summaries
    # read instead of recomputing every line. `totals_regime` is the client's regime of the
    # month they were computed with: a draft's lines follow the client's regime until filed
    # (R24), so a draft whose client changed regime since is recomputed when listed.
    employee_count: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    total_hours: Decimal = _stored_total()
    total_indemnity: Decimal = _stored_total()
    total_allocation: Decimal = _stored_total()
    totals_regime: Regime | None = Field(default=None, sa_type=String(16))
    created_at: datetime = created_at_field()
    updated_at: datetime = created_at_field()


class ClaimLine(SQLModel, table=True):
    __tablename__ = "claim_line"
    __table_args__ = (UniqueConstraint("claim_id", "employee_ref"),)

    id: uuid.UUID = id_field()
    claim_id: uuid.UUID = Field(foreign_key="claim.id", index=True, ondelete="CASCADE")
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    position: int
    employee_ref: str = Field(max_length=100)
    employee_name: str = Field(max_length=200)
    # Encrypted at rest (app.core.crypto): the key id and the sealed 15 characters fit in 128.
    nir: str | None = Field(default=None, sa_type=Encrypted(128))
    contract_hours: Decimal = Field(sa_type=DecimalType(8, 2))
    hours_not_worked: Decimal = Field(sa_type=DecimalType(8, 2))
    hourly_rate: Decimal = Field(sa_type=DecimalType(12, 4))
    regime: Regime | None = Field(default=None, sa_type=String(16))


class LineInput(InputModel):
    employee_ref: Short
    employee_name: Annotated[str, trimmed(200)]
    nir: Nir | None = Field(default=None, description="Optional; validated, masked when shown")
    contract_hours: HoursValue = Field(description="Contractual hours of the month")
    hours_not_worked: HoursValue
    hourly_rate: Rate = Field(description="Gross hourly rate, €")
    regime: Regime | None = Field(
        default=None, description="Overrides the client's regime for this line (R23)"
    )

    @model_validator(mode="after")
    def _hours_within_contract(self) -> "LineInput":
        if self.hours_not_worked > self.contract_hours:
            raise PydanticCustomError(
                "hours_above_contract",
                "hours_not_worked exceed the contractual hours of the month (R22)",
            )
        return self


Lines = Annotated[list[LineInput], Constrained(min_length=1, max_length=2000)]


def _unique_refs(lines: list[LineInput] | None) -> None:
    if lines:
        refs = [line.employee_ref for line in lines]
        if len(refs) != len(set(refs)):
            raise PydanticCustomError(
                "duplicate_employee", "each employee_ref appears once per claim"
            )


class ClaimCreate(InputModel):
    month: Month
    payroll_paid_on: Day | None = Field(default=None, description="When the month's pay was paid")
    lines: Lines

    @model_validator(mode="after")
    def _refs(self) -> "ClaimCreate":
        _unique_refs(self.lines)
        return self


class ClaimUpdate(InputModel):
    payroll_paid_on: Day | None = None
    lines: Lines | None = None

    @model_validator(mode="after")
    def _refs(self) -> "ClaimUpdate":
        _unique_refs(self.lines)
        return self


class CorrectionCreate(InputModel):
    payroll_paid_on: Day | None = None
    lines: Lines | None = Field(default=None, description="Default: the corrected claim's lines")

    @model_validator(mode="after")
    def _refs(self) -> "CorrectionCreate":
        _unique_refs(self.lines)
        return self


class LineAmountsPublic(PublicModel):
    regime: Regime = Field(description="The regime the line was computed with")
    capped_hourly_rate: Decimal = Field(description="Hourly rate capped at 4.5 × SMIC")
    indemnity_per_hour: Decimal
    allocation_per_hour: Decimal
    indemnity_amount: Decimal = Field(description="Rounded to the cent, half up")
    allocation_amount: Decimal = Field(description="Rounded to the cent, half up")
    applied: list[str] = Field(
        description="Caps and floors applied: hourly_cap, indemnity_floor, "
        "indemnity_at_own_rate, allocation_floor, allocation_at_indemnity"
    )


class LinePublic(LineAmountsPublic):
    employee_ref: str
    employee_name: str
    nir: str | None = Field(description="Masked")
    contract_hours: Decimal
    hours_not_worked: Decimal
    hourly_rate: Decimal


class ClaimSummary(PublicModel):
    """List item: no employee lines, so no personal data (R22)."""

    id: uuid.UUID
    request_id: uuid.UUID
    establishment_id: uuid.UUID
    month: str
    version: int
    corrects_id: uuid.UUID | None
    status: ClaimStatus
    payroll_paid_on: date | None
    filed_on: date | None
    validated_on: date | None
    rejected_on: date | None
    reject_reason: str | None
    paid_on: date | None
    employee_count: int
    total_hours: Decimal
    total_indemnity: Decimal
    total_allocation: Decimal
    employer_cost: Decimal = Field(description="Indemnities minus allocation: left to the employer")
    expected_allocation: Decimal = Field(
        description="What the state should pay: the total allocation (as of payment once paid)"
    )
    paid_amount: Decimal | None
    discrepancy: Decimal | None = Field(description="Paid minus expected, once paid")
    created_at: datetime


class ClaimPublic(ClaimSummary):
    lines: list[LinePublic]


class FileClaim(InputModel):
    filed_on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")


class ValidateClaim(InputModel):
    on: Day | None = None


class RejectClaim(InputModel):
    reason: Annotated[str, trimmed(5000)]
    on: Day | None = None


class PayClaim(InputModel):
    paid_on: Day | None = None
    amount: Money


def mask_nir(nir: str | None) -> str | None:
    if not nir:
        return None
    return f"{nir[0]} ** ** ** *** *** {nir[-2:]}"


class AuthorizationSummary(PublicModel):
    request_id: uuid.UUID
    status: RequestStatus
    start_on: date | None
    end_on: date | None
    authorized_hours: Decimal | None
    hours_claimed: Decimal = Field(description="Filed, validated and paid claims (latest versions)")
    hours_remaining: Decimal | None
    expected_allocation: Decimal
    paid_amount: Decimal
    claims: int


class EstablishmentSummary(PublicModel):
    establishment_id: uuid.UUID
    authorizations: list[AuthorizationSummary]
    expected_allocation: Decimal
    paid_amount: Decimal
