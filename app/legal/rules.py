"""The rules of an employee line that depend on its month (R28–R34): forfait days into hours
(R30), hours above the legal working time (R31), vulnerable and childcare absences (R34), and
the regime and amounts a line is computed with. Pure functions of the table and the line."""

from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from app.core.dates import month_end
from app.errors import InvalidInput
from app.legal.amounts import Category, LineAmounts, line_amounts
from app.legal.table import (
    LegalRules,
    MonthParameters,
    ParameterTable,
    Regime,
    parameter_table,
)


class OvertimeBasis(StrEnum):
    """R31: what makes hours above the legal working time structural."""

    collective_agreement = "collective_agreement"
    individual_forfait = "individual_forfait"
    equivalence = "equivalence"


class AbsenceReason(StrEnum):
    """R34: the specific absences with their own rates from 2021-04."""

    vulnerable = "vulnerable"
    childcare = "childcare"


FORFAIT_FIELDS = ("half_days_not_worked", "days_not_worked", "weeks_not_worked", "leave_days")


class LineFacts(Protocol):
    """What the line rules read: an input line or a stored one."""

    category: Category
    contract_hours: Decimal
    hours_not_worked: Any  # Decimal; None on a forfait input line until converted (R30)
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


def forfait_hours(rules: LegalRules, line: LineFacts) -> tuple[Decimal, bool]:
    """R30: 3.5 h per half-day, 7 h per day and 35 h per week not worked, less the leave days
    converted the same way; within 0 and the legal hours of a whole month. Also says whether a
    bound was applied."""

    def count(name: str) -> Decimal:
        return Decimal(getattr(line, name) or 0)

    hours = (
        count("half_days_not_worked") * rules.half_day_hours
        + count("days_not_worked") * rules.day_hours
        + count("weeks_not_worked") * rules.legal_week_hours
        - count("leave_days") * rules.day_hours
    )
    bounded = min(max(hours, Decimal(0)), rules.legal_month_hours)
    return bounded.quantize(Decimal("0.01")), bounded != hours


def check_line_shape(line: LineFacts, field: str, table: ParameterTable | None = None) -> None:
    """R27, R30: the fields of the line's category, and the forfait's hours converted from
    its days (set on the line). Raises a 422 naming the field and the rule."""
    rules = (table or parameter_table()).rules
    given = [name for name in FORFAIT_FIELDS if getattr(line, name) is not None]
    if line.category == Category.forfait:
        if not given:
            raise InvalidInput(
                f"{field}.days_not_worked",
                "a forfait line gives its half-days, days or weeks not worked (R30)",
                type="forfait_days_missing",
            )
        hours, _ = forfait_hours(rules, line)
        if line.hours_not_worked is not None and line.hours_not_worked != hours:
            raise InvalidInput(
                f"{field}.hours_not_worked",
                f"a forfait line's hours are computed from its days: {hours}, not "
                f"{line.hours_not_worked}; leave hours_not_worked out (R30)",
                type="forfait_hours_mismatch",
            )
        line.hours_not_worked = hours
        if hours > line.contract_hours:
            raise InvalidInput(
                f"{field}.contract_hours",
                f"the {hours} hours not worked of the days given exceed the contractual "
                f"hours of the month (R22, R30)",
                type="hours_above_contract",
            )
    else:
        if given:
            raise InvalidInput(
                f"{field}.{given[0]}",
                "days are given only for a forfait line (category forfait, R30)",
                type="forfait_fields_only",
            )
        if line.hours_not_worked is None:
            raise InvalidInput(f"{field}.hours_not_worked", "Field required (R22)", type="missing")
    if (line.absence_reason is None) != (line.specific_absence_days is None):
        raise InvalidInput(
            f"{field}.specific_absence_days",
            "absence_reason and specific_absence_days go together (R34)",
            type="absence_days_pairing",
        )
    if line.overtime_basis is None and line.overtime_basis_signed_on is not None:
        raise InvalidInput(
            f"{field}.overtime_basis",
            "overtime_basis_signed_on is given with its overtime_basis (R31)",
            type="overtime_basis_missing",
        )


def check_line_month(
    month: date, line: LineFacts, field: str, table: ParameterTable | None = None
) -> None:
    """R31 and R34 for the month of the line: refuses what the month does not allow."""
    rules = (table or parameter_table()).rules
    if line.hours_not_worked > rules.legal_month_hours:
        above = (
            f"{line.hours_not_worked} hours not worked exceed the legal working time of "
            f"{rules.legal_month_hours} h a month"
        )
        if line.overtime_basis is None:
            raise InvalidInput(
                f"{field}.overtime_basis",
                f"{above}: only structural overtime counts, with its basis "
                "(collective_agreement, individual_forfait or equivalence) and its signature "
                "date (R31)",
                type="overtime_basis_required",
            )
        signed = line.overtime_basis_signed_on
        if signed is None or signed >= rules.overtime_signed_before:
            raise InvalidInput(
                f"{field}.overtime_basis_signed_on",
                f"{above}: the basis counts only if signed before "
                f"{rules.overtime_signed_before} (R31)",
                type="overtime_basis_too_late",
            )
        if month_end(month) < rules.overtime_hours_from or month > rules.overtime_hours_until:
            raise InvalidInput(
                f"{field}.hours_not_worked",
                f"{above}: structural overtime counts for hours from "
                f"{rules.overtime_hours_from} to {rules.overtime_hours_until} only (R31)",
                type="overtime_outside_window",
            )
    if line.absence_reason is not None:
        if month_end(month) < rules.absence_from:
            raise InvalidInput(
                f"{field}.absence_reason",
                f"vulnerable and childcare absences count from {rules.absence_from} (R34)",
                type="absence_not_yet",
            )
        if line.absence_reason == AbsenceReason.childcare and month > rules.childcare_until:
            raise InvalidInput(
                f"{field}.absence_reason",
                f"childcare absences ended on {rules.childcare_until} (R34)",
                type="childcare_ended",
            )


def line_warnings(month: date, line: LineFacts, rules: LegalRules) -> list[str]:
    """What to check without refusing: one source pauses childcare absences (R34)."""
    if (
        line.absence_reason == AbsenceReason.childcare
        and month <= rules.childcare_pause_until
        and month_end(month) >= rules.childcare_pause_from
    ):
        return ["childcare_paused_single_source"]
    return []


def month_parameters(
    month: date, line: LineFacts, regime: Regime, table: ParameterTable | None = None
) -> MonthParameters:
    """R23, R34: the establishment's (or the line's) regime; an absence line's own regime from
    2021-04."""
    table = table or parameter_table()
    if line.absence_reason is not None:
        own = table.for_absence(month)
        if own is not None:
            return own
    return table.for_month(month, regime)


def price_line(params: MonthParameters, line: LineFacts) -> LineAmounts:
    return line_amounts(
        params,
        line.hourly_rate,
        line.hours_not_worked,
        category=line.category,
        usual_net_hourly_pay=line.usual_net_hourly_pay,
        net_pay_for_hours_worked=line.net_pay_for_hours_worked,
        contract_hours=line.contract_hours,
    )
