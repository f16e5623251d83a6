"""Pure rules of the authorization request (DAP): R11–R18, R21. No I/O; dates passed in."""

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from app.authorizations.errors import IncompleteDecision
from app.authorizations.models import (
    Amendment,
    AmendmentStatus,
    AuthorizationRequest,
    AuthorizedTerms,
    CseStatus,
    Decision,
    Motive,
    RequestStatus,
)
from app.core.clock import PARIS
from app.core.dates import add_months, month_end, not_in_future, paris_date
from app.errors import FieldError, InvalidInput, InvalidTransition

LATE_FILING_MOTIVES = {Motive.disaster_or_weather, Motive.exceptional_circumstances}
LIVE = {RequestStatus.draft, RequestStatus.filed, RequestStatus.accepted}
CSE_HEADCOUNT = 50
CSE_DEFERRAL_MONTHS = 2
APPEAL_MONTHS = 2
SIX_IN_TWELVE_FROM = date(2021, 7, 1)
SIX_MONTHS = Fraction(6)
MAX_DAYS_IN_SIX_MONTHS = 186  # six months of 31 days


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    type: str


# --- R11: completeness ---------------------------------------------------------------------


def capacity_hours(employees: int, weekly_hours: Decimal, start_on: date, end_on: date) -> Decimal:
    """Employees × weekly hours × weeks of the period: the most hours that can be not worked."""
    days = (end_on - start_on).days + 1
    return Decimal(employees) * weekly_hours * Decimal(days) / Decimal(7)


def missing_for_filing(
    *,
    motive: Motive | None,
    sub_motive: object,
    scope: object,
    start_on: date | None,
    end_on: date | None,
    employees_concerned: int | None,
    weekly_hours: Decimal | None,
    forecast_hours: Decimal | None,
    justification: str | None,
    previous_use: bool | None,
    commitments: str | None,
) -> list[Problem]:
    """Every missing or inconsistent field at once (R11)."""
    problems = []

    def need(field: str, value: object) -> None:
        if value is None or value == "":
            problems.append(Problem(field, "required to file (R11)", "missing"))

    need("motive", motive)
    if motive == Motive.exceptional_circumstances:
        need("sub_motive", sub_motive)
    need("scope", scope)
    need("start_on", start_on)
    need("end_on", end_on)
    need("employees_concerned", employees_concerned)
    need("weekly_hours", weekly_hours)
    need("forecast_hours", forecast_hours)
    need("justification", justification)
    need("previous_use", previous_use)
    if previous_use:
        need("commitments", commitments)
    if start_on and end_on and end_on < start_on:
        problems.append(Problem("end_on", "must not precede start_on", "period_inverted"))
    elif start_on and end_on and employees_concerned and weekly_hours and forecast_hours:
        cap = capacity_hours(employees_concerned, weekly_hours, start_on, end_on)
        if forecast_hours > cap:
            problems.append(
                Problem(
                    "forecast_hours",
                    f"above employees × weekly hours × weeks of the period ({cap:.2f} h) (R11)",
                    "forecast_above_capacity",
                )
            )
    return problems


# --- R12: filing window --------------------------------------------------------------------

SPRING_2020_TOLERANCE = date(2020, 4, 30)


def filing_deadline(motive: Motive | None, start_on: date) -> date:
    deadline = start_on + timedelta(days=30) if motive in LATE_FILING_MOTIVES else start_on
    if date(2020, 3, 1) <= start_on <= date(2020, 4, 30):
        deadline = max(deadline, SPRING_2020_TOLERANCE)
    return deadline


# --- R13: length ---------------------------------------------------------------------------


def max_months(motive: Motive | None, start_on: date) -> int:
    if start_on < date(2020, 3, 1):
        return 6
    if start_on <= date(2021, 6, 30):
        return 12
    return 6 if motive == Motive.disaster_or_weather else 3


def latest_end(motive: Motive | None, start_on: date) -> date:
    return add_months(start_on, max_months(motive, start_on)) - timedelta(days=1)


def _month_fractions(intervals: Iterable[tuple[date, date]]) -> dict[date, Fraction]:
    """Covered share of each calendar month (first day -> covered days / days in the month)."""
    shares: dict[date, Fraction] = {}
    for start, end in intervals:
        day = start
        while day <= end:
            first = day.replace(day=1)
            last = month_end(day)
            covered = (min(end, last) - day).days + 1
            shares[first] = shares.get(first, Fraction(0)) + Fraction(covered, last.day)
            day = last + timedelta(days=1)
    return shares


def six_in_twelve_excess(
    new: tuple[date, date], others: Iterable[tuple[date, date]]
) -> tuple[date, str] | None:
    """R13 from July 2021: at most 6 months authorized over any 12 consecutive months for the
    establishment; days before 2021-07-01 do not count. Two measures, both must hold:
    every run of 12 calendar months holds at most 6 months (a partly covered month counts for
    its share of days), and no 12 consecutive months from any day hold more days than the longest
    6 months can (186). Returns (start of the window, what it holds) of a window over the limit."""
    floor = SIX_IN_TWELVE_FROM
    if new[1] < floor:
        return None
    # Overlapping periods count once: take the union of the days first.
    days: set[int] = set()
    for start, end in (new, *others):
        if end >= floor:
            days.update(range(max(start, floor).toordinal(), end.toordinal() + 1))
    runs: list[tuple[date, date]] = []
    for ordinal in sorted(days):
        day = date.fromordinal(ordinal)
        if runs and runs[-1][1] == day - timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    shares = _month_fractions(runs)
    new_first = max(new[0], floor).replace(day=1)
    window = add_months(new_first, -11)
    while window <= new[1]:
        used = sum((shares.get(add_months(window, k), Fraction(0)) for k in range(12)), Fraction(0))
        if used > SIX_MONTHS:
            return window, f"{float(used):.2f} months"
        window = add_months(window, 1)
    ordinals = sorted(days)
    start = max(floor, add_months(max(new[0], floor), -12) + timedelta(days=1))
    for offset in range((new[1] - start).days + 1):
        first = start + timedelta(days=offset)
        last = add_months(first, 12) - timedelta(days=1)
        held = bisect_right(ordinals, last.toordinal()) - bisect_left(ordinals, first.toordinal())
        if held > MAX_DAYS_IN_SIX_MONTHS:
            return first, f"{held} days"
    return None


# --- R14: overlap --------------------------------------------------------------------------


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


HOLDING_AMENDMENTS = {AmendmentStatus.filed, AmendmentStatus.accepted}


def held_end(end_on: date, amendments: Iterable[Amendment]) -> date:
    """R14, R18: the end a request holds: its own, or a later one that a filed (still pending,
    or accepted by silence) or accepted amendment asks for. Only a refusal frees it."""
    asked = [a.end_on for a in amendments if a.end_on and a.status in HOLDING_AMENDMENTS]
    return max([end_on, *asked])


# --- R15: CSE ------------------------------------------------------------------------------


def cse_problem(
    *,
    headcount: int,
    motive: Motive | None,
    status: CseStatus | None,
    consulted_on: date | None,
    opinion: object,
    filed_on: date,
) -> str | None:
    if headcount < CSE_HEADCOUNT:
        return None
    if status is None or status == CseStatus.not_required:
        return f"the company has {headcount} employees: the CSE opinion is required (R15)"
    if status == CseStatus.deferred:
        if motive not in LATE_FILING_MOTIVES:
            return "the CSE opinion can be deferred only for motives 3 and 5 (R15)"
        return None
    if consulted_on is None or opinion is None:
        return "a given CSE opinion needs its date and its opinion (R15)"
    if consulted_on > filed_on:
        return f"the CSE was consulted on {consulted_on}, after the filing (R15)"
    return None


def cse_due_on(filed_on: date) -> date:
    return add_months(filed_on, CSE_DEFERRAL_MONTHS)


# --- R16, R17: decisions -------------------------------------------------------------------


def implicit_acceptance_at(filed_at: datetime) -> datetime:
    filed_on = paris_date(filed_at)
    days = 2 if date(2020, 3, 1) <= filed_on <= date(2020, 9, 30) else 15
    return filed_at.astimezone(UTC) + timedelta(days=days)


def effective_status(status: str, implicit_at: datetime | None, now: datetime) -> RequestStatus:
    if status == RequestStatus.filed and implicit_at is not None and now >= implicit_at:
        return RequestStatus.accepted_implicitly
    return RequestStatus(status)


def allowed_outcomes(effective: RequestStatus) -> set[str]:
    """Refused and invalidated are final; invalidation may follow an acceptance (R17)."""
    if effective == RequestStatus.filed:
        return {"accepted", "refused", "invalidated"}
    if effective == RequestStatus.accepted_implicitly:
        return {"accepted", "invalidated"}
    if effective == RequestStatus.accepted:
        return {"invalidated"}
    return set()


def appeal_until(decided_on: date) -> date:
    return add_months(decided_on, APPEAL_MONTHS)


# --- R21: claim time bar -------------------------------------------------------------------


def claim_time_bar(authorization_end: date) -> date:
    months = 12 if authorization_end < date(2020, 7, 1) else 6
    return add_months(authorization_end, months)


def apart_claims_close(authorization_end: date) -> date:
    """R21: APART stops taking claims 6 months after the authorization's end in every case;
    later claims within a 12-month time bar need it unblocked through the ASP hotline."""
    return add_months(authorization_end, 6)


# --- R22: annual quota ---------------------------------------------------------------------


def annual_quota(year: int) -> Decimal:
    return Decimal(1607) if year in (2020, 2021) else Decimal(1000)


# --- terms and decisions (R16–R19) --------------------------------------------------------


def _effective_amendment(a: Amendment, now: datetime) -> str:
    return effective_status(a.status, a.implicit_acceptance_at, now)


def authorized_terms(
    request: AuthorizationRequest, amendments: Sequence[Amendment], now: datetime
) -> AuthorizedTerms | None:
    """What the decision (or silence, R16) authorizes, plus accepted amendments (R18)."""
    status = effective_status(request.status, request.implicit_acceptance_at, now)
    if status not in (RequestStatus.accepted, RequestStatus.accepted_implicitly):
        return None
    assert request.start_on and request.end_on
    explicit = status == RequestStatus.accepted
    hours = request.authorized_hours if explicit else request.forecast_hours
    employees = request.authorized_employees if explicit else request.employees_concerned
    assert hours is not None and employees is not None
    end = request.end_on
    for a in amendments:
        a_status = _effective_amendment(a, now)
        if a_status == AmendmentStatus.accepted:
            hours += a.authorized_hours or 0
            employees += a.authorized_employees or 0
        elif a_status == AmendmentStatus.accepted_implicitly:
            hours += a.additional_hours
            employees += a.additional_employees
        else:
            continue
        if a.end_on and a.end_on > end:
            end = a.end_on
    return AuthorizedTerms(start_on=request.start_on, end_on=end, hours=hours, employees=employees)


def status_on(status: str, implicit_at: datetime | None, day: date) -> RequestStatus:
    """The status as it stood on `day` (a decision dated before silence took effect precedes
    the implicit acceptance, even when it is recorded later)."""
    start_of_day = datetime.combine(day, time.min, PARIS)
    return effective_status(status, implicit_at, start_of_day)


def validate_decision(
    data: Decision,
    *,
    status: str,
    implicit_at: datetime | None,
    filed_at: datetime | None,
    requested_hours: Any,
    requested_employees: Any,
    resource: str,
    today: date,
    previous_decision_on: date | None = None,
) -> date:
    decided_on = data.decided_on or today
    not_in_future("decided_on", decided_on, today)
    if filed_at is None:
        raise InvalidTransition(resource, status, f"decided ({data.outcome})")
    if decided_on < paris_date(filed_at):
        raise InvalidInput(
            "decided_on",
            f"a decision is never dated before the filing ({paris_date(filed_at)}) (R17)",
        )
    if previous_decision_on is not None and decided_on < previous_decision_on:
        raise InvalidInput(
            "decided_on", f"precedes the decision already recorded ({previous_decision_on})"
        )
    before = status_on(status, implicit_at, decided_on)
    if data.outcome not in allowed_outcomes(before):
        raise InvalidTransition(resource, before, f"{data.outcome} (R17)")
    if data.outcome == "accepted":
        errors = []
        for field in ("decision_number", "authorized_hours", "authorized_employees"):
            if getattr(data, field) is None:
                errors.append(
                    FieldError(
                        location="body",
                        field=field,
                        type="missing",
                        message="required for an acceptance (R17)",
                    )
                )
        if errors:
            raise IncompleteDecision(errors)
        if requested_hours is not None and data.authorized_hours > requested_hours:
            raise InvalidInput("authorized_hours", f"more than the {requested_hours} h requested")
        if requested_employees is not None and data.authorized_employees > requested_employees:
            raise InvalidInput(
                "authorized_employees", f"more than the {requested_employees} employees requested"
            )
    elif not data.reason:
        raise InvalidInput(
            "reason", f"required for a decision '{data.outcome}' (R17)", type="missing"
        )
    return decided_on


def accepted_by(request: AuthorizationRequest, day: date) -> bool:
    """Whether the request stood accepted on `day` (R19): by a decision dated on or before it,
    or by silence (R16) when no decision came before the implicit acceptance."""
    if request.status not in (RequestStatus.filed, RequestStatus.accepted):
        return False
    if request.decided_on is not None and request.decided_on <= day:
        return request.status == RequestStatus.accepted
    if request.implicit_acceptance_at is None:
        return False
    silence_on = paris_date(request.implicit_acceptance_at)
    decided_first = request.decided_on is not None and request.decided_on < silence_on
    return silence_on <= day and not decided_first
