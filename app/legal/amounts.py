"""R23: indemnity and allocation per employee line, exact decimals, cents rounded half-up."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from app.legal.table import MonthParameters

CENT = Decimal("0.01")
PER_HOUR = Decimal("0.0001")


@dataclass(frozen=True)
class LineAmounts:
    capped_hourly_rate: Decimal
    indemnity_per_hour: Decimal
    allocation_per_hour: Decimal
    indemnity_amount: Decimal
    allocation_amount: Decimal
    applied: tuple[str, ...]


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def line_amounts(params: MonthParameters, hourly_rate: Decimal, hours: Decimal) -> LineAmounts:
    applied = []
    capped = hourly_rate
    if hourly_rate > params.hourly_cap:
        capped = params.hourly_cap
        applied.append("hourly_cap")
    indemnity = params.indemnity_rate * capped
    if indemnity < params.indemnity_floor:
        indemnity = params.indemnity_floor
        applied.append("indemnity_floor")
    if indemnity > hourly_rate:
        # an employee paid below the floor gets their own rate, never more
        indemnity = hourly_rate
        applied.append("indemnity_at_own_rate")
    allocation = params.allocation_rate * capped
    if allocation < params.allocation_floor:
        allocation = params.allocation_floor
        applied.append("allocation_floor")
    if allocation > indemnity:
        allocation = indemnity
        applied.append("allocation_at_indemnity")
    return LineAmounts(
        capped_hourly_rate=capped.quantize(PER_HOUR, rounding=ROUND_HALF_UP),
        indemnity_per_hour=indemnity.quantize(PER_HOUR, rounding=ROUND_HALF_UP),
        allocation_per_hour=allocation.quantize(PER_HOUR, rounding=ROUND_HALF_UP),
        indemnity_amount=cents(indemnity * hours),
        allocation_amount=cents(allocation * hours),
        applied=tuple(applied),
    )
