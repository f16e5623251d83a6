"""`app.core.dates.add_months`: whole months added or taken away, clamped to the month's end.

Every expected value below is written out by hand; none is computed with the code under test.
"""

from datetime import date

import pytest

from app.core.dates import add_months

d = date.fromisoformat


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        pytest.param("2021-05-17", 0, "2021-05-17", id="zero_months"),
        pytest.param("2021-12-15", 1, "2022-01-15", id="across_new_year"),
        pytest.param("2021-01-31", 1, "2021-02-28", id="31_january_to_28_february"),
        pytest.param("2020-01-31", 1, "2020-02-29", id="31_january_to_29_february_leap"),
        pytest.param("2000-01-31", 1, "2000-02-29", id="leap_century_2000"),
        pytest.param("2100-01-31", 1, "2100-02-28", id="non_leap_century_2100"),
        pytest.param("2021-08-31", 1, "2021-09-30", id="31_august_to_30_september"),
        pytest.param("2020-02-29", 12, "2021-02-28", id="29_february_plus_a_year"),
        pytest.param("2020-02-29", 48, "2024-02-29", id="29_february_plus_4_years"),
        pytest.param("2021-03-31", -1, "2021-02-28", id="minus_1_to_february"),
        pytest.param("2020-03-31", -1, "2020-02-29", id="minus_1_to_leap_february"),
        pytest.param("2021-01-15", -1, "2020-12-15", id="minus_1_across_new_year"),
        pytest.param("2021-01-31", -13, "2019-12-31", id="minus_13"),
        pytest.param("2021-10-31", -12, "2020-10-31", id="minus_12"),
        pytest.param("2020-02-29", -12, "2019-02-28", id="29_february_minus_a_year"),
        pytest.param("2021-03-31", -25, "2019-02-28", id="minus_25_to_february"),
    ],
)
def test_add_months_clamps_to_month_end(day: str, months: int, expected: str) -> None:
    assert add_months(d(day), months) == d(expected)
