"""The claim's rules as pure functions of dates and values (R19–R24): no database here.

The services read what a rule needs (with aggregate queries, see `queries`) and pass it in.
"""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, Protocol

from app.apld import amounts as apld_amounts
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
from app.legal import rules as line_rules
from app.legal.table import MonthParameters, Regime, parameter_table

ZERO = Decimal("0.00")


class HoursLine(Protocol):
    """What the limits read of a line: an input line, a stored one or a row of both columns."""

    @property
    def employee_ref(self) -> str: ...

    # Decimal; an input forfait line has it once `check_lines` has converted its days (R30)
    @property
    def hours_not_worked(self) -> Any: ...


class PricedLine(line_rules.LineFacts, Protocol):
    employee_ref: str
    regime: Regime | None


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


def check_lines(month_on: date, lines: Sequence[Any]) -> None:
    """R27, R30, R31, R34: each line's fields for its category and its month (a forfait's hours
    are computed from its days here); a 422 names the line's field and the rule."""
    table = parameter_table()
    for i, line in enumerate(lines):
        line_rules.check_line_shape(line, f"lines.{i}", table)
        line_rules.check_line_month(month_on, line, f"lines.{i}", table)


# The amounts of a line as they are stored with it (R24), besides its regime, applied and
# warnings.
AMOUNT_COLUMNS = (
    "capped_hourly_rate", "indemnity_base", "indemnity_per_hour", "allocation_per_hour",
    "indemnity_amount", "allocation_amount", "declared_hours", "declared_hourly_rate",
    "rmm_complement",
)  # fmt: skip


def line_details(
    month_on: date, lines: Iterable[PricedLine], client_regime: Regime, *, apld: bool = False
) -> list[dict[str, Any]]:
    """R23, R28–R34: each line's amounts with the parameters of the month and the line's
    regime (its own, or else the client's for that month; R34's from 2021-04); an APLD
    claim's with the APLD table's (R41)."""
    table = parameter_table()
    # the month's parameters, once per regime and kind of line
    params: dict[tuple[Regime, bool], MonthParameters] = {}
    out = []
    for line in lines:
        regime = line.regime or client_regime
        key = (regime, line.absence_reason is not None)
        if key not in params:
            params[key] = (
                apld_amounts.month_parameters(month_on, regime, ordinary=table)
                if apld
                else line_rules.month_parameters(month_on, line, regime, table)
            )
        amounts = line_rules.price_line(params[key], line)
        # a shallow copy of the fields (dataclasses.asdict deep-copies each value)
        out.append(
            {
                **vars(amounts),
                "applied": list(amounts.applied),
                "regime": params[key].regime,
                "warnings": line_rules.line_warnings(month_on, line, table.rules),
            }
        )
    return out


def stored_details(line: Any) -> dict[str, Any] | None:
    """The amounts stored with a line when it was written, or None if it has none."""
    if line.priced_regime is None:
        return None
    return {name: getattr(line, name) for name in AMOUNT_COLUMNS} | {
        "regime": line.priced_regime,
        "applied": line.applied.split(",") if line.applied else [],
        "warnings": line.warnings.split(",") if line.warnings else [],
    }


def detail_columns(detail: Mapping[str, Any]) -> dict[str, Any]:
    """A line's computed amounts as the columns that store them."""
    return {name: detail[name] for name in AMOUNT_COLUMNS} | {
        "priced_regime": detail["regime"],
        "applied": ",".join(detail["applied"]),
        "warnings": ",".join(detail["warnings"]),
    }


def totals_of(lines: Sequence[HoursLine], details: Sequence[Mapping[str, Any]]) -> Totals:
    """The claim's totals: sums of the lines' rounded amounts (R23)."""
    return Totals(
        employee_count=len(lines),
        total_hours=sum((line.hours_not_worked for line in lines), ZERO),
        total_indemnity=sum((d["indemnity_amount"] for d in details), ZERO),
        total_allocation=sum((d["allocation_amount"] for d in details), ZERO),
    )


def claim_totals(
    month_on: date, lines: Sequence[PricedLine], client_regime: Regime, *, apld: bool = False
) -> Totals:
    return totals_of(lines, line_details(month_on, lines, client_regime, apld=apld))
