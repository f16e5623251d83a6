"""R39's meter and R41's APLD amounts per hour, computed by hand from DOMAIN.md's tables."""

from datetime import date
from decimal import Decimal as D

import pytest

from app.apld.amounts import hourly_amounts, meter
from app.apld.table import apld_table
from app.legal.table import MonthNotCovered, Regime

# --- R41 -----------------------------------------------------------------------------------------


def amounts(month: str, rate: str, regime: Regime = Regime.general):
    result = hourly_amounts(date.fromisoformat(f"{month}-01"), D(rate), regime)
    return result.indemnity_per_hour, result.allocation_per_hour, result.applied


def test_october_2020_is_not_raised_a_protected_establishment_gets_60_percent():
    # 70 % × 12 = 8.40 (above 8.03); 60 % × 12 = 7.20, below the APLD floor 7.23
    assert amounts("2020-10", "12.00", Regime.protected) == (
        D("8.4000"),
        D("7.2300"),
        ("allocation_floor",),
    )


def test_november_2020_is_raised_a_protected_establishment_gets_its_70_percent():
    # the protected regime's 70 % replaces 60 %: 70 % × 12 = 8.40, at most the indemnity
    assert amounts("2020-11", "12.00", Regime.protected) == (
        D("8.4000"),
        D("8.4000"),
        ("raised_allocation",),
    )


def test_november_2020_general_keeps_60_percent_and_the_apld_floor():
    # the general regime's ordinary 60 % is not higher
    assert amounts("2020-11", "12.00") == (D("8.4000"), D("7.2300"), ("allocation_floor",))


def test_raised_allocation_takes_the_ordinary_floor():
    # 70 % × 10.15 = 7.105: indemnity floor 8.03; the protected floor 8.03 (not 7.23), ≤ 8.03
    assert amounts("2020-11", "10.15", Regime.protected) == (
        D("8.0300"),
        D("8.0300"),
        ("indemnity_floor", "raised_allocation", "allocation_floor"),
    )


@pytest.mark.parametrize(
    ("month", "indemnity_floor", "allocation_floor"),
    [
        ("2020-10", "8.0300", "7.2300"),
        ("2021-03", "8.1100", "7.3000"),
        ("2021-10", "8.3000", "8.3000"),
        ("2022-05", "8.5900", "8.5900"),
    ],
)
def test_floors_of_a_low_rate_by_period(month, indemnity_floor, allocation_floor):
    # 70 % and 60 % of 10.00 (7.00, 6.00) are below every floor
    indemnity, allocation, applied = amounts(month, "10.00")
    assert (indemnity, allocation) == (D(indemnity_floor), D(allocation_floor))
    assert applied == ("indemnity_floor", "allocation_floor")


def test_the_indemnity_base_is_capped_at_4_5_smic_from_the_start():
    # July 2020: cap 4.5 × 10.15 = 45.675; 70 % = 31.9725, 60 % = 27.405 (2020 ordinary
    # indemnities were not capped: APLD's are)
    result = hourly_amounts(date(2020, 7, 1), D("60.00"))
    assert result.capped_hourly_rate == D("45.6750")
    assert result.indemnity_per_hour == D("31.9725")
    assert result.allocation_per_hour == D("27.4050")
    assert result.applied == ("hourly_cap",)


def test_closed_establishment_in_october_2021_gets_its_70_percent():
    assert amounts("2021-10", "20.00", Regime.closed) == (
        D("14.0000"),
        D("14.0000"),
        ("raised_allocation",),
    )
    assert amounts("2021-10", "20.00") == (D("14.0000"), D("12.0000"), ())


def test_a_month_outside_the_apld_table_is_refused():
    with pytest.raises(MonthNotCovered):
        hourly_amounts(date(2020, 6, 1), D("12.00"))
    with pytest.raises(MonthNotCovered):
        hourly_amounts(date(2022, 8, 1), D("12.00"))


# --- R39 -----------------------------------------------------------------------------------------


def test_meter_allows_the_maximum_reduction_of_every_month_of_the_duration():
    m = meter(
        start=date(2020, 7, 1),
        duration_months=12,
        max_reduction=D(40),
        neutralise=False,
        hours=[(date(2020, 7, 1), D(100)), (date(2020, 12, 1), D(200))],
    )
    # 40 % × 151.67 h × 12 months
    assert (m.allowed, m.used, m.left, m.counted_months) == (D("728.016"), D(300), D("428.016"), 12)
    assert not m.exceeded


def test_neutralised_months_leave_both_sides_of_the_meter():
    m = meter(
        start=date(2020, 7, 1),
        duration_months=12,
        max_reduction=D(40),
        neutralise=True,
        hours=[
            (date(2020, 10, 1), D(60)),
            (date(2020, 11, 1), D("151.67")),
            (date(2021, 6, 1), D("151.67")),
            (date(2021, 7, 1), D(50)),
        ],
    )
    # 12 counted months: Jul – Oct 2020 and Jul 2021 – Apr 2022; Nov 2020 and Jun 2021 leave
    assert (m.counted_months, m.used) == (12, D(110))
    with pytest.raises(ValueError, match="2022-05"):
        meter(
            start=date(2020, 7, 1),
            duration_months=12,
            max_reduction=D(40),
            neutralise=True,
            hours=[(date(2022, 5, 1), D(1))],
        )


def test_a_month_may_be_a_full_suspension_while_the_total_holds():
    m = meter(
        start=date(2021, 7, 1),
        duration_months=3,
        max_reduction=D(40),
        neutralise=False,
        hours=[(date(2021, 7, 1), D("151.67"))],
    )
    assert m.allowed == D("182.004") and not m.exceeded
    over = meter(
        start=date(2021, 7, 1),
        duration_months=3,
        max_reduction=D(40),
        neutralise=False,
        hours=[(date(2021, 7, 1), D("151.67")), (date(2021, 8, 1), D("30.34"))],
    )
    assert over.exceeded and over.left == D("-0.006")


def test_ordinary_hours_count_while_the_single_source_flag_is_on():
    assert apld_table().rules.count_ordinary_hours
    assert "count_ordinary_hours" in apld_table().rules.flags.single_source
    m = meter(
        start=date(2021, 7, 1),
        duration_months=3,
        max_reduction=D(40),
        neutralise=False,
        hours=[(date(2021, 7, 1), D(10))],
        ordinary_hours=[(date(2021, 8, 1), D(5))],
    )
    assert m.used == D(15)
