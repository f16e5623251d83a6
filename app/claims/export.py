"""The claim export: a documented CSV (French spreadsheets: `;` and decimal comma) or JSON."""

import csv
import io
from decimal import Decimal
from enum import StrEnum

from app.claims.models import ClaimPublic
from app.errors import InvalidInput

COLUMNS = (
    "employee_ref", "employee_name", "nir", "regime", "contract_hours", "hours_not_worked",
    "hourly_rate", "capped_hourly_rate", "indemnity_per_hour", "allocation_per_hour",
    "indemnity_amount", "allocation_amount",
    # R27–R34, appended so that the columns above keep their places
    "category", "absence_reason", "specific_absence_days", "half_days_not_worked",
    "days_not_worked", "weeks_not_worked", "leave_days", "overtime_basis",
    "overtime_basis_signed_on", "usual_net_hourly_pay", "net_pay_for_hours_worked",
    "indemnity_base", "declared_hours", "declared_hourly_rate", "rmm_complement", "applied",
    "warnings",
)  # fmt: skip


class ExportFormat(StrEnum):
    csv = "csv"
    json = "json"


class Separator(StrEnum):
    semicolon = ";"
    comma = ","
    tab = "\t"


class DecimalMark(StrEnum):
    point = "point"
    comma = "comma"


# What a spreadsheet reads as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object, decimal_mark: DecimalMark) -> str:
    """A number as a number (a negative amount stays one); text that a spreadsheet would take
    for a formula (an employee named `=HYPERLINK(…)`) behind a quote, which keeps it text."""
    if isinstance(value, Decimal | int):
        text = str(value)
        return text.replace(".", ",") if decimal_mark == DecimalMark.comma else text
    if isinstance(value, list):
        value = "|".join(str(v) for v in value)  # codes such as `applied`, one cell
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def to_csv(claim: ClaimPublic, *, separator: Separator, decimal_mark: DecimalMark) -> str:
    if separator == Separator.comma and decimal_mark == DecimalMark.comma:
        raise InvalidInput(
            "decimal", "a decimal comma needs a `;` or tab separator", location="query"
        )

    def cell(value: object) -> str:
        return csv_cell(value, decimal_mark)

    out = io.StringIO()
    writer = csv.writer(out, delimiter=separator.value, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for line in claim.lines:
        data = line.model_dump()
        writer.writerow([cell(data[c]) for c in COLUMNS])
    totals = {
        "employee_ref": "TOTAL",
        "hours_not_worked": claim.total_hours,
        "indemnity_amount": claim.total_indemnity,
        "allocation_amount": claim.total_allocation,
    }
    writer.writerow([cell(totals.get(c)) for c in COLUMNS])
    return out.getvalue()


def export_csv(claim: ClaimPublic, separator: Separator, decimal_mark: DecimalMark) -> bytes:
    """The CSV document as sent (UTF-8)."""
    return to_csv(claim, separator=separator, decimal_mark=decimal_mark).encode("utf-8")
