"""The claim's rules as pure functions of dates and values (R19–R24): no database here.

The services read what a rule needs (with aggregate queries, see `queries`) and pass it in.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from app.authorizations import rules as auth_rules
from app.claims.errors import (
    AnnualQuotaExceeded,
    ClaimTimeBarred,
    EmployeesExceedAuthorized,
    HoursExceedAuthorized,
    MonthOutsideAuthorization,
    PayrollNotPaid,
)
from app.core.dates import month_end
from app.errors import InvalidInput
from app.legal.amounts import line_amounts
from app.legal.table import MonthParameters, Regime, parameter_table

ZERO = Decimal("0.00")


class HoursLine(Protocol):
    """What the limits read of a line: an input line, a stored one or a row of both columns."""

    @property
    def employee_ref(self) -> str: ...

    @property
    def hours_not_worked(self) -> Decimal: ...


class PricedLine(HoursLine, Protocol):
    @property
    def hourly_rate(self) -> Decimal: ...

    @property
    def regime(self) -> Regime | None: ...


# --- R19, R23: the month -------------------------------------------------------------------


def check_month_covered(month_on: date) -> None:
    """R23: a month outside the legal parameter table is refused, naming the covered range."""
    table = parameter_table()
    if not table.first_month <= month_on <= table.last_month:
        raise InvalidInput(
            "month",
            f"no legal parameters for {month_on:%Y-%m}: the table covers "
            f"{table.first_month:%Y-%m} to {table.last_month:%Y-%m}",
            type="month_outside_parameters",
        )


def check_month(month_on: date, start_on: date, end_on: date) -> None:
    """R19: the month overlaps the authorized period."""
    if month_end(month_on) < start_on or month_on > end_on:
        raise MonthOutsideAuthorization(
            f"{month_on:%Y-%m} is outside the authorized period {start_on} – {end_on} (R19)"
        )


# --- R20, R21: filing ----------------------------------------------------------------------


def check_payroll_paid(payroll_paid_on: date | None, month_on: date, filed_on: date) -> None:
    """R20: the month's pay was paid, within the month or after it, and before the filing."""
    if payroll_paid_on is None:
        raise PayrollNotPaid()
    if payroll_paid_on > filed_on:
        raise PayrollNotPaid(
            f"The month's pay is paid on {payroll_paid_on}, after the filing on {filed_on} (R20)"
        )
    if payroll_paid_on < month_on:
        raise PayrollNotPaid(
            f"The pay of {month_on:%Y-%m} cannot have been paid on "
            f"{payroll_paid_on}, before the month began (R20)"
        )


def check_time_bar(filed_on: date, authorization_end: date) -> None:
    """R21: filed by the time bar of the authorization (12 or 6 months after its end)."""
    bar = auth_rules.claim_time_bar(authorization_end)
    if filed_on > bar:
        raise ClaimTimeBarred(
            f"The authorization ended on {authorization_end}: its claims are filed by {bar} (R21)"
        )


# --- R22: limits ---------------------------------------------------------------------------


def check_employees(count: int, authorized: int) -> None:
    """R22: a claim has no more employees than authorized."""
    if count > authorized:
        raise EmployeesExceedAuthorized(count, authorized)


def asked_hours(lines: Iterable[HoursLine]) -> Decimal:
    return sum((line.hours_not_worked for line in lines), Decimal(0))


def check_hours(asked: Decimal, used: Decimal, authorized: Decimal) -> None:
    """R22: the request's counted claims and this one stay within its authorized hours."""
    if used + asked > authorized:
        raise HoursExceedAuthorized(asked, max(authorized - used, Decimal(0)))


def check_annual_quota(
    lines: Iterable[HoursLine], taken: Mapping[str, Decimal], year: int, quota: Decimal
) -> None:
    """R22: no employee goes over the year's quota; `taken` holds what each employee's other
    counted claims of the client already use that year (absent: nothing)."""
    for line in lines:
        already = taken.get(line.employee_ref, Decimal(0))
        if already + line.hours_not_worked > quota:
            remaining = max(quota - already, Decimal(0))
            raise AnnualQuotaExceeded(line.employee_ref, year, quota, remaining)


# --- R23: amounts --------------------------------------------------------------------------


@dataclass(frozen=True)
class Totals:
    employee_count: int
    total_hours: Decimal
    total_indemnity: Decimal
    total_allocation: Decimal

    @property
    def employer_cost(self) -> Decimal:
        return self.total_indemnity - self.total_allocation

    def as_columns(self) -> dict[str, Any]:
        # a shallow copy (dataclasses.asdict deep-copies every value)
        return dict(vars(self))


def line_details(
    month_on: date, lines: Iterable[PricedLine], client_regime: Regime
) -> list[dict[str, Any]]:
    """R23: each line's amounts with the parameters of the month and the line's regime (its
    own, or else the client's for that month)."""
    table = parameter_table()
    params: dict[Regime, MonthParameters] = {}  # the month's parameters, once per regime
    out = []
    for line in lines:
        regime = line.regime or client_regime
        if regime not in params:
            params[regime] = table.for_month(month_on, regime)
        amounts = line_amounts(params[regime], line.hourly_rate, line.hours_not_worked)
        # a shallow copy of the fields (dataclasses.asdict deep-copies each value)
        out.append({**vars(amounts), "applied": list(amounts.applied), "regime": regime})
    return out


def totals_of(lines: Sequence[HoursLine], details: Sequence[Mapping[str, Any]]) -> Totals:
    """The claim's totals: sums of the lines' rounded amounts (R23)."""
    return Totals(
        employee_count=len(lines),
        total_hours=sum((line.hours_not_worked for line in lines), ZERO),
        total_indemnity=sum((d["indemnity_amount"] for d in details), ZERO),
        total_allocation=sum((d["allocation_amount"] for d in details), ZERO),
    )


def claim_totals(month_on: date, lines: Sequence[PricedLine], client_regime: Regime) -> Totals:
    return totals_of(lines, line_details(month_on, lines, client_regime))
