from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from app.claims.models import HoursValue, LineAmountsPublic, Month, Rate
from app.core.models import InputModel, PublicModel, trimmed
from app.legal.table import Regime


class LegalParameters(PublicModel):
    on: date
    month: str
    regime: Regime
    smic_hourly: Decimal
    hourly_cap: Decimal = Field(description="4.5 × SMIC")
    indemnity_rate: Decimal = Field(description="Fraction of the gross hourly rate (0.70)")
    allocation_rate: Decimal
    indemnity_floor: Decimal
    allocation_floor: Decimal
    annual_quota_hours: Decimal
    uncertain: list[str] = Field(description="Values of this row whose sources disagree")
    source: str


class SimulationLine(InputModel):
    employee_ref: Annotated[str, trimmed(100)]
    contract_hours: HoursValue
    hours_not_worked: HoursValue
    hourly_rate: Rate
    regime: Regime | None = None


class Simulation(InputModel):
    month: Month
    regime: Regime = Regime.general
    lines: Annotated[list[SimulationLine], Field(min_length=1, max_length=2000)]


class SimulatedLine(LineAmountsPublic):
    employee_ref: str
    contract_hours: Decimal
    hours_not_worked: Decimal
    hourly_rate: Decimal


class SimulationResult(PublicModel):
    month: str
    lines: list[SimulatedLine]
    total_hours: Decimal
    total_indemnity: Decimal
    total_allocation: Decimal
    employer_cost: Decimal
