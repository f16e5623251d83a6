"""R23 (revised), R28–R34 through POST /v1/simulations: each rule at its boundary dates, each
category above and below the SMIC, forfait days into hours, structural overtime, vulnerable and
childcare absences, the RMM complement and APART's declared pair.

Every expected amount is computed by hand from the tables of shared/DOMAIN.md, the arithmetic
written next to it (cents rounded half-up per line).
"""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.builders import firm_headers
from tests.support.problems import assert_problem


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


@pytest.fixture
def headers(client: TestClient) -> dict[str, str]:
    return firm_headers(client)[1]


def sim_line(rate: str, hours: str = "10", **fields: Any) -> dict[str, Any]:
    return {
        "employee_ref": "E1",
        "contract_hours": fields.pop("contract_hours", "151.67"),
        "hours_not_worked": hours,
        "hourly_rate": rate,
        **fields,
    }


def simulate(
    client: TestClient, headers: dict[str, str], month: str, *lines: dict[str, Any], **body: Any
) -> Any:
    return client.post(
        "/v1/simulations", headers=headers, json={"month": month, "lines": list(lines), **body}
    )


def one(client: TestClient, headers: dict[str, str], month: str, line: dict[str, Any], **body: Any):
    response = simulate(client, headers, month, line, **body)
    assert response.status_code == 200, response.text
    return response.json()["lines"][0]


def amounts(out: dict[str, Any]) -> tuple[str, ...]:
    return tuple(
        str(out[k])
        for k in ("regime", "indemnity_per_hour", "allocation_per_hour", "indemnity_amount",
                  "allocation_amount")
    )  # fmt: skip


# --- R23: the indemnity base, uncapped in 2020 -------------------------------------------------


def test_indemnity_base_is_uncapped_in_2020_12_and_capped_from_2021_01(client, headers):
    # 2020-12, 60.90 €/h: indemnity 70 % × 60.90 = 42.63 (uncapped); allocation 60 % × the cap
    # 45.675 = 27.405; × 10 h = 426.30 and 274.05
    december = one(client, headers, "2020-12", sim_line("60.90"))
    assert amounts(december) == ("general", "42.6300", "27.4050", "426.30", "274.05")
    assert december["indemnity_base"] == "60.9000"
    assert december["capped_hourly_rate"] == "45.6750"
    assert set(december["applied"]) == {"hourly_cap", "indemnity_base_uncapped"}
    # 2021-01: both on the cap 4.5 × 10.25 = 46.125: 70 % = 32.2875, 60 % = 27.675; × 10 h
    january = one(client, headers, "2021-01", sim_line("60.90"))
    assert amounts(january) == ("general", "32.2875", "27.6750", "322.88", "276.75")
    assert january["indemnity_base"] == "46.1250"
    assert set(january["applied"]) == {"hourly_cap"}


def test_issue_example_april_2020_at_60_90_is_owed_70_percent_of_the_whole_rate(client, headers):
    # April 2020, general 70 / 70: indemnity 70 % × 60.90 = 42.63 × 151.67 h = 6,465.6921 →
    # 6,465.69; allocation 70 % × 45.675 = 31.9725 × 151.67 = 4,849.2691 → 4,849.27
    out = one(client, headers, "2020-04", sim_line("60.90", "151.67"))
    assert amounts(out) == ("general", "42.6300", "31.9725", "6465.69", "4849.27")


# --- R23: the net ceiling, from 2021-04 -------------------------------------------------------


def test_net_ceiling_applies_from_2021_04_not_in_2021_03(client, headers):
    # 12.00 €/h, usual net 8.00 €/h. 2021-03: 70 % × 12 = 8.40 ≥ 8.11, no ceiling yet;
    # allocation 60 % × 12 = 7.20 < 8.11 → 8.11; × 10 h = 84.00 and 81.10
    march = one(client, headers, "2021-03", sim_line("12.00", usual_net_hourly_pay="8.00"))
    assert amounts(march) == ("general", "8.4000", "8.1100", "84.00", "81.10")
    assert "net_ceiling" not in march["applied"]
    # 2021-04: 8.40 > 8.00 → 8.00; the allocation 8.11 is then brought down to 8.00
    april = one(client, headers, "2021-04", sim_line("12.00", usual_net_hourly_pay="8.00"))
    assert amounts(april) == ("general", "8.0000", "8.0000", "80.00", "80.00")
    assert {"net_ceiling", "allocation_at_indemnity"} <= set(april["applied"])


def test_net_ceiling_needs_the_net_pay_given(client, headers):
    # 2021-04 without the usual net pay: 8.40 and 8.11, as in March
    out = one(client, headers, "2021-04", sim_line("12.00"))
    assert amounts(out) == ("general", "8.4000", "8.1100", "84.00", "81.10")


def test_a_standard_employee_below_the_floor_gets_the_floor_not_their_own_rate(client, headers):
    # 2021-07 general, 7.00 €/h: 60 % × 7 = 4.20 < 8.11 → 8.11 (before the revision: 7.00);
    # allocation 36 % × 7 = 2.52 < 7.30 → 7.30; × 10 h
    out = one(client, headers, "2021-07", sim_line("7.00"))
    assert amounts(out) == ("general", "8.1100", "7.3000", "81.10", "73.00")


# --- `closed` ends on 2022-03-31 ---------------------------------------------------------------


def test_closed_regime_pays_70_70_in_2022_03_and_the_general_cells_from_2022_04(client, headers):
    # 20.00 €/h: 2022-03 closed 70 / 70 → 14.00 twice; 2022-04 60 / 36 / 7.53: 12.00 and
    # 36 % × 20 = 7.20 < 7.53 → 7.53; × 10 h
    march = one(client, headers, "2022-03", sim_line("20.00"), regime="closed")
    assert amounts(march) == ("closed", "14.0000", "14.0000", "140.00", "140.00")
    april = one(client, headers, "2022-04", sim_line("20.00"), regime="closed")
    assert amounts(april) == ("closed", "12.0000", "7.5300", "120.00", "75.30")


# --- R28: apprentices --------------------------------------------------------------------------


def test_an_apprentice_below_the_smic_gets_100_percent_of_the_rate_without_floor(client, headers):
    # 2021-07, SMIC 10.25: 5.00 €/h → 5.00 for both (the floors 8.11 / 7.30 do not apply)
    out = one(client, headers, "2021-07", sim_line("5.00", category="apprentice"))
    assert amounts(out) == ("general", "5.0000", "5.0000", "50.00", "50.00")
    assert out["applied"] == ["apprentice_full_rate"]
    assert out["category"] == "apprentice"


def test_an_apprentice_just_below_the_smic_still_gets_the_full_rate(client, headers):
    # 10.2499 < 10.25 → 10.2499 × 10 h = 102.499 → 102.50
    out = one(client, headers, "2021-07", sim_line("10.2499", category="apprentice"))
    assert amounts(out) == ("general", "10.2499", "10.2499", "102.50", "102.50")


def test_an_apprentice_at_the_smic_is_computed_as_standard(client, headers):
    # 10.25: 60 % × 10.25 = 6.15 < 8.11 → 8.11; 36 % × 10.25 = 3.69 < 7.30 → 7.30
    out = one(client, headers, "2021-07", sim_line("10.25", category="apprentice"))
    assert amounts(out) == ("general", "8.1100", "7.3000", "81.10", "73.00")
    assert "apprentice_full_rate" not in out["applied"]


# --- R29: part-time employees ------------------------------------------------------------------


def test_a_part_time_employee_below_the_floor_is_paid_their_own_rate(client, headers):
    # 2021-07: floor = min(8.11, 7.00) = 7.00; allocation 7.30 → brought down to 7.00
    out = one(client, headers, "2021-07", sim_line("7.00", "10", category="part_time"))
    assert amounts(out) == ("general", "7.0000", "7.0000", "70.00", "70.00")
    assert {"part_time_floor", "allocation_at_indemnity"} <= set(out["applied"])


def test_a_part_time_employee_above_the_floor_gets_the_floor(client, headers):
    # 9.00 > 8.11: 60 % × 9 = 5.40 < 8.11 → 8.11; 36 % × 9 = 3.24 < 7.30 → 7.30
    out = one(client, headers, "2021-07", sim_line("9.00", category="part_time"))
    assert amounts(out) == ("general", "8.1100", "7.3000", "81.10", "73.00")
    assert "part_time_floor" not in out["applied"]


# --- R30: forfait days -------------------------------------------------------------------------


def forfait(rate: str = "30.00", **days: Any) -> dict[str, Any]:
    line = sim_line(rate, category="forfait")
    del line["hours_not_worked"]
    return line | days


def test_forfait_days_convert_to_hours_with_leave_deducted(client, headers):
    # 2 half-days × 3.5 + 3 days × 7 + 1 week × 35 − 2 leave days × 7 = 7 + 21 + 35 − 14 = 49 h;
    # 2021-07 general, 30 €/h: 60 % × 30 = 18.00; 36 % × 30 = 10.80; × 49 h = 882.00, 529.20
    out = one(
        client,
        headers,
        "2021-07",
        forfait(half_days_not_worked=2, days_not_worked=3, weeks_not_worked=1, leave_days=2),
    )
    assert out["hours_not_worked"] == "49.00"
    assert (out["half_days_not_worked"], out["days_not_worked"]) == (2, 3)
    assert (out["weeks_not_worked"], out["leave_days"]) == (1, 2)
    assert amounts(out) == ("general", "18.0000", "10.8000", "882.00", "529.20")


def test_forfait_hours_are_capped_at_the_legal_hours_of_the_month(client, headers):
    # 5 weeks × 35 + 10 days × 7 = 245 h → 151.67 h
    out = one(client, headers, "2021-07", forfait(weeks_not_worked=5, days_not_worked=10))
    assert out["hours_not_worked"] == "151.67"


def test_forfait_hours_never_go_below_zero(client, headers):
    # 1 day × 7 − 3 leave days × 7 = −14 → 0
    out = one(client, headers, "2021-07", forfait(days_not_worked=1, leave_days=3))
    assert out["hours_not_worked"] == "0.00"
    assert out["indemnity_amount"] == "0.00"


def test_a_forfait_line_without_days_is_refused_naming_r30(client, headers):
    response = simulate(client, headers, "2021-07", forfait())
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "lines.0.days_not_worked"
    assert body["errors"][0]["type"] == "forfait_days_missing"
    assert "R30" in body["errors"][0]["message"]


def test_a_forfait_line_with_other_hours_than_its_days_is_refused(client, headers):
    response = simulate(
        client, headers, "2021-07", forfait(days_not_worked=2) | {"hours_not_worked": "20"}
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "lines.0.hours_not_worked"
    assert body["errors"][0]["type"] == "forfait_hours_mismatch"
    # the same hours as the days (2 × 7 = 14) are accepted
    ok = simulate(
        client, headers, "2021-07", forfait(days_not_worked=2) | {"hours_not_worked": "14"}
    )
    assert ok.status_code == 200, ok.text


def test_days_on_a_line_that_is_not_forfait_are_refused(client, headers):
    response = simulate(client, headers, "2021-07", sim_line("20.00", days_not_worked=2))
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "lines.0.days_not_worked"
    assert body["errors"][0]["type"] == "forfait_fields_only"


def test_hours_are_required_on_a_line_that_is_not_forfait(client, headers):
    line = sim_line("20.00")
    del line["hours_not_worked"]
    body = assert_problem(simulate(client, headers, "2021-07", line), 422, "validation_error")
    assert body["errors"][0]["field"] == "lines.0.hours_not_worked"


# --- R31: hours above the legal working time ---------------------------------------------------


def above(**fields: Any) -> dict[str, Any]:
    return sim_line("12.00", "170", contract_hours="180", **fields)


def test_hours_above_the_legal_time_without_a_basis_are_refused_naming_r31(client, headers):
    body = assert_problem(simulate(client, headers, "2020-04", above()), 422, "validation_error")
    assert body["errors"][0]["field"] == "lines.0.overtime_basis"
    assert body["errors"][0]["type"] == "overtime_basis_required"
    assert "R31" in body["errors"][0]["message"]


def test_exactly_the_legal_hours_need_no_basis(client, headers):
    out = one(client, headers, "2020-04", sim_line("12.00", "151.67", contract_hours="180"))
    assert out["declared_hours"] is None


@pytest.mark.parametrize(("signed_on", "accepted"), [("2020-04-23", True), ("2020-04-24", False)])
def test_an_overtime_basis_counts_only_if_signed_before_2020_04_24(
    client, headers, signed_on, accepted
):
    line = above(overtime_basis="collective_agreement", overtime_basis_signed_on=signed_on)
    response = simulate(client, headers, "2020-04", line)
    if accepted:
        assert response.status_code == 200, response.text
        # 2020-04: 70 % × 12 = 8.40 twice; × 170 h = 1,428.00
        assert amounts(response.json()["lines"][0]) == (
            "general", "8.4000", "8.4000", "1428.00", "1428.00")  # fmt: skip
    else:
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "lines.0.overtime_basis_signed_on"
        assert body["errors"][0]["type"] == "overtime_basis_too_late"


def test_an_overtime_basis_without_its_signature_date_is_refused(client, headers):
    body = assert_problem(
        simulate(client, headers, "2020-04", above(overtime_basis="equivalence")),
        422,
        "validation_error",
    )
    assert body["errors"][0]["type"] == "overtime_basis_too_late"


@pytest.mark.parametrize(("month", "accepted"), [("2021-12", True), ("2022-01", False)])
def test_structural_overtime_counts_for_hours_until_2021_12_31(client, headers, month, accepted):
    line = above(overtime_basis="individual_forfait", overtime_basis_signed_on="2019-09-01")
    response = simulate(client, headers, month, line)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["type"] == "overtime_outside_window"
        assert "2021-12-31" in body["errors"][0]["message"]


# --- R32: APART's declared pair ----------------------------------------------------------------


def test_a_line_above_the_legal_hours_shows_the_declared_pair(client, headers):
    # 170 h × 12.00 = 2,040.00 = 151.67 h × 13.4502… → 13.45 (the rule of three, to the cent)
    line = above(overtime_basis="equivalence", overtime_basis_signed_on="2020-01-02")
    out = one(client, headers, "2020-04", line)
    assert (out["declared_hours"], out["declared_hourly_rate"]) == ("151.67", "13.45")
    # the amounts use the real pair
    assert (out["hours_not_worked"], out["indemnity_amount"]) == ("170.00", "1428.00")


def test_a_line_within_the_legal_hours_has_no_declared_pair(client, headers):
    out = one(client, headers, "2020-04", sim_line("12.00", "100"))
    assert (out["declared_hours"], out["declared_hourly_rate"]) == (None, None)


# --- R33: the RMM complement -------------------------------------------------------------------


def test_rmm_complement_is_shown_and_left_out_of_the_totals(client, headers):
    # 2021-04, SMIC 10.25, full time: indemnity max(70 % × 10.25 = 7.175, 8.11) = 8.11 × 100 h =
    # 811.00; RMM = 8.11 × 151.67 = 1,230.0437; complement = 1,230.0437 − 400 − 811.00 = 19.0437
    # → 19.04
    line = sim_line("10.25", "100", net_pay_for_hours_worked="400.00")
    response = simulate(client, headers, "2021-04", line)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["lines"][0]["rmm_complement"] == "19.04"
    assert result["total_indemnity"] == "811.00"
    assert result["total_rmm_complement"] == "19.04"
    assert dec(result["employer_cost"]) == dec("811.00") - dec(result["total_allocation"])


def test_rmm_complement_is_zero_when_the_pay_reaches_the_minimum(client, headers):
    out = one(client, headers, "2021-04", sim_line("10.25", "100", net_pay_for_hours_worked="500"))
    assert out["rmm_complement"] == "0.00"


@pytest.mark.parametrize(
    ("fields"),
    [
        {"contract_hours": "151.66"},  # not full time
        {"category": "part_time"},
        {},  # no net pay given
    ],
)
def test_rmm_complement_applies_to_full_time_standard_lines_with_their_net_pay(
    client, headers, fields
):
    line = sim_line("10.25", "100") | fields
    if fields:
        line["net_pay_for_hours_worked"] = "400.00"
    out = one(client, headers, "2021-04", line)
    assert out["rmm_complement"] is None


# --- R34: vulnerable and childcare absences ----------------------------------------------------


def absence(reason: str, rate: str = "20.00") -> dict[str, Any]:
    return sim_line(rate, absence_reason=reason, specific_absence_days=4)


@pytest.mark.parametrize("reason", ["vulnerable", "childcare"])
def test_absences_take_the_establishments_regime_in_2021_03_and_their_own_from_2021_04(
    client, headers, reason
):
    # 20 €/h. 2021-03 general 70 / 60: 14.00 and 12.00; 2021-04 vulnerable_or_childcare
    # 70 / 70 / 8.11: 14.00 twice; × 10 h
    march = one(client, headers, "2021-03", absence(reason))
    assert amounts(march) == ("general", "14.0000", "12.0000", "140.00", "120.00")
    april = one(client, headers, "2021-04", absence(reason))
    assert amounts(april) == ("vulnerable_or_childcare", "14.0000", "14.0000", "140.00", "140.00")
    assert (april["absence_reason"], april["specific_absence_days"]) == (reason, 4)


def test_an_absence_line_keeps_70_70_when_the_general_rates_fall_in_2021_07(client, headers):
    # 2021-07: general 60 / 36 would give 12.00 / 7.30; the absence regime 70 / 70 gives 14.00
    out = one(client, headers, "2021-07", absence("vulnerable"))
    assert amounts(out) == ("vulnerable_or_childcare", "14.0000", "14.0000", "140.00", "140.00")


def test_the_absence_regimes_floor_is_both_floors(client, headers):
    # 2022-05, 11.00 €/h: 70 % × 11 = 7.70 < 8.59 → 8.59 for both (not the general 7.73)
    out = one(client, headers, "2022-05", absence("vulnerable", "11.00"))
    assert amounts(out) == ("vulnerable_or_childcare", "8.5900", "8.5900", "85.90", "85.90")


@pytest.mark.parametrize(("month", "accepted"), [("2020-04", False), ("2020-05", True)])
def test_absences_count_from_2020_05(client, headers, month, accepted):
    response = simulate(client, headers, month, absence("vulnerable"))
    if accepted:
        assert response.status_code == 200, response.text
    else:
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == "lines.0.absence_reason"
        assert body["errors"][0]["type"] == "absence_not_yet"


def test_childcare_absences_end_on_2022_07_31(client, headers):
    july = one(client, headers, "2022-07", absence("childcare"))
    assert july["regime"] == "vulnerable_or_childcare"
    body = assert_problem(
        simulate(client, headers, "2022-08", absence("childcare")), 422, "validation_error"
    )
    assert body["errors"][0]["type"] == "childcare_ended"
    assert "2022-07-31" in body["errors"][0]["message"]
    # a vulnerable absence in 2022-08 is refused by the table itself
    body = assert_problem(
        simulate(client, headers, "2022-08", absence("vulnerable")), 422, "validation_error"
    )
    assert body["errors"][0]["type"] == "month_outside_parameters"


@pytest.mark.parametrize(
    ("month", "warned"),
    [("2020-06", False), ("2020-07", True), ("2020-08", True), ("2020-09", False)],
)
def test_childcare_in_the_single_sources_pause_is_warned_not_refused(
    client, headers, month, warned
):
    out = one(client, headers, month, absence("childcare"))
    assert (out["warnings"] == ["childcare_paused_single_source"]) is warned
    assert one(client, headers, month, absence("vulnerable"))["warnings"] == []


@pytest.mark.parametrize(
    "fields",
    [{"absence_reason": "vulnerable"}, {"specific_absence_days": 3}],
)
def test_absence_reason_and_its_days_go_together(client, headers, fields):
    body = assert_problem(
        simulate(client, headers, "2021-04", sim_line("20.00", **fields)), 422, "validation_error"
    )
    assert body["errors"][0]["type"] == "absence_days_pairing"
    assert "R34" in body["errors"][0]["message"]


# --- every category below and above the SMIC ---------------------------------------------------


@pytest.mark.parametrize(
    ("category", "rate", "expected"),
    [
        # 2021-07 general 60 / 36 / 7.30, indemnity floor 8.11, SMIC 10.25; × 10 h
        # 9.00 (below the SMIC): 60 % × 9 = 5.40 < 8.11 → 8.11; 36 % × 9 = 3.24 < 7.30 → 7.30
        ("standard", "9.00", ("8.1100", "7.3000", "81.10", "73.00")),
        # 20.00 (above): 60 % × 20 = 12.00; 36 % × 20 = 7.20 < 7.30 → 7.30
        ("standard", "20.00", ("12.0000", "7.3000", "120.00", "73.00")),
        # part-time at 9.00: floor min(8.11, 9.00) = 8.11, as standard
        ("part_time", "9.00", ("8.1100", "7.3000", "81.10", "73.00")),
        ("part_time", "20.00", ("12.0000", "7.3000", "120.00", "73.00")),
        # apprentice below the SMIC: 100 % of 9.00 for both
        ("apprentice", "9.00", ("9.0000", "9.0000", "90.00", "90.00")),
        ("apprentice", "20.00", ("12.0000", "7.3000", "120.00", "73.00")),
    ],
)
def test_each_category_below_and_above_the_smic(client, headers, category, rate, expected):
    out = one(client, headers, "2021-07", sim_line(rate, category=category))
    assert amounts(out)[1:] == expected


@pytest.mark.parametrize(
    ("rate", "expected"),
    [
        # one day not worked = 7 h; 9.00: 8.11 × 7 = 56.77 and 7.30 × 7 = 51.10
        ("9.00", ("8.1100", "7.3000", "56.77", "51.10")),
        # 20.00: 12.00 × 7 = 84.00; 7.30 × 7 = 51.10
        ("20.00", ("12.0000", "7.3000", "84.00", "51.10")),
    ],
)
def test_a_forfait_line_below_and_above_the_smic(client, headers, rate, expected):
    out = one(client, headers, "2021-07", forfait(rate, days_not_worked=1))
    assert out["hours_not_worked"] == "7.00"
    assert amounts(out)[1:] == expected
