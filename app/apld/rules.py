"""Pure rules of APLD agreements and their authorizations (R35–R38). No I/O; dates passed in,
the dates, delays and caps read from app/apld/parameters.toml."""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from app.apld.models import AgreementStatus, AgreementType, NeutralisationBasis
from app.apld.table import ApldTable, apld_table
from app.core.clock import PARIS
from app.core.dates import add_months, paris_date

DECIDED = {
    AgreementStatus.validated,
    AgreementStatus.homologated,
    AgreementStatus.validated_implicitly,
    AgreementStatus.homologated_implicitly,
}
# "30 %", "30", "30.5 % des salariés": a share of the staff alone does not say who is covered
_BARE_PERCENTAGE = re.compile(
    r"\d+(?:[.,]\d+)?\s*(?:%|pour ?cent|percent)"
    r"(?:\s*(?:des|du|de l'|of|of the)?\s*(?:salariés|effectifs?|personnel|staff|employees))?\.?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    type: str


# --- R35: completeness and entry deadline ---------------------------------------------------


def entry_deadline(on: date, table: ApldTable | None = None) -> date:
    """R35: the last day to file an agreement, as it stood on `on` (2022-06-30, then 2022-12-31
    from the ordinance of 13 April 2022)."""
    return (table or apld_table()).entry_deadline(on)


def bare_percentage(text: str) -> bool:
    return bool(_BARE_PERCENTAGE.fullmatch(text.strip()))


def missing_for_filing(
    *,
    type: AgreementType | None,
    establishments: int,
    start_on: date | None,
    duration_months: int | None,
    max_reduction: Decimal | None,
    activities: str | None,
    employees_covered: str | None,
    diagnostic: str | None,
    commitments: str | None,
    information: str | None,
    has_cse: bool | None,
    has_document: bool,
    has_cse_opinion: bool,
    table: ApldTable | None = None,
) -> list[Problem]:
    """Every missing or inconsistent item at once (R35, as R11)."""
    rules = (table or apld_table()).rules
    problems: list[Problem] = []

    def need(field: str, value: object) -> None:
        if value is None or value == "" or value is False or value == 0:
            problems.append(Problem(field, "required to file (R35)", "missing"))

    need("type", type)
    need("establishment_ids", establishments)
    need("start_on", start_on)
    need("duration_months", duration_months)
    need("max_reduction", max_reduction)
    need("activities", activities)
    need("employees_covered", employees_covered)
    need("diagnostic", diagnostic)
    need("commitments", commitments)
    need("information", information)
    need("document", has_document)
    if type == AgreementType.unilateral_document:
        if has_cse is None:
            need("has_cse", has_cse)
        elif has_cse:
            need("cse_opinion", has_cse_opinion)
    if start_on is not None and start_on < rules.first_month:
        problems.append(
            Problem(
                "start_on",
                f"APLD hours exist from {rules.first_month:%Y-%m} on (R35)",
                "apld_not_yet",
            )
        )
    if employees_covered and bare_percentage(employees_covered):
        problems.append(
            Problem(
                "employees_covered",
                "a bare staff percentage is not enough: say which activities and employees (R35)",
                "employees_percentage_only",
            )
        )
    return problems


# --- R36: decisions ---------------------------------------------------------------------------


def silence_days(agreement_type: AgreementType | None, table: ApldTable | None = None) -> int:
    rules = (table or apld_table()).rules
    if agreement_type == AgreementType.unilateral_document:
        return rules.homologation_silence_days
    return rules.validation_silence_days


def tacit_decision_at(
    filed_at: datetime, agreement_type: AgreementType | None, table: ApldTable | None = None
) -> datetime:
    """R36: filing is taken as receipt of the complete file; silence decides after 15 days
    (validation) or 21 (homologation), at the same time of day."""
    return filed_at.astimezone(UTC) + timedelta(days=silence_days(agreement_type, table))


def positive_outcome(agreement_type: AgreementType | None) -> AgreementStatus:
    if agreement_type == AgreementType.unilateral_document:
        return AgreementStatus.homologated
    return AgreementStatus.validated


def effective_status(
    status: str, agreement_type: AgreementType | None, tacit_at: datetime | None, now: datetime
) -> AgreementStatus:
    if status == AgreementStatus.filed and tacit_at is not None and now >= tacit_at:
        if agreement_type == AgreementType.unilateral_document:
            return AgreementStatus.homologated_implicitly
        return AgreementStatus.validated_implicitly
    return AgreementStatus(status)


def status_on(
    status: str, agreement_type: AgreementType | None, tacit_at: datetime | None, day: date
) -> AgreementStatus:
    """The status as it stood at the start of `day` (R17: a decision dated before silence
    took effect precedes the tacit one, even when recorded later)."""
    return effective_status(
        status, agreement_type, tacit_at, datetime.combine(day, time.min, PARIS)
    )


def allowed_outcomes(before: AgreementStatus, agreement_type: AgreementType | None) -> set[str]:
    """A filed agreement may be decided either way; after silence, only the explicit
    confirmation of the same outcome; validated, homologated and refused are final."""
    positive = positive_outcome(agreement_type).value
    if before == AgreementStatus.filed:
        return {positive, AgreementStatus.refused.value}
    if before in (AgreementStatus.validated_implicitly, AgreementStatus.homologated_implicitly):
        return {positive}
    return set()


def decision_day(
    status: str,
    agreement_type: AgreementType | None,
    tacit_at: datetime | None,
    decided_on: date | None,
    now: datetime,
) -> date | None:
    """The day the agreement was validated or homologated: the explicit decision's, or the day
    silence took effect when no decision came before it; None unless decided positively."""
    effective = effective_status(status, agreement_type, tacit_at, now)
    if effective not in DECIDED:
        return None
    if tacit_at is not None and (decided_on is None or decided_on > paris_date(tacit_at)):
        return paris_date(tacit_at)
    return decided_on


def granted_reduction(
    max_reduction: Decimal | None,
    reduction_granted: bool | None,
    explicit: bool,
    table: ApldTable | None = None,
) -> Decimal | None:
    """R35: above 40 % only if the decision grants it; silence grants what was asked."""
    if max_reduction is None:
        return None
    base = ((table or apld_table()).rules.base_max_reduction * 100).quantize(Decimal("0.01"))
    if max_reduction <= base or not explicit or reduction_granted:
        return max_reduction
    return base


# --- R38: neutralised months, durations and caps ----------------------------------------------


def neutralisation_applies(
    decided_on: date | None,
    basis: NeutralisationBasis | None,
    table: ApldTable | None = None,
) -> tuple[bool, bool]:
    """(applies, automatic): automatic for agreements decided from the (uncertain) day of
    mid-December 2020; earlier ones only with a recorded amendment or stop of activity."""
    if decided_on is None:
        return False, False
    automatic = decided_on >= (table or apld_table()).rules.neutralised_automatic_from
    return automatic or basis is not None, automatic


def is_neutralised(month: date, table: ApldTable | None = None) -> bool:
    rules = (table or apld_table()).rules
    return rules.neutralised_from <= month.replace(day=1) <= rules.neutralised_to


def extended_end(
    start: date, months: int, neutralise: bool, table: ApldTable | None = None
) -> date:
    """The last day of `months` months from `start`, neutralised months not counted (R38): each
    month from the start whose calendar month is neutralised adds one at the end."""
    counted = walked = 0
    while counted < months:
        if not (neutralise and is_neutralised(add_months(start, walked), table)):
            counted += 1
        walked += 1
    return add_months(start, walked) - timedelta(days=1)


def calendar_months(periods: Iterable[tuple[date, date]]) -> set[date]:
    months: set[date] = set()
    for start, end in periods:
        month = start.replace(day=1)
        while month <= end:
            months.add(month)
            month = add_months(month, 1)
    return months


def months_used(
    periods: Iterable[tuple[date, date]], neutralise: bool, table: ApldTable | None = None
) -> int:
    """R38: authorized calendar months, consecutive or not, neutralised ones left out."""
    return sum(1 for m in calendar_months(periods) if not (neutralise and is_neutralised(m, table)))


def authorization_end(start: date, agreement_end: date, table: ApldTable | None = None) -> date:
    """R37: 6 months from `start`, never past the agreement's duration (R38)."""
    months = (table or apld_table()).rules.authorization_months
    return min(add_months(start, months) - timedelta(days=1), agreement_end)


@dataclass(frozen=True)
class RenewalPlan:
    start_on: date
    end_on: date
    cap_months: int
    window_months: int


@dataclass(frozen=True)
class RenewalRefusal:
    rule: str  # the error code the service raises
    message: str


def plan_renewal(
    *,
    bilan_on: date,
    current: tuple[date, date],
    first_start: date,
    authorized: Sequence[tuple[date, date]],
    agreement_end: date,
    neutralise: bool,
    table: ApldTable | None = None,
) -> RenewalPlan | RenewalRefusal:
    """R37, R38: the next 6 months after the current authorization, if the bilan comes before
    it ends and the cap in force on the filing date and the agreement's duration allow them."""
    t = table or apld_table()
    if bilan_on > current[1]:
        return RenewalRefusal(
            "bilan_too_late",
            f"the bilan is filed before the current authorization ends ({current[1]}); filed on "
            f"{bilan_on} (R37)",
        )
    start = current[1] + timedelta(days=1)
    if start > agreement_end:
        return RenewalRefusal(
            "apld_duration_exceeded",
            f"the agreement's duration ends on {agreement_end}: no authorization after it (R38)",
        )
    cap = t.duration_cap(bilan_on)
    window_end = extended_end(first_start, cap.window_months, neutralise, t)
    end = min(authorization_end(start, agreement_end, t), window_end)
    used = months_used([*authorized, (start, end)], neutralise, t)
    if start > window_end or used > cap.months:
        return RenewalRefusal(
            "apld_cap_exceeded",
            f"at most {cap.months} authorized months within {cap.window_months} from "
            f"{first_start} (until {window_end}) for a renewal filed on {bilan_on}; this one "
            f"would make {used} (R38)",
        )
    return RenewalPlan(start, end, cap.months, cap.window_months)
