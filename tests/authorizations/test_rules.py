"""Pure rules of the authorization request (DAP): R11–R17, R21, R22.

Every expected value below is written out by hand from shared/DOMAIN.md (rules R11–R22 and
the "Other parameters" paragraph); none is computed with the code under test.
"""

import calendar
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from app.authorizations.models import (
    ActivityScope,
    Amendment,
    AmendmentStatus,
    CseOpinion,
    CseStatus,
    Motive,
    RequestStatus,
)
from app.authorizations.rules import (
    allowed_outcomes,
    annual_quota,
    appeal_until,
    claim_time_bar,
    cse_due_on,
    cse_problem,
    effective_status,
    filing_deadline,
    held_end,
    implicit_acceptance_at,
    latest_end,
    max_months,
    missing_for_filing,
    overlaps,
    six_in_twelve_excess,
)

d = date.fromisoformat
t = datetime.fromisoformat

M1 = Motive.economic_downturn
M2 = Motive.supply_difficulties
M3 = Motive.disaster_or_weather
M4 = Motive.restructuring
M5 = Motive.exceptional_circumstances


# --- R11: completeness ---------------------------------------------------------------------

COMPLETE = {
    "motive": M1,
    "sub_motive": None,
    "scope": ActivityScope.reduction_whole,
    "start_on": d("2021-01-04"),
    "end_on": d("2021-01-31"),
    "employees_concerned": 10,
    "weekly_hours": Decimal("35"),
    "forecast_hours": Decimal("1000"),
    "justification": "Orders down by 40 % since January",
    "previous_use": False,
    "commitments": None,
}


def problems(**overrides: object) -> list[tuple[str, str]]:
    found = missing_for_filing(**{**COMPLETE, **overrides})  # type: ignore[arg-type]
    return sorted((p.field, p.type) for p in found)


def missing(*fields: str) -> list[tuple[str, str]]:
    return sorted((field, "missing") for field in fields)


def test_r11_complete_request_has_no_problem() -> None:
    assert problems() == []


def test_r11_every_missing_field_is_listed_at_once() -> None:
    nothing = dict.fromkeys(COMPLETE)
    assert problems(**nothing) == missing(
        "motive",
        "scope",
        "start_on",
        "end_on",
        "employees_concerned",
        "weekly_hours",
        "forecast_hours",
        "justification",
        "previous_use",
    )


def test_r11_every_missing_field_is_listed_at_once_with_motive_5_and_previous_use() -> None:
    nothing = dict.fromkeys(COMPLETE)
    assert problems(**{**nothing, "motive": M5, "previous_use": True}) == missing(
        "sub_motive",
        "scope",
        "start_on",
        "end_on",
        "employees_concerned",
        "weekly_hours",
        "forecast_hours",
        "justification",
        "commitments",
    )


def test_r11_empty_justification_is_missing() -> None:
    assert problems(justification="") == missing("justification")


@pytest.mark.parametrize(
    ("motive", "sub_motive", "expected"),
    [
        pytest.param(M1, None, [], id="motive_1_needs_no_sub_motive"),
        pytest.param(M2, None, [], id="motive_2_needs_no_sub_motive"),
        pytest.param(M3, None, [], id="motive_3_needs_no_sub_motive"),
        pytest.param(M4, None, [], id="motive_4_needs_no_sub_motive"),
        pytest.param(M5, None, missing("sub_motive"), id="motive_5_without_sub_motive"),
        pytest.param(M5, "", missing("sub_motive"), id="motive_5_with_empty_sub_motive"),
        pytest.param(M5, "coronavirus", [], id="motive_5_with_sub_motive_coronavirus"),
    ],
)
def test_r11_sub_motive_is_required_only_for_exceptional_circumstances(
    motive: Motive, sub_motive: object, expected: list[tuple[str, str]]
) -> None:
    assert problems(motive=motive, sub_motive=sub_motive) == expected


@pytest.mark.parametrize(
    ("previous_use", "commitments", "expected"),
    [
        pytest.param(True, None, missing("commitments"), id="previous_use_without_commitments"),
        pytest.param(True, "", missing("commitments"), id="previous_use_with_empty_commitments"),
        pytest.param(True, "Training plan", [], id="previous_use_with_commitments"),
        pytest.param(False, None, [], id="no_previous_use_needs_no_commitments"),
        pytest.param(None, None, missing("previous_use"), id="previous_use_unknown_is_missing"),
    ],
)
def test_r11_commitments_are_required_only_when_partial_activity_was_used_before(
    previous_use: bool | None, commitments: str | None, expected: list[tuple[str, str]]
) -> None:
    assert problems(previous_use=previous_use, commitments=commitments) == expected


OVER_CAPACITY = [("forecast_hours", "forecast_above_capacity")]


@pytest.mark.parametrize(
    ("employees", "weekly_hours", "start_on", "end_on", "forecast_hours", "expected"),
    [
        # 10 × 35 h × 28 days / 7 = 1,400 h
        pytest.param(10, "35", "2021-01-04", "2021-01-31", "1400", [], id="4_weeks_exactly_cap"),
        pytest.param(
            10, "35", "2021-01-04", "2021-01-31", "1400.01", OVER_CAPACITY, id="4_weeks_above_cap"
        ),
        # 1 × 35 h × 1 day / 7 = 5 h
        pytest.param(1, "35", "2021-03-01", "2021-03-01", "5", [], id="1_day_exactly_cap"),
        pytest.param(1, "35", "2021-03-01", "2021-03-01", "5.01", OVER_CAPACITY, id="1_day_above"),
        # 3 × 39 h × 10 days / 7 = 167.142857… h
        pytest.param(3, "39", "2021-03-01", "2021-03-10", "167.14", [], id="10_days_below_cap"),
        pytest.param(
            3, "39", "2021-03-01", "2021-03-10", "167.15", OVER_CAPACITY, id="10_days_above_cap"
        ),
        # 2 × 35 h × 29 days (February of a leap year) / 7 = 290 h
        pytest.param(2, "35", "2020-02-01", "2020-02-29", "290", [], id="leap_february_at_cap"),
        pytest.param(
            2, "35", "2020-02-01", "2020-02-29", "290.01", OVER_CAPACITY, id="leap_february_above"
        ),
    ],
)
def test_r11_forecast_hours_at_most_employees_times_weekly_hours_times_weeks(
    employees: int,
    weekly_hours: str,
    start_on: str,
    end_on: str,
    forecast_hours: str,
    expected: list[tuple[str, str]],
) -> None:
    assert (
        problems(
            employees_concerned=employees,
            weekly_hours=Decimal(weekly_hours),
            start_on=d(start_on),
            end_on=d(end_on),
            forecast_hours=Decimal(forecast_hours),
        )
        == expected
    )


def test_r11_end_before_start_is_refused() -> None:
    assert problems(start_on=d("2021-03-10"), end_on=d("2021-03-09")) == [
        ("end_on", "period_inverted")
    ]


def test_r11_end_on_start_day_is_a_one_day_period() -> None:
    # 10 × 35 h × 1 day / 7 = 50 h
    assert (
        problems(start_on=d("2021-03-10"), end_on=d("2021-03-10"), forecast_hours=Decimal("50"))
        == []
    )


# --- R12: filing window --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("motive", "start_on", "deadline"),
    [
        pytest.param(M1, "2021-09-15", "2021-09-15", id="motive_1_on_start_date"),
        pytest.param(M2, "2021-09-15", "2021-09-15", id="motive_2_on_start_date"),
        pytest.param(M4, "2021-09-15", "2021-09-15", id="motive_4_on_start_date"),
        pytest.param(M3, "2021-09-15", "2021-10-15", id="motive_3_30_days_after_start"),
        pytest.param(M5, "2021-09-15", "2021-10-15", id="motive_5_30_days_after_start"),
        pytest.param(M3, "2021-12-15", "2022-01-14", id="motive_3_30_days_across_new_year"),
        pytest.param(M5, "2021-02-10", "2021-03-12", id="motive_5_30_days_across_february"),
        # spring 2020: start dates in March or April 2020 may be filed until 2020-04-30
        pytest.param(M1, "2020-02-29", "2020-02-29", id="motive_1_start_2020_02_29_no_tolerance"),
        pytest.param(M3, "2020-02-29", "2020-03-30", id="motive_3_start_2020_02_29_no_tolerance"),
        pytest.param(M1, "2020-03-01", "2020-04-30", id="motive_1_start_2020_03_01_tolerance"),
        pytest.param(M1, "2020-03-16", "2020-04-30", id="motive_1_start_2020_03_16_tolerance"),
        pytest.param(M2, "2020-04-15", "2020-04-30", id="motive_2_start_2020_04_15_tolerance"),
        pytest.param(M4, "2020-04-30", "2020-04-30", id="motive_4_start_2020_04_30_tolerance"),
        pytest.param(M3, "2020-03-01", "2020-04-30", id="motive_3_tolerance_later_than_30_days"),
        pytest.param(M5, "2020-03-31", "2020-04-30", id="motive_5_tolerance_equals_30_days"),
        pytest.param(M5, "2020-04-01", "2020-05-01", id="motive_5_30_days_later_than_tolerance"),
        pytest.param(M5, "2020-04-20", "2020-05-20", id="motive_5_start_2020_04_20"),
        pytest.param(M3, "2020-04-30", "2020-05-30", id="motive_3_start_2020_04_30"),
        pytest.param(M1, "2020-05-01", "2020-05-01", id="motive_1_start_2020_05_01_no_tolerance"),
        pytest.param(M5, "2020-05-01", "2020-05-31", id="motive_5_start_2020_05_01_no_tolerance"),
    ],
)
def test_r12_filing_deadline(motive: Motive, start_on: str, deadline: str) -> None:
    assert filing_deadline(motive, d(start_on)) == d(deadline)


# --- R13: length ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("motive", "start_on", "months"),
    [
        pytest.param(M1, "2019-06-01", 6, id="start_2019_06_01_is_6_months"),
        pytest.param(M1, "2020-02-29", 6, id="start_2020_02_29_is_6_months"),
        pytest.param(M3, "2020-02-29", 6, id="start_2020_02_29_motive_3_is_6_months"),
        pytest.param(M1, "2020-03-01", 12, id="start_2020_03_01_is_12_months"),
        pytest.param(M3, "2020-03-01", 12, id="start_2020_03_01_motive_3_is_12_months"),
        pytest.param(M1, "2021-06-30", 12, id="start_2021_06_30_is_12_months"),
        pytest.param(M5, "2021-06-30", 12, id="start_2021_06_30_motive_5_is_12_months"),
        pytest.param(M1, "2021-07-01", 3, id="start_2021_07_01_motive_1_is_3_months"),
        pytest.param(M2, "2021-07-01", 3, id="start_2021_07_01_motive_2_is_3_months"),
        pytest.param(M4, "2021-07-01", 3, id="start_2021_07_01_motive_4_is_3_months"),
        pytest.param(M5, "2021-07-01", 3, id="start_2021_07_01_motive_5_is_3_months"),
        pytest.param(M3, "2021-07-01", 6, id="start_2021_07_01_motive_3_is_6_months"),
        pytest.param(M1, "2022-05-01", 3, id="start_2022_05_01_motive_1_is_3_months"),
        pytest.param(M3, "2022-05-01", 6, id="start_2022_05_01_motive_3_is_6_months"),
    ],
)
def test_r13_max_months(motive: Motive, start_on: str, months: int) -> None:
    assert max_months(motive, d(start_on)) == months


# A period of N months starting on day D ends at the latest the day before D + N months (month-end
# clamped): ending on that day itself would add a day to N months (e.g. 2021-11-30 → 2022-02-28
# holds all of December, January and February plus 30 November: more than 3 months).
@pytest.mark.parametrize(
    ("motive", "start_on", "last_day"),
    [
        pytest.param(M1, "2020-01-31", "2020-07-30", id="start_2020_01_31_6_months"),
        pytest.param(M1, "2020-02-29", "2020-08-28", id="start_2020_02_29_6_months"),
        pytest.param(M1, "2020-03-01", "2021-02-28", id="start_2020_03_01_12_months"),
        pytest.param(M1, "2020-03-16", "2021-03-15", id="start_2020_03_16_12_months"),
        pytest.param(M5, "2021-06-30", "2022-06-29", id="start_2021_06_30_12_months"),
        pytest.param(M1, "2021-07-01", "2021-09-30", id="start_2021_07_01_motive_1_3_months"),
        pytest.param(M3, "2021-07-01", "2021-12-31", id="start_2021_07_01_motive_3_6_months"),
        pytest.param(M1, "2021-10-31", "2022-01-30", id="start_2021_10_31_3_months"),
        pytest.param(M1, "2021-11-30", "2022-02-27", id="start_2021_11_30_clamped_to_february"),
        pytest.param(M1, "2021-12-01", "2022-02-28", id="start_2021_12_01_whole_months"),
        pytest.param(M3, "2021-08-31", "2022-02-27", id="start_2021_08_31_motive_3_clamped"),
        pytest.param(M1, "2023-11-30", "2024-02-28", id="start_2023_11_30_leap_february"),
        pytest.param(M1, "2023-12-01", "2024-02-29", id="start_2023_12_01_leap_february"),
    ],
)
def test_r13_latest_end(motive: Motive, start_on: str, last_day: str) -> None:
    assert latest_end(motive, d(start_on)) == d(last_day)


JUL_SEP_2021 = ("2021-07-01", "2021-09-30")
JAN_MAR_2022 = ("2022-01-01", "2022-03-31")


def span(pair: tuple[str, str]) -> tuple[date, date]:
    return d(pair[0]), d(pair[1])


@pytest.mark.parametrize(
    ("new", "others", "refused"),
    [
        pytest.param(JUL_SEP_2021, [], False, id="single_3_month_period"),
        pytest.param(
            ("2021-07-01", "2021-12-31"),
            [],
            False,
            id="single_motive_3_period_of_6_months_jul_dec_2021",
        ),
        pytest.param(
            ("2021-09-01", "2022-02-28"), [], False, id="single_motive_3_period_of_6_months_sep_feb"
        ),
        pytest.param(
            JUL_SEP_2021,
            [("2020-10-01", "2021-06-30")],
            False,
            id="9_months_before_2021_07_01_do_not_count",
        ),
        pytest.param(
            JUL_SEP_2021,
            [("2021-01-01", "2021-06-30"), ("2021-10-01", "2021-11-30")],
            False,
            id="period_ending_2021_06_30_does_not_count_5_months_counted",
        ),
        pytest.param(
            ("2021-08-01", "2021-10-31"),
            [("2021-04-01", "2021-07-31"), ("2021-11-01", "2021-11-30")],
            False,
            id="period_partly_before_counts_only_july_5_months_counted",
        ),
        pytest.param(
            ("2021-12-01", "2022-01-31"),
            [("2021-05-01", "2021-08-31"), ("2021-09-01", "2021-11-30")],
            True,
            id="period_partly_before_counts_july_august_7_months_counted",
        ),
        pytest.param(
            JAN_MAR_2022,
            [JUL_SEP_2021],
            False,
            id="two_3_month_periods_jul_sep_2021_jan_mar_2022_exactly_6_months",
        ),
        pytest.param(
            ("2021-10-01", "2021-12-31"),
            [JUL_SEP_2021],
            False,
            id="two_adjacent_3_month_periods_jul_dec_2021_exactly_6_months",
        ),
        pytest.param(
            ("2022-05-01", "2022-07-31"),
            [("2021-11-01", "2022-01-31")],
            False,
            id="two_3_month_periods_nov_jan_and_may_jul_exactly_6_months",
        ),
        pytest.param(
            ("2022-04-01", "2022-06-30"),
            [JUL_SEP_2021, JAN_MAR_2022],
            True,
            id="third_3_month_period_within_12_months_is_refused",
        ),
        pytest.param(
            ("2022-06-30", "2022-06-30"),
            [JUL_SEP_2021, JAN_MAR_2022],
            True,
            id="one_day_more_than_6_months_within_12_months_is_refused",
        ),
        pytest.param(
            ("2022-07-01", "2022-09-30"),
            [JUL_SEP_2021],
            False,
            id="3_month_periods_12_months_apart",
        ),
        pytest.param(
            ("2022-07-01", "2022-09-30"),
            [JUL_SEP_2021, JAN_MAR_2022],
            False,
            id="jul_sep_2022_after_jul_sep_2021_and_jan_mar_2022_window_jan_dec_2022_6_months",
        ),
        pytest.param(
            ("2022-07-01", "2022-12-31"),
            [("2021-07-01", "2021-12-31")],
            False,
            id="6_month_periods_12_months_apart",
        ),
    ],
)
def test_r13_six_months_over_any_twelve_from_2021_07_01(
    new: tuple[str, str], others: list[tuple[str, str]], refused: bool
) -> None:
    excess = six_in_twelve_excess(span(new), [span(p) for p in others])
    assert (excess is not None) == refused, excess


def plus_months(day: date, months: int) -> date:
    """Test oracle, independent of app.core.dates: same day, clamped to the month's end."""
    index = day.year * 12 + day.month - 1 + months
    year, month = index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


SIX_IN_TWELVE_FROM = date(2021, 7, 1)
# No 6 months hold more days than six months of 31 days (e.g. Dec, Jan, Mar, May, Jul, Aug of one
# 12-month window): a window holding more is more than 6 months under any reading of R13.
MOST_DAYS_IN_6_MONTHS = 6 * 31


@st.composite
def periods_from_july_2021(draw: st.DrawFn) -> tuple[list[tuple[date, date]], int]:
    """1–4 non-overlapping periods starting on or after 2021-07-01, and which one is new."""
    count = draw(st.integers(1, 4))
    start = SIX_IN_TWELVE_FROM + timedelta(days=draw(st.integers(0, 400)))
    periods = []
    for _ in range(count):
        end = start + timedelta(days=draw(st.integers(0, 200)))
        periods.append((start, end))
        start = end + timedelta(days=1 + draw(st.integers(0, 200)))
    return periods, draw(st.integers(0, count - 1))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(periods_from_july_2021())
def test_r13_six_in_twelve_accepted_periods_never_exceed_6_months_in_any_12_month_window(
    drawn: tuple[list[tuple[date, date]], int],
) -> None:
    """Brute force over every window start d: if the new period is accepted, no 12-month window
    [d, d + 12 months) that involves it covers more days than 6 months can hold."""
    periods, new_index = drawn
    new = periods[new_index]
    others = periods[:new_index] + periods[new_index + 1 :]
    if six_in_twelve_excess(new, others) is not None:
        return
    origin = periods[0][0] - timedelta(days=400)
    covered = [0] * ((periods[-1][1] - origin).days + 400)
    for start, end in periods:
        for offset in range((start - origin).days, (end - origin).days + 1):
            covered[offset] = 1
    prefix = [0]
    for flag in covered:
        prefix.append(prefix[-1] + flag)
    window_start = plus_months(periods[0][0], -12)
    while window_start <= periods[-1][1]:
        window_end = plus_months(window_start, 12) - timedelta(days=1)
        if window_start <= new[1] and new[0] <= window_end:
            used = prefix[(window_end - origin).days + 1] - prefix[(window_start - origin).days]
            assert used <= MOST_DAYS_IN_6_MONTHS, (window_start, used, periods, new_index)
        window_start += timedelta(days=1)


def month_first(index: int) -> date:
    """First day of the month `index` months after July 2021."""
    return date(2021 + (6 + index) // 12, (6 + index) % 12 + 1, 1)


@st.composite
def whole_month_periods(draw: st.DrawFn) -> tuple[list[tuple[int, int]], int]:
    """1–4 non-overlapping runs of whole calendar months (month indices from July 2021)."""
    count = draw(st.integers(1, 4))
    month = draw(st.integers(0, 24))
    runs = []
    for _ in range(count):
        length = draw(st.integers(1, 6))
        runs.append((month, month + length - 1))
        month += length + draw(st.integers(0, 8))
    return runs, draw(st.integers(0, count - 1))


def at_most_6_months_in_any_12(runs: list[tuple[int, int]], new: tuple[int, int]) -> bool:
    """R13 for whole calendar months: every 12 consecutive months involving the new run hold at
    most 6 authorized months."""
    months = {m for first, last in runs for m in range(first, last + 1)}
    return all(
        len(months & set(range(window, window + 12))) <= 6
        for window in range(new[0] - 11, new[1] + 1)
    )


def as_dates(run: tuple[int, int]) -> tuple[date, date]:
    return month_first(run[0]), month_first(run[1] + 1) - timedelta(days=1)


@settings(max_examples=300, deadline=None)
@given(whole_month_periods())
def test_r13_six_in_twelve_whole_months_accepted_only_when_at_most_6_months_in_any_12(
    drawn: tuple[list[tuple[int, int]], int],
) -> None:
    runs, new_index = drawn
    others = [as_dates(run) for i, run in enumerate(runs) if i != new_index]
    if six_in_twelve_excess(as_dates(runs[new_index]), others) is None:
        assert at_most_6_months_in_any_12(runs, runs[new_index])


@settings(max_examples=300, deadline=None)
@given(whole_month_periods())
@example(([(0, 5)], 0))  # July–December 2021, one motive-3 request of 6 months
@example(([(0, 2), (3, 5)], 1))  # July–September then October–December 2021
def test_r13_six_in_twelve_whole_months_at_most_6_months_in_any_12_are_accepted(
    drawn: tuple[list[tuple[int, int]], int],
) -> None:
    runs, new_index = drawn
    others = [as_dates(run) for i, run in enumerate(runs) if i != new_index]
    if at_most_6_months_in_any_12(runs, runs[new_index]):
        assert six_in_twelve_excess(as_dates(runs[new_index]), others) is None


# --- R14: overlap --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        pytest.param(
            ("2021-01-01", "2021-01-31"), ("2021-01-31", "2021-02-28"), True, id="touch_on_one_day"
        ),
        pytest.param(
            ("2021-01-01", "2021-01-31"), ("2021-02-01", "2021-02-28"), False, id="adjacent"
        ),
        pytest.param(
            ("2021-01-01", "2021-12-31"), ("2021-06-01", "2021-06-30"), True, id="contained"
        ),
        pytest.param(
            ("2021-01-31", "2021-01-31"), ("2021-01-01", "2021-01-31"), True, id="one_day_at_end"
        ),
        pytest.param(
            ("2021-03-15", "2021-03-15"), ("2021-03-15", "2021-03-15"), True, id="same_single_day"
        ),
        pytest.param(
            ("2021-01-01", "2021-03-31"), ("2021-07-01", "2021-09-30"), False, id="far_apart"
        ),
    ],
)
def test_r14_overlaps(a: tuple[str, str], b: tuple[str, str], expected: bool) -> None:
    assert overlaps(span(a), span(b)) is expected
    assert overlaps(span(b), span(a)) is expected


@pytest.mark.parametrize(
    ("status", "held"),
    [
        (AmendmentStatus.draft, "2020-06-30"),
        (AmendmentStatus.filed, "2020-08-31"),  # pending, or accepted by silence
        (AmendmentStatus.accepted, "2020-08-31"),
        (AmendmentStatus.refused, "2020-06-30"),
        (AmendmentStatus.invalidated, "2020-06-30"),
    ],
)
def test_r14_a_request_holds_the_end_its_filed_or_accepted_amendments_ask_for(
    status: AmendmentStatus, held: str
) -> None:
    extension = Amendment(end_on=date(2020, 8, 31), status=status)
    more_hours = Amendment(end_on=None, status=AmendmentStatus.accepted)
    assert held_end(date(2020, 6, 30), [more_hours, extension]) == date.fromisoformat(held)


# --- R15: CSE ------------------------------------------------------------------------------

FILED_ON = "2021-03-10"
FAV = CseOpinion.favourable
GIVEN = CseStatus.given
DEFERRED = CseStatus.deferred
NOT_REQUIRED = CseStatus.not_required


@pytest.mark.parametrize(
    ("headcount", "motive", "status", "consulted_on", "opinion", "has_problem"),
    [
        pytest.param(49, M1, None, None, None, False, id="49_employees_nothing_given"),
        pytest.param(49, M1, NOT_REQUIRED, None, None, False, id="49_employees_not_required"),
        pytest.param(49, M1, DEFERRED, None, None, False, id="49_employees_deferred_motive_1"),
        pytest.param(0, M1, None, None, None, False, id="0_employees"),
        pytest.param(50, M1, None, None, None, True, id="50_employees_nothing_given"),
        pytest.param(50, M1, NOT_REQUIRED, None, None, True, id="50_employees_not_required"),
        pytest.param(50, M1, GIVEN, "2021-03-01", FAV, False, id="50_given_before_filing"),
        pytest.param(
            50,
            M1,
            GIVEN,
            "2021-03-01",
            CseOpinion.unfavourable,
            False,
            id="50_given_unfavourable_before_filing",
        ),
        pytest.param(50, M1, GIVEN, FILED_ON, FAV, False, id="50_given_on_filing_day"),
        pytest.param(50, M1, GIVEN, "2021-03-11", FAV, True, id="50_consulted_after_filing"),
        pytest.param(50, M1, GIVEN, None, FAV, True, id="50_given_without_date"),
        pytest.param(50, M1, GIVEN, "2021-03-01", None, True, id="50_given_without_opinion"),
        pytest.param(50, M1, DEFERRED, None, None, True, id="50_deferred_motive_1"),
        pytest.param(50, M2, DEFERRED, None, None, True, id="50_deferred_motive_2"),
        pytest.param(50, M4, DEFERRED, None, None, True, id="50_deferred_motive_4"),
        pytest.param(50, None, DEFERRED, None, None, True, id="50_deferred_without_motive"),
        pytest.param(50, M3, DEFERRED, None, None, False, id="50_deferred_motive_3"),
        pytest.param(50, M5, DEFERRED, None, None, False, id="50_deferred_motive_5"),
        pytest.param(250, M5, DEFERRED, None, None, False, id="250_deferred_motive_5"),
    ],
)
def test_r15_cse_opinion(
    headcount: int,
    motive: Motive | None,
    status: CseStatus | None,
    consulted_on: str | None,
    opinion: CseOpinion | None,
    has_problem: bool,
) -> None:
    problem = cse_problem(
        headcount=headcount,
        motive=motive,
        status=status,
        consulted_on=d(consulted_on) if consulted_on else None,
        opinion=opinion,
        filed_on=d(FILED_ON),
    )
    assert (problem is not None) == has_problem, problem


@pytest.mark.parametrize(
    ("filed_on", "due_on"),
    [
        pytest.param("2021-03-10", "2021-05-10", id="mid_month"),
        pytest.param("2020-12-31", "2021-02-28", id="2020_12_31_clamped_to_february"),
        pytest.param("2019-12-31", "2020-02-29", id="2019_12_31_clamped_to_leap_february"),
        pytest.param("2021-07-31", "2021-09-30", id="2021_07_31_clamped_to_september"),
        pytest.param("2021-08-31", "2021-10-31", id="2021_08_31_to_october"),
    ],
)
def test_r15_deferred_cse_opinion_due_2_months_after_filing(filed_on: str, due_on: str) -> None:
    assert cse_due_on(d(filed_on)) == d(due_on)


# --- R16: implicit acceptance --------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed_at", "accepted_at"),
    [
        pytest.param(
            "2020-02-29T10:00+01:00", "2020-03-15T09:00Z", id="15_days_when_filed_on_2020_02_29"
        ),
        pytest.param(
            "2020-03-01T10:00+01:00", "2020-03-03T09:00Z", id="2_days_when_filed_on_2020_03_01"
        ),
        pytest.param(
            "2020-09-30T10:00+02:00", "2020-10-02T08:00Z", id="2_days_when_filed_on_2020_09_30"
        ),
        pytest.param(
            "2020-10-01T10:00+02:00", "2020-10-16T08:00Z", id="15_days_when_filed_on_2020_10_01"
        ),
        pytest.param(
            "2020-09-30T23:30+02:00",
            "2020-10-02T21:30Z",
            id="2_days_when_filed_late_on_2020_09_30_in_paris",
        ),
        pytest.param(
            "2020-09-30T22:30Z",
            "2020-10-15T22:30Z",
            id="15_days_when_filed_2020_09_30_utc_which_is_2020_10_01_in_paris",
        ),
        pytest.param(
            "2020-02-29T23:30Z",
            "2020-03-02T23:30Z",
            id="2_days_when_filed_2020_02_29_utc_which_is_2020_03_01_in_paris",
        ),
        pytest.param(
            "2020-02-29T22:59Z",
            "2020-03-15T22:59Z",
            id="15_days_when_filed_2020_02_29_utc_still_2020_02_29_in_paris",
        ),
        pytest.param(
            "2021-11-10T09:00Z", "2021-11-25T09:00Z", id="15_days_when_filed_on_2021_11_10"
        ),
    ],
)
def test_r16_implicit_acceptance_at(filed_at: str, accepted_at: str) -> None:
    result = implicit_acceptance_at(t(filed_at))
    assert result == t(accepted_at)
    assert result.utcoffset() == timedelta(0)


IMPLICIT_AT = t("2020-03-03T09:00Z")


@pytest.mark.parametrize(
    ("status", "implicit_at", "now", "expected"),
    [
        pytest.param(
            "filed", IMPLICIT_AT, "2020-03-03T08:59:59Z", RequestStatus.filed, id="filed_before"
        ),
        pytest.param(
            "filed",
            IMPLICIT_AT,
            "2020-03-03T09:00Z",
            RequestStatus.accepted_implicitly,
            id="filed_at_implicit_time",
        ),
        pytest.param(
            "filed",
            IMPLICIT_AT,
            "2020-03-03T10:00+01:00",
            RequestStatus.accepted_implicitly,
            id="filed_at_implicit_time_in_paris_offset",
        ),
        pytest.param(
            "filed",
            IMPLICIT_AT,
            "2021-01-01T00:00Z",
            RequestStatus.accepted_implicitly,
            id="filed_long_after",
        ),
        pytest.param(
            "filed", None, "2021-01-01T00:00Z", RequestStatus.filed, id="filed_without_implicit"
        ),
        pytest.param(
            "draft", IMPLICIT_AT, "2021-01-01T00:00Z", RequestStatus.draft, id="draft_unchanged"
        ),
        pytest.param(
            "accepted",
            IMPLICIT_AT,
            "2021-01-01T00:00Z",
            RequestStatus.accepted,
            id="accepted_unchanged",
        ),
        pytest.param(
            "refused",
            IMPLICIT_AT,
            "2021-01-01T00:00Z",
            RequestStatus.refused,
            id="refused_unchanged",
        ),
        pytest.param(
            "invalidated",
            IMPLICIT_AT,
            "2021-01-01T00:00Z",
            RequestStatus.invalidated,
            id="invalidated_unchanged",
        ),
    ],
)
def test_r16_effective_status(
    status: str, implicit_at: datetime | None, now: str, expected: RequestStatus
) -> None:
    assert effective_status(status, implicit_at, t(now)) == expected


@pytest.mark.parametrize(
    ("status", "outcomes"),
    [
        pytest.param(RequestStatus.draft, set(), id="draft_cannot_be_decided"),
        pytest.param(
            RequestStatus.filed, {"accepted", "refused", "invalidated"}, id="filed_any_outcome"
        ),
        pytest.param(
            RequestStatus.accepted_implicitly,
            {"accepted", "invalidated"},
            id="implicit_acceptance_can_be_invalidated_not_refused",
        ),
        pytest.param(
            RequestStatus.accepted, {"invalidated"}, id="explicit_acceptance_can_be_invalidated"
        ),
        pytest.param(RequestStatus.refused, set(), id="refused_is_final"),
        pytest.param(RequestStatus.invalidated, set(), id="invalidated_is_final"),
    ],
)
def test_r16_r17_allowed_outcomes(status: RequestStatus, outcomes: set[str]) -> None:
    assert allowed_outcomes(status) == outcomes


def test_r16_refusal_not_possible_once_filed_request_is_implicitly_accepted() -> None:
    implicit_at = implicit_acceptance_at(t("2020-03-01T10:00+01:00"))
    before = effective_status("filed", implicit_at, t("2020-03-03T08:59Z"))
    after = effective_status("filed", implicit_at, t("2020-03-03T09:00Z"))
    assert "refused" in allowed_outcomes(before)
    assert allowed_outcomes(after) == {"accepted", "invalidated"}


# --- R17: appeal ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided_on", "until"),
    [
        pytest.param("2021-03-15", "2021-05-15", id="mid_month"),
        pytest.param("2020-06-30", "2020-08-30", id="2020_06_30"),
        pytest.param("2021-01-31", "2021-03-31", id="2021_01_31"),
        pytest.param("2021-12-31", "2022-02-28", id="2021_12_31_clamped_to_february"),
        pytest.param("2023-12-31", "2024-02-29", id="2023_12_31_clamped_to_leap_february"),
    ],
)
def test_r17_appeal_until_2_months_after_refusal(decided_on: str, until: str) -> None:
    assert appeal_until(d(decided_on)) == d(until)


# --- R21: claim time bar -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ended_on", "time_bar"),
    [
        pytest.param("2020-02-29", "2021-02-28", id="ended_2020_02_29_plus_12_months"),
        pytest.param("2020-03-31", "2021-03-31", id="ended_2020_03_31_plus_12_months"),
        pytest.param("2020-06-30", "2021-06-30", id="ended_2020_06_30_plus_12_months"),
        pytest.param("2020-07-01", "2021-01-01", id="ended_2020_07_01_plus_6_months"),
        pytest.param("2020-08-31", "2021-02-28", id="ended_2020_08_31_plus_6_months_clamped"),
        pytest.param("2020-12-31", "2021-06-30", id="ended_2020_12_31_plus_6_months_clamped"),
        pytest.param("2021-08-31", "2022-02-28", id="ended_2021_08_31_plus_6_months_clamped"),
    ],
)
def test_r21_claim_time_bar(ended_on: str, time_bar: str) -> None:
    assert claim_time_bar(d(ended_on)) == d(time_bar)


# --- R22: annual quota ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("year", "hours"),
    [
        pytest.param(2019, "1000", id="2019_is_1000_h"),
        pytest.param(2020, "1607", id="2020_is_1607_h"),
        pytest.param(2021, "1607", id="2021_is_1607_h"),
        pytest.param(2022, "1000", id="2022_is_1000_h"),
        pytest.param(2023, "1000", id="2023_is_1000_h"),
    ],
)
def test_r22_annual_quota(year: int, hours: str) -> None:
    assert annual_quota(year) == Decimal(hours)
