from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.claims.models import LineAmountsPublic, LineFields, Month
from app.core.models import InputModel, PublicModel, trimmed
from app.legal.amounts import Category
from app.legal.rules import AbsenceReason, OvertimeBasis
from app.legal.table import PricingRegime, Regime


class LegalParameters(PublicModel):
    on: date
    month: str
    regime: PricingRegime
    smic_hourly: Decimal
    hourly_cap: Decimal = Field(description="4.5 × SMIC")
    indemnity_rate: Decimal = Field(description="Fraction of the gross hourly rate (0.70)")
    allocation_rate: Decimal
    indemnity_floor: Decimal
    allocation_floor: Decimal
    base_cap: bool = Field(
        description="Whether the indemnity base is capped at 4.5 × SMIC (from 2021-01; the "
        "allocation base always is): R23"
    )
    net_ceiling: bool = Field(
        description="Whether the indemnity per hour is bounded by the usual net hourly pay "
        "(from 2021-04): R23"
    )
    annual_quota_hours: Decimal
    uncertain: list[str] = Field(description="Values of this row whose sources disagree")
    single_source: list[str] = Field(description="Values of this row with a single source")
    source: str


class SimulationLine(LineFields):
    employee_ref: Annotated[str, trimmed(100)]


class Simulation(InputModel):
    month: Month
    regime: Regime = Regime.general
    lines: Annotated[list[SimulationLine], Field(min_length=1, max_length=2000)]


class SimulatedLine(LineAmountsPublic):
    employee_ref: str
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


class SimulationResult(PublicModel):
    month: str
    lines: list[SimulatedLine]
    total_hours: Decimal
    total_indemnity: Decimal
    total_allocation: Decimal
    employer_cost: Decimal
    total_rmm_complement: Decimal = Field(
        description="R33: owed by the employer besides the indemnities; not in the totals above"
    )
