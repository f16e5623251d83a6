"""The legal parameter table (R23): the shipped file, its validation, and month lookups.

`DOMAIN_TABLE` (tests/support/legal.py) is copied by hand from shared/DOMAIN.md ("Legal
parameters by month of the hours not worked"); every lookup is checked against it, never against
the TOML file itself.
The file's validation is exercised with `parse_table` on modified copies of the parsed TOML.
"""

import copy
import tomllib
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.legal.table import (
    PARAMETERS_FILE,
    MonthNotCovered,
    ParameterFileError,
    PricingRegime,
    Regime,
    parameter_table,
    parse_table,
)
from tests.support.legal import ABSENCE_TABLE, DOMAIN_TABLE, months_between

# 4.5 × SMIC, multiplied out by hand
HOURLY_CAP = {
    "10.15": "45.675",
    "10.25": "46.125",
    "10.48": "47.16",
    "10.57": "47.565",
    "10.85": "48.825",
}


def raw() -> dict[str, Any]:
    """A fresh copy of the parsed TOML file, to modify."""
    with PARAMETERS_FILE.open("rb") as f:
        return copy.deepcopy(tomllib.load(f))


# --- the shipped file ------------------------------------------------------------------------


def test_shipped_parameter_file_is_valid_and_covers_2020_03_to_2022_07():
    table = parse_table(raw())
    assert table.first_month == date(2020, 3, 1)
    assert table.last_month == date(2022, 7, 1)
    assert table.cap_multiple == Decimal("4.5")
    assert [(f"{p.first_month:%Y-%m}", f"{p.last_month:%Y-%m}") for p in table.periods] == [
        (first, last) for first, last, *_ in DOMAIN_TABLE
    ]


def test_every_row_of_the_table_names_its_source():
    table = parameter_table()
    for period in (*table.periods, *table.absence_periods):
        assert period.flags.source.strip(), period
    assert table.rules.flags.source.strip()


@pytest.mark.parametrize(
    ("first", "last", "smic", "cells", "floor", "base_cap", "net_ceiling", "uncertain", "single"),
    DOMAIN_TABLE,
    ids=[f"{row[0]}..{row[1]}" for row in DOMAIN_TABLE],
)
@pytest.mark.parametrize("regime", list(Regime))
def test_every_month_and_regime_reads_the_domain_table_row(
    first, last, smic, cells, floor, base_cap, net_ceiling, uncertain, single, regime
):
    indemnity_pct, allocation_pct, allocation_floor = cells[regime.value]
    for m in months_between(first, last):
        for day in (1, 15, 28):
            p = parameter_table().for_month(m.replace(day=day), regime)
            assert p.month == m
            assert p.regime == regime
            assert p.smic_hourly == Decimal(smic)
            assert p.hourly_cap == Decimal(HOURLY_CAP[smic])
            assert p.indemnity_rate == Decimal(indemnity_pct) / 100
            assert p.allocation_rate == Decimal(allocation_pct) / 100
            assert p.allocation_floor == Decimal(allocation_floor)
            assert p.indemnity_floor == Decimal(floor)
            assert (p.base_cap, p.net_ceiling) == (base_cap, net_ceiling)
            assert set(p.uncertain) == uncertain
            assert set(p.single_source) == single
            assert p.month_indemnity_floor == Decimal(floor)
            assert p.source


def test_the_table_covers_29_months_without_a_hole():
    covered = [m for first, last, *_ in DOMAIN_TABLE for m in months_between(first, last)]
    assert len(covered) == 29
    for m in covered:
        parameter_table().for_month(m, Regime.general)


def test_higher_floor_goes_with_higher_rates_only():
    """Once a regime falls back to 60 / 36 it takes the general floor, never the majoré one."""
    for m in months_between("2020-03", "2022-07"):
        general = parameter_table().for_month(m, Regime.general)
        for regime in Regime:
            p = parameter_table().for_month(m, regime)
            if (p.indemnity_rate, p.allocation_rate) == (general.indemnity_rate,
                                                         general.allocation_rate):  # fmt: skip
                assert p.allocation_floor == general.allocation_floor, (m, regime)


# --- boundary months ---------------------------------------------------------------------------


def rates(on: date, regime: Regime) -> tuple[Decimal, Decimal, Decimal, Decimal, Decimal]:
    p = parameter_table().for_month(on, regime)
    return p.smic_hourly, p.indemnity_rate, p.allocation_rate, p.allocation_floor, p.indemnity_floor


def test_boundary_2020_05_to_2020_06_general_allocation_falls_from_70_to_60():
    d = Decimal
    assert rates(date(2020, 5, 31), Regime.general) == (
        d("10.15"), d("0.70"), d("0.70"), d("8.03"), d("8.03"))  # fmt: skip
    assert rates(date(2020, 6, 1), Regime.general) == (
        d("10.15"), d("0.70"), d("0.60"), d("8.03"), d("8.03"))  # fmt: skip
    # protected and closed keep 70 % in June 2020
    assert rates(date(2020, 6, 1), Regime.protected)[2] == d("0.70")
    assert rates(date(2020, 6, 1), Regime.closed)[2] == d("0.70")


def test_boundary_2021_05_2021_06_2021_07_general_steps_60_then_52_then_60_36_with_floor_7_30():
    d = Decimal
    assert rates(date(2021, 5, 31), Regime.general) == (
        d("10.25"), d("0.70"), d("0.60"), d("8.11"), d("8.11"))  # fmt: skip
    assert rates(date(2021, 6, 1), Regime.general) == (
        d("10.25"), d("0.70"), d("0.52"), d("8.11"), d("8.11"))  # fmt: skip
    assert rates(date(2021, 6, 30), Regime.general) == (
        d("10.25"), d("0.70"), d("0.52"), d("8.11"), d("8.11"))  # fmt: skip
    assert rates(date(2021, 7, 1), Regime.general) == (
        d("10.25"), d("0.60"), d("0.36"), d("7.30"), d("8.11"))  # fmt: skip
    # protected: 70/70 through June, 70/60 in July 2021
    assert rates(date(2021, 6, 30), Regime.protected)[1:4] == (d("0.70"), d("0.70"), d("8.11"))
    assert rates(date(2021, 7, 1), Regime.protected)[1:4] == (d("0.70"), d("0.60"), d("8.11"))


def test_boundary_2021_09_to_2021_10_smic_and_floors_are_revalued():
    d = Decimal
    assert rates(date(2021, 9, 30), Regime.general) == (
        d("10.25"), d("0.60"), d("0.36"), d("7.30"), d("8.11"))  # fmt: skip
    assert rates(date(2021, 10, 1), Regime.general) == (
        d("10.48"), d("0.60"), d("0.36"), d("7.47"), d("8.30"))  # fmt: skip
    assert rates(date(2021, 9, 30), Regime.closed) == (
        d("10.25"), d("0.70"), d("0.70"), d("8.11"), d("8.11"))  # fmt: skip
    assert rates(date(2021, 10, 1), Regime.closed) == (
        d("10.48"), d("0.70"), d("0.70"), d("8.30"), d("8.30"))  # fmt: skip
    assert parameter_table().for_month(date(2021, 9, 1), Regime.general).hourly_cap == d("46.125")
    assert parameter_table().for_month(date(2021, 10, 1), Regime.general).hourly_cap == d("47.16")


@pytest.mark.parametrize(
    "outside",
    [date(2020, 2, 29), date(2020, 2, 1), date(2019, 12, 31), date(2022, 8, 1), date(2023, 1, 15)],
)
@pytest.mark.parametrize("regime", list(Regime))
def test_a_month_outside_the_table_is_refused_naming_the_covered_range(outside, regime):
    with pytest.raises(MonthNotCovered) as caught:
        parameter_table().for_month(outside, regime)
    assert caught.value.month == outside.replace(day=1)
    assert (caught.value.first, caught.value.last) == (date(2020, 3, 1), date(2022, 7, 1))


# --- validation of the file --------------------------------------------------------------------


def refused(data: dict[str, Any], match: str) -> None:
    with pytest.raises(ParameterFileError, match=match):
        parse_table(data)


def test_a_gap_between_rows_is_refused():
    data = raw()
    data["period"][1]["from"] = "2020-07"  # June 2020 falls through
    refused(data, r"period 2 .*gap after 2020-05")


def test_a_gap_by_a_shortened_row_is_refused():
    data = raw()
    data["period"][2]["to"] = "2021-02"  # March 2021 falls through
    refused(data, r"period 4 .*gap after 2021-02")


def test_an_overlap_between_rows_is_refused():
    data = raw()
    data["period"][1]["from"] = "2020-05"  # May 2020 in two rows
    refused(data, r"period 2 .*overlap after 2020-05")


def test_a_duplicated_row_is_refused_as_an_overlap():
    data = raw()
    data["period"].insert(4, copy.deepcopy(data["period"][3]))
    refused(data, r"period 5 .*overlap after 2021-05")


def test_rows_out_of_order_are_refused():
    data = raw()
    data["period"][3], data["period"][4] = data["period"][4], data["period"][3]
    refused(data, r"period 4 .*(gap|overlap)")


def test_a_row_ending_before_it_starts_is_refused():
    data = raw()
    data["period"][0]["to"] = "2020-02"
    refused(data, r"period 1 .*'to' precedes 'from'")


@pytest.mark.parametrize("regime", ["general", "protected", "closed"])
def test_a_missing_regime_is_refused(regime):
    data = raw()
    del data["period"][5][regime]
    refused(data, rf"period 6 .*regime '{regime}' missing")


@pytest.mark.parametrize("field", ["indemnity_rate", "allocation_rate", "allocation_floor"])
def test_a_missing_rate_in_a_regime_is_refused(field):
    data = raw()
    del data["period"][0]["closed"][field]
    refused(data, rf"closed\.{field}")


@pytest.mark.parametrize("source", [None, "", "   ", 12])
def test_a_missing_source_is_refused(source):
    data = raw()
    if source is None:
        del data["period"][7]["source"]
    else:
        data["period"][7]["source"] = source
    refused(data, r"period 8 .*source missing")


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("smic_hourly",), 10.15),
        (("indemnity_floor",), 8),
        (("general", "allocation_floor"), 8.03),
        (("protected", "indemnity_rate"), 70),
        (("closed", "allocation_rate"), 70.0),
    ],
)
def test_a_number_not_written_as_a_string_is_refused(path, value):
    data = raw()
    target = data["period"][0]
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    refused(data, "write numbers as strings")


def test_a_cap_multiple_not_written_as_a_string_is_refused():
    data = raw()
    data["hourly_cap_smic_multiple"] = 4.5
    refused(data, "hourly_cap_smic_multiple: write numbers as strings")


def test_a_missing_cap_multiple_is_refused():
    data = raw()
    del data["hourly_cap_smic_multiple"]
    refused(data, "hourly_cap_smic_multiple")


@pytest.mark.parametrize("field", ["indemnity_rate", "allocation_rate"])
def test_a_rate_above_100_percent_is_refused(field):
    data = raw()
    data["period"][2]["protected"][field] = "100.01"
    refused(data, rf"protected\.{field}: above 100 %")


def test_a_rate_of_exactly_100_percent_is_accepted():
    data = raw()
    data["period"][2]["protected"]["allocation_rate"] = "100"
    table = parse_table(data)
    assert table.periods[2].regimes[Regime.protected].allocation_rate == Decimal(1)


@pytest.mark.parametrize("value", ["0", "-8.03", "abc", ""])
def test_a_zero_negative_or_non_numeric_value_is_refused(value):
    data = raw()
    data["period"][0]["indemnity_floor"] = value
    refused(data, r"period 1 .*indemnity_floor")


@pytest.mark.parametrize("value", ["2020-13", "March 2020", None, 202003])
def test_a_malformed_month_is_refused(value):
    data = raw()
    data["period"][0]["from"] = value
    refused(data, "is not a month YYYY-MM")


def test_a_file_without_rows_is_refused():
    data = raw()
    data["period"] = []
    refused(data, "no \\[\\[period\\]\\] rows")


@pytest.mark.parametrize("bad", ["NaN", "Infinity", "1e1"])
def test_parameter_file_refuses_numbers_that_are_not_plain_decimals(bad):
    data = tomllib.loads(PARAMETERS_FILE.read_text())
    data["period"][0]["smic_hourly"] = bad
    with pytest.raises(ParameterFileError, match="smic_hourly"):
        parse_table(data)
    assert parameter_table().periods[0].smic_hourly > 0


# --- revision of the table (issue: amounts that survive a control) ----------------------------


def test_closed_takes_the_closed_cells_until_2022_03_and_the_general_ones_from_2022_04():
    d = Decimal
    march = parameter_table().for_month(date(2022, 3, 31), Regime.closed)
    april = parameter_table().for_month(date(2022, 4, 1), Regime.closed)
    assert (march.indemnity_rate, march.allocation_rate, march.allocation_floor) == (
        d("0.70"), d("0.70"), d("8.37"))  # fmt: skip
    assert (april.indemnity_rate, april.allocation_rate, april.allocation_floor) == (
        d("0.60"), d("0.36"), d("7.53"))  # fmt: skip
    may = parameter_table().for_month(date(2022, 5, 1), Regime.closed)
    assert (may.indemnity_rate, may.allocation_rate, may.allocation_floor) == (
        d("0.60"), d("0.36"), d("7.73"))  # fmt: skip


def test_the_indemnity_base_is_uncapped_until_2020_12_and_capped_from_2021_01():
    assert not parameter_table().for_month(date(2020, 12, 31), Regime.general).base_cap
    assert parameter_table().for_month(date(2021, 1, 1), Regime.general).base_cap


def test_the_net_ceiling_applies_from_2021_04_not_in_2021_03():
    assert not parameter_table().for_month(date(2021, 3, 31), Regime.general).net_ceiling
    assert parameter_table().for_month(date(2021, 4, 1), Regime.general).net_ceiling


@pytest.mark.parametrize(
    ("first", "last", "cells", "single"),
    ABSENCE_TABLE,
    ids=[f"{row[0]}..{row[1]}" for row in ABSENCE_TABLE],
)
def test_every_month_of_the_vulnerable_or_childcare_table_reads_the_domain_row(
    first, last, cells, single
):
    indemnity_pct, allocation_pct, floor = cells
    for m in months_between(first, last):
        p = parameter_table().for_absence(m.replace(day=12))
        assert p is not None
        assert p.regime == PricingRegime.vulnerable_or_childcare
        assert p.indemnity_rate == Decimal(indemnity_pct) / 100
        assert p.allocation_rate == Decimal(allocation_pct) / 100
        # one floor for both amounts (R34)
        assert p.indemnity_floor == p.allocation_floor == Decimal(floor)
        assert set(p.single_source) == single
        general = parameter_table().for_month(m, Regime.general)
        assert (p.base_cap, p.net_ceiling) == (general.base_cap, general.net_ceiling)
        assert p.hourly_cap == general.hourly_cap


def test_the_vulnerable_or_childcare_table_starts_in_2021_04():
    assert parameter_table().for_absence(date(2021, 3, 31)) is None
    assert parameter_table().for_absence(date(2020, 5, 1)) is None
    assert parameter_table().for_absence(date(2021, 4, 1)) is not None


def test_the_rules_of_r28_to_r34_are_read_from_the_file():
    rules = parameter_table().rules
    assert rules.legal_month_hours == Decimal("151.67")
    assert (rules.half_day_hours, rules.day_hours, rules.legal_week_hours) == (
        Decimal("3.5"), Decimal("7"), Decimal("35"))  # fmt: skip
    assert rules.overtime_signed_before == date(2020, 4, 24)
    assert (rules.overtime_hours_from, rules.overtime_hours_until) == (
        date(2020, 3, 12), date(2021, 12, 31))  # fmt: skip
    assert (rules.absence_from, rules.childcare_until) == (date(2020, 5, 1), date(2022, 7, 31))


@pytest.mark.parametrize("field", ["base_cap", "net_ceiling"])
def test_a_missing_or_non_boolean_flag_is_refused(field):
    data = raw()
    del data["period"][1][field]
    refused(data, rf"period 2 .*{field}: write true or false")
    data = raw()
    data["period"][1][field] = "yes"
    refused(data, rf"period 2 .*{field}: write true or false")


def test_a_gap_in_the_vulnerable_or_childcare_table_is_refused():
    data = raw()
    data["vulnerable_or_childcare"][1]["from"] = "2021-11"
    refused(data, r"vulnerable_or_childcare 2 .*gap after 2021-09")


def test_a_vulnerable_or_childcare_row_outside_the_months_is_refused():
    data = raw()
    data["vulnerable_or_childcare"][-1]["to"] = "2022-08"
    refused(data, r"outside the months of \[\[period\]\]")


@pytest.mark.parametrize("field", ["legal_month_hours", "overtime_signed_before"])
def test_a_missing_rule_is_refused(field):
    data = raw()
    del data["rules"][field]
    refused(data, rf"rules\.{field}")
