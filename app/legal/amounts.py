"""R23, R28, R29, R32, R33: indemnity and allocation per employee line, exact decimals, cents
rounded half-up. Pure functions of the month's parameters and the line's values."""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from app.legal.table import MonthParameters

CENT = Decimal("0.01")
PER_HOUR = Decimal("0.0001")
ZERO = Decimal(0)


class Category(StrEnum):
    """R27: the employee's category on a line."""

    standard = "standard"
    part_time = "part_time"
    apprentice = "apprentice"
    forfait = "forfait"


@dataclass(frozen=True)
class LineAmounts:
    capped_hourly_rate: Decimal
    indemnity_base: Decimal
    indemnity_per_hour: Decimal
    allocation_per_hour: Decimal
    indemnity_amount: Decimal
    allocation_amount: Decimal
    applied: tuple[str, ...]
    # R32: the pair declared on APART's grid, for a line above the legal hours of the month
    declared_hours: Decimal | None = None
    declared_hourly_rate: Decimal | None = None
    # R33: owed by the employer, never in the allocation nor the claim's totals
    rmm_complement: Decimal | None = None


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def per_hour(value: Decimal) -> Decimal:
    return value.quantize(PER_HOUR, rounding=ROUND_HALF_UP)


def line_amounts(
    params: MonthParameters,
    hourly_rate: Decimal,
    hours: Decimal,
    *,
    category: Category = Category.standard,
    usual_net_hourly_pay: Decimal | None = None,
    net_pay_for_hours_worked: Decimal | None = None,
    contract_hours: Decimal | None = None,
) -> LineAmounts:
    """One line's amounts; `applied` names each cap, floor and ceiling that set them."""
    applied: list[str] = []
    capped = hourly_rate
    if hourly_rate > params.hourly_cap:
        capped = params.hourly_cap
        applied.append("hourly_cap")
    if category == Category.apprentice and hourly_rate < params.smic_hourly:
        # R28: 100 % of the apprentice's own rate for both, no floor
        base = indemnity = allocation = hourly_rate
        applied.append("apprentice_full_rate")
    else:
        # R23: the indemnity base is uncapped where the month's `base_cap` is no (2020)
        base = capped if params.base_cap else hourly_rate
        if base > capped:
            applied.append("indemnity_base_uncapped")
        indemnity = params.indemnity_rate * base
        floor = params.indemnity_floor
        if category == Category.part_time and hourly_rate < floor:
            # R29: a part-time employee below the floor gets their own rate in full
            floor = hourly_rate
            applied.append("part_time_floor")
        if indemnity < floor:
            indemnity = floor
            applied.append("indemnity_floor")
        allocation = params.allocation_rate * capped
        if allocation < params.allocation_floor:
            allocation = params.allocation_floor
            applied.append("allocation_floor")
    if params.net_ceiling and usual_net_hourly_pay is not None and indemnity > usual_net_hourly_pay:
        # R23: from 2021-04, never above the employee's usual net hourly pay
        indemnity = usual_net_hourly_pay
        applied.append("net_ceiling")
    if allocation > indemnity:
        allocation = indemnity
        applied.append("allocation_at_indemnity")
    indemnity_amount = cents(indemnity * hours)
    declared_hours = declared_rate = None
    if hours > params.legal_month_hours:
        # R32: hours capped at the legal time, the rate raised so that the money matches
        declared_hours = params.legal_month_hours
        declared_rate = cents(hours * hourly_rate / declared_hours)
    rmm = None
    if (
        category == Category.standard
        and net_pay_for_hours_worked is not None
        and contract_hours is not None
        and contract_hours >= params.legal_month_hours
    ):
        # R33: the net monthly minimum wage, guaranteed by the employer
        guaranteed = params.month_indemnity_floor * params.rmm_month_hours
        rmm = cents(max(ZERO, guaranteed - net_pay_for_hours_worked - indemnity_amount))
    return LineAmounts(
        capped_hourly_rate=per_hour(capped),
        indemnity_base=per_hour(base),
        indemnity_per_hour=per_hour(indemnity),
        allocation_per_hour=per_hour(allocation),
        indemnity_amount=indemnity_amount,
        allocation_amount=cents(allocation * hours),
        applied=tuple(applied),
        declared_hours=declared_hours,
        declared_hourly_rate=declared_rate,
        rmm_complement=rmm,
    )
