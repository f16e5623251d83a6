import uuid
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import Field as Constrained
from pydantic import model_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import CheckConstraint, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.authorizations.models import RequestStatus
from app.claims.values import HoursValue, Money, Month, Nir, Rate, Short
from app.core.crypto import Encrypted
from app.core.models import (
    Day,
    InputModel,
    PublicModel,
    created_at_field,
    id_field,
    trimmed,
)
from app.core.preconditions import Versioned
from app.db import DecimalType
from app.legal.amounts import Category
from app.legal.rules import AbsenceReason, OvertimeBasis
from app.legal.table import PricingRegime, Regime


class ClaimStatus(StrEnum):
    draft = "draft"
    filed = "filed"
    validated = "validated"
    rejected = "rejected"
    paid = "paid"
    withdrawn = "withdrawn"


class ClaimScheme(StrEnum):
    ordinary = "ordinary"
    apld = "apld"


def _stored_total() -> Any:
    # The server default fills the rows that existed before the column (then the migration
    # computes them); the service always writes the value itself.
    return Field(
        default=Decimal("0.00"),
        sa_type=DecimalType(12, 2),
        sa_column_kwargs={"server_default": "0"},
    )


APLD_UNIQUE = "uq_claim_apld_agreement_id_establishment_id_month_on_version"
_APLD_MONTH = ("apld_agreement_id", "establishment_id", "month_on", "version")


class Claim(Versioned, table=True):
    """A monthly indemnity claim (DI) under an authorization request (R19–R24)."""

    __tablename__ = "claim"
    __table_args__ = (
        # One claim per request and month, and per version of it (corrections): R19, R24.
        UniqueConstraint("request_id", "month_on", "version"),
        # An APLD claim (R41): one per agreement, establishment and month, and per version.
        Index(APLD_UNIQUE, *_APLD_MONTH, unique=True),
        CheckConstraint("(request_id IS NULL) <> (apld_agreement_id IS NULL)", name="one_scheme"),
        Index("ix_claim_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_claim_client_month", "client_id", "month_on"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    request_id: uuid.UUID | None = Field(default=None, foreign_key="authorization_request.id")
    apld_agreement_id: uuid.UUID | None = Field(default=None, foreign_key="apld_agreement.id")
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
    withdrawn_on: date | None = None
    withdraw_reason: str | None = Field(default=None, sa_type=Text)
    paid_on: date | None = None
    paid_amount: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    # The sum of the claim's issued claw-backs (R42), written under the claim's row lock
    # whenever one is issued or cancelled: lists and summaries read it as they read the totals.
    clawed_back: Decimal = _stored_total()
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
    # R27–R34: the employee's category and what the line's amounts depend on
    category: Category = Field(
        default=Category.standard,
        sa_type=String(16),
        sa_column_kwargs={"server_default": "standard"},
    )
    absence_reason: AbsenceReason | None = Field(default=None, sa_type=String(16))
    specific_absence_days: int | None = None
    half_days_not_worked: int | None = None
    days_not_worked: int | None = None
    weeks_not_worked: int | None = None
    leave_days: int | None = None
    overtime_basis: OvertimeBasis | None = Field(default=None, sa_type=String(24))
    overtime_basis_signed_on: date | None = None
    usual_net_hourly_pay: Decimal | None = Field(default=None, sa_type=DecimalType(12, 4))
    net_pay_for_hours_worked: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    # The amounts as computed when the line was last written (R24: a filed claim keeps the
    # amounts it was filed with, whatever later revision of the legal table). Drafts are
    # computed again when read.
    priced_regime: PricingRegime | None = Field(default=None, sa_type=String(24))
    capped_hourly_rate: Decimal | None = Field(default=None, sa_type=DecimalType(12, 4))
    indemnity_base: Decimal | None = Field(default=None, sa_type=DecimalType(12, 4))
    indemnity_per_hour: Decimal | None = Field(default=None, sa_type=DecimalType(12, 4))
    allocation_per_hour: Decimal | None = Field(default=None, sa_type=DecimalType(12, 4))
    indemnity_amount: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    allocation_amount: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    applied: str | None = Field(default=None, sa_type=Text)
    declared_hours: Decimal | None = Field(default=None, sa_type=DecimalType(8, 2))
    declared_hourly_rate: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    rmm_complement: Decimal | None = Field(default=None, sa_type=DecimalType(12, 2))
    warnings: str | None = Field(default=None, sa_type=Text)


Days = Annotated[int, Constrained(ge=0, le=31)]


class LineFields(InputModel):
    """What a line's amounts are computed from (R22, R27–R34): claim and simulation lines."""

    category: Category = Field(
        default=Category.standard,
        description="R27: standard, part_time (R29), apprentice (R28) or forfait (R30)",
    )
    contract_hours: HoursValue = Field(description="Contractual hours of the month")
    hours_not_worked: HoursValue | None = Field(
        default=None,
        description="Required, except on a forfait line: computed from its days there (R30). "
        "Above the legal 151.67 h a month only with an overtime basis (R31)",
    )
    hourly_rate: Rate = Field(description="Gross hourly rate, €")
    regime: Regime | None = Field(
        default=None, description="Overrides the client's regime for this line (R23)"
    )
    absence_reason: AbsenceReason | None = Field(
        default=None,
        description="R34: vulnerable (from 2020-05) or childcare (2020-05 to 2022-07); from "
        "2021-04 the line takes the vulnerable_or_childcare rates",
    )
    specific_absence_days: Annotated[int, Constrained(ge=1, le=31)] | None = Field(
        default=None, description="R34: the days of specific absence, with absence_reason"
    )
    half_days_not_worked: Annotated[int, Constrained(ge=0, le=62)] | None = Field(
        default=None, description="R30, forfait lines: 3.5 h each"
    )
    days_not_worked: Days | None = Field(default=None, description="R30, forfait lines: 7 h each")
    weeks_not_worked: Annotated[int, Constrained(ge=0, le=5)] | None = Field(
        default=None, description="R30, forfait lines: 35 h each"
    )
    leave_days: Days | None = Field(
        default=None,
        description="R30, forfait lines: paid leave, rest days and public holidays on working "
        "days of the period, deducted at 7 h each",
    )
    overtime_basis: OvertimeBasis | None = Field(
        default=None, description="R31: what makes hours above the legal time structural"
    )
    overtime_basis_signed_on: Day | None = Field(
        default=None, description="R31: the basis counts if signed before 2020-04-24"
    )
    usual_net_hourly_pay: Rate | None = Field(
        default=None, description="R23: from 2021-04 the indemnity per hour never exceeds it"
    )
    net_pay_for_hours_worked: Money | None = Field(
        default=None, description="R33: net pay of the hours worked, for the RMM complement"
    )

    @model_validator(mode="after")
    def _hours_within_contract(self) -> "LineFields":
        if self.hours_not_worked is not None and self.hours_not_worked > self.contract_hours:
            raise PydanticCustomError(
                "hours_above_contract",
                "hours_not_worked exceed the contractual hours of the month (R22)",
            )
        return self


class LineInput(LineFields):
    employee_ref: Short
    employee_name: Annotated[str, trimmed(200)]
    nir: Nir | None = Field(default=None, description="Optional; validated, masked when shown")


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
    regime: PricingRegime = Field(
        description="The regime the line was computed with: its establishment's (or its own), "
        "or vulnerable_or_childcare (R34, from 2021-04)"
    )
    capped_hourly_rate: Decimal = Field(description="Hourly rate capped at 4.5 × SMIC")
    indemnity_base: Decimal = Field(
        description="The rate the indemnity % applies to: uncapped in 2020, capped from 2021 (R23)"
    )
    indemnity_per_hour: Decimal
    allocation_per_hour: Decimal
    indemnity_amount: Decimal = Field(description="Rounded to the cent, half up")
    allocation_amount: Decimal = Field(description="Rounded to the cent, half up")
    applied: list[str] = Field(
        description="What set the amounts: hourly_cap, indemnity_base_uncapped (R23), "
        "apprentice_full_rate (R28), part_time_floor (R29), indemnity_floor, net_ceiling (R23), "
        "allocation_floor, allocation_at_indemnity"
    )
    declared_hours: Decimal | None = Field(
        description="R32: the hours declared on APART's grid, capped at the legal 151.67 h"
    )
    declared_hourly_rate: Decimal | None = Field(
        description="R32: the rate declared with them, raised so that the money matches"
    )
    rmm_complement: Decimal | None = Field(
        description="R33: owed by the employer to a full-time standard employee; never in the "
        "allocation nor the claim's totals"
    )
    warnings: list[str] = Field(
        description="Facts to check, not refusals: childcare_paused_single_source (R34)"
    )


class LinePublic(LineAmountsPublic):
    employee_ref: str
    employee_name: str
    nir: str | None = Field(description="Masked")
    category: Category
    contract_hours: Decimal
    hours_not_worked: Decimal
    hourly_rate: Decimal
    absence_reason: AbsenceReason | None
    specific_absence_days: int | None
    half_days_not_worked: int | None
    days_not_worked: int | None
    weeks_not_worked: int | None
    leave_days: int | None
    overtime_basis: OvertimeBasis | None
    overtime_basis_signed_on: date | None
    usual_net_hourly_pay: Decimal | None
    net_pay_for_hours_worked: Decimal | None


class ClaimSummary(PublicModel):
    """List item: no employee lines, so no personal data (R22)."""

    id: uuid.UUID
    scheme: ClaimScheme = Field(description="ordinary (under a DAP) or apld (R41)")
    request_id: uuid.UUID | None = Field(description="The DAP; null for an APLD claim")
    apld_agreement_id: uuid.UUID | None = Field(description="The APLD agreement (R41), or null")
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
    withdrawn_on: date | None
    withdraw_reason: str | None
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
    clawed_back: Decimal = Field(description="The claim's issued claw-backs (ORs, R42)")
    net_amount_received: Decimal | None = Field(
        description="Paid less the issued claw-backs, once paid (R42)"
    )
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


class WithdrawClaim(InputModel):
    reason: Annotated[str, trimmed(5000)]
    on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")


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
    clawed_back: Decimal = Field(description="Issued claw-backs of these claims (R42)")
    net_amount_received: Decimal = Field(description="Paid less the issued claw-backs (R42)")
    claims: int


class EstablishmentSummary(PublicModel):
    establishment_id: uuid.UUID
    authorizations: list[AuthorizationSummary]
    expected_allocation: Decimal
    paid_amount: Decimal
    clawed_back: Decimal
    net_amount_received: Decimal
