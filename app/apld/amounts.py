"""R39's per-employee meter and R41's APLD amounts per hour: pure functions, exact decimals, to
be wired into APLD claims. The APLD table is app/apld/parameters.toml; the ordinary rates
(R41's raised allocation) are the legal table's."""

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from app.apld.rules import is_neutralised
from app.apld.table import ApldTable, apld_table
from app.core.dates import add_months
from app.legal.amounts import per_hour
from app.legal.table import MonthParameters, ParameterTable, Regime, parameter_table

ZERO = Decimal(0)


# --- R39: hours not worked per employee over the agreement's duration -----------------------


@dataclass(frozen=True)
class Meter:
    used: Decimal
    allowed: Decimal
    left: Decimal
    counted_months: int

    @property
    def exceeded(self) -> bool:
        return self.used > self.allowed


def agreement_months(
    start: date, duration_months: int, neutralise: bool, table: ApldTable | None = None
) -> list[date]:
    """The calendar months of the agreement's duration that count (R39): `duration_months`
    months from the start's month, neutralised ones left out (they leave both sides)."""
    months: list[date] = []
    month = start.replace(day=1)
    while len(months) < duration_months:
        if not (neutralise and is_neutralised(month, table)):
            months.append(month)
        month = add_months(month, 1)
    return months


def meter(
    *,
    start: date,
    duration_months: int,
    max_reduction: Decimal,
    neutralise: bool,
    hours: Iterable[tuple[date, Decimal]],
    ordinary_hours: Iterable[tuple[date, Decimal]] = (),
    table: ApldTable | None = None,
) -> Meter:
    """R39: used ≤ maximum reduction (%) × 151.67 h × counted months. Every month of the
    duration counts, with or without a claim; hours of neutralised months leave `used` as
    their months leave `allowed`. `ordinary_hours` (ordinary claims in the duration) count too
    while the data flag `count_ordinary_hours` (single source) is on. A month outside the
    duration is a caller's error."""
    t = table or apld_table()
    counted = agreement_months(start, duration_months, neutralise, t)
    allowed = max_reduction / 100 * t.rules.legal_month_hours * len(counted)
    first, last = counted[0], counted[-1]
    sources = [hours, ordinary_hours] if t.rules.count_ordinary_hours else [hours]
    used = ZERO
    for source in sources:
        for month, value in source:
            month = month.replace(day=1)
            if neutralise and is_neutralised(month, t):
                continue
            if not first <= month <= last:
                raise ValueError(f"{month:%Y-%m} is outside the agreement ({first} – {last})")
            used += value
    return Meter(used=used, allowed=allowed, left=allowed - used, counted_months=len(counted))


# --- R41: amounts per hour ---------------------------------------------------------------------


@dataclass(frozen=True)
class HourlyAmounts:
    capped_hourly_rate: Decimal
    indemnity_per_hour: Decimal
    allocation_per_hour: Decimal
    allocation_rate: Decimal
    allocation_floor: Decimal
    applied: tuple[str, ...]


def hourly_amounts(
    month: date,
    hourly_rate: Decimal,
    regime: Regime = Regime.general,
    *,
    table: ApldTable | None = None,
    ordinary: ParameterTable | None = None,
) -> HourlyAmounts:
    """R41: indemnity = max(70 % × capped rate, indemnity floor), the base capped at
    4.5 × SMIC from the start; allocation = max(60 % × capped rate, APLD floor), never above
    the indemnity. Where the month is `raised`, a higher ordinary allocation rate of the
    establishment's regime replaces 60 %, with its ordinary floor. `applied` names what set
    them. Rounded to 1/10,000 € like R23's per-hour amounts (cents are per line)."""
    row = (table or apld_table()).amounts_for(month)
    cap_multiple = (ordinary or parameter_table()).cap_multiple
    applied: list[str] = []
    capped = min(hourly_rate, cap_multiple * row.smic_hourly)
    if capped < hourly_rate:
        applied.append("hourly_cap")
    indemnity = row.indemnity_rate * capped
    if indemnity < row.indemnity_floor:
        indemnity = row.indemnity_floor
        applied.append("indemnity_floor")
    rate, floor = row.allocation_rate, row.allocation_floor
    if row.raised:
        regular = (ordinary or parameter_table()).for_month(month, regime)
        if regular.allocation_rate > rate:
            rate, floor = regular.allocation_rate, regular.allocation_floor
            applied.append("raised_allocation")
    allocation = rate * capped
    if allocation < floor:
        allocation = floor
        applied.append("allocation_floor")
    if allocation > indemnity:
        allocation = indemnity
        applied.append("allocation_at_indemnity")
    return HourlyAmounts(
        capped_hourly_rate=per_hour(capped),
        indemnity_per_hour=per_hour(indemnity),
        allocation_per_hour=per_hour(allocation),
        allocation_rate=rate,
        allocation_floor=floor,
        applied=tuple(applied),
    )


def month_parameters(
    month: date,
    regime: Regime = Regime.general,
    *,
    table: ApldTable | None = None,
    ordinary: ParameterTable | None = None,
) -> MonthParameters:
    """R41 as the month's parameters of an APLD line, for the line pricing of R23 and R27–R33
    (categories, net ceiling, declared pair, RMM): the APLD rates and floors, the indemnity base
    always capped, the ordinary regime's allocation rate and floor where raised and higher; the
    rest (net ceiling, legal hours, RMM) is the ordinary month's. Per hour, a standard line
    comes out as `hourly_amounts` says."""
    row = (table or apld_table()).amounts_for(month)
    legal = ordinary or parameter_table()
    regular = legal.for_month(month, regime)
    rate, floor = row.allocation_rate, row.allocation_floor
    if row.raised and regular.allocation_rate > rate:
        rate, floor = regular.allocation_rate, regular.allocation_floor
    return replace(
        regular,
        smic_hourly=row.smic_hourly,
        hourly_cap=legal.cap_multiple * row.smic_hourly,
        indemnity_rate=row.indemnity_rate,
        allocation_rate=rate,
        indemnity_floor=row.indemnity_floor,
        allocation_floor=floor,
        base_cap=True,
        source=f"APLD table ({row.first_month:%Y-%m} – {row.last_month:%Y-%m})",
    )
