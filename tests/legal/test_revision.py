"""R24 and the revision of the legal table: a filed claim keeps the amounts it was filed with;
a draft is computed with the table in force; claim lines carry R27–R34 through the API.

The revision is played by replacing the table the claims read with a copy whose June 2020
indemnity floor is 9.50 instead of 8.03 (a made-up value: only the difference matters).
"""

import dataclasses
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from app.claims import rules as claim_rules
from app.legal.table import ParameterTable, parameter_table
from tests.support.lifecycle import (
    OVERTIME,
    claim_for,
    create_claim,
    get_claim,
    line,
    setup_request,
)
from tests.support.problems import assert_problem


def revised_table() -> ParameterTable:
    table = parameter_table()
    periods = tuple(
        dataclasses.replace(p, indemnity_floor=Decimal("9.50"))
        if p.first_month <= date(2020, 6, 1) <= p.last_month
        else p
        for p in table.periods
    )
    return dataclasses.replace(table, periods=periods)


def file(client: Any, ctx: dict[str, Any], claim_id: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/claims/{claim_id}/file", headers=ctx["headers"], json={"filed_on": "2020-07-06"}
    )
    assert response.status_code == 200, response.text
    return response.json()


def amounts(claim: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [
        (ln["indemnity_per_hour"], ln["indemnity_amount"], ln["allocation_amount"])
        for ln in claim["lines"]
    ]


def test_a_filed_claim_keeps_its_amounts_when_the_table_is_revised(client, monkeypatch):
    ctx, request_id = setup_request(client)
    # June 2020 general, 9.00 €/h × 80 h: both floors 8.03 → 642.40
    draft = claim_for(client, ctx, request_id, "2020-06", [line("E1", hourly_rate="9.00")])
    filed = file(client, ctx, draft["id"])
    assert amounts(filed) == [("8.0300", "642.40", "642.40")]

    monkeypatch.setattr(claim_rules, "parameter_table", revised_table)
    # the filed claim as filed, lines and totals
    shown = get_claim(client, ctx, filed["id"])
    assert amounts(shown) == [("8.0300", "642.40", "642.40")]
    assert (shown["total_indemnity"], shown["total_allocation"]) == ("642.40", "642.40")
    # a draft of the same month is computed with the revised table: 9.50 × 80 h = 760.00
    other = claim_for(client, ctx, request_id, "2020-05", [line("E1", hourly_rate="9.00")])
    assert amounts(other) == [("8.0300", "642.40", "642.40")]  # May keeps 8.03
    response = client.patch(
        f"/v1/claims/{draft['id']}", headers=ctx["headers"], json={"lines": [line("E2")]}
    )
    assert_problem(response, 409, "invalid_transition")


def test_a_draft_is_computed_with_the_table_in_force_when_read_and_when_filed(client, monkeypatch):
    ctx, request_id = setup_request(client)
    draft = claim_for(client, ctx, request_id, "2020-06", [line("E1", hourly_rate="9.00")])
    assert amounts(draft) == [("8.0300", "642.40", "642.40")]
    monkeypatch.setattr(claim_rules, "parameter_table", revised_table)
    # indemnity floor 9.50 × 80 h = 760.00; the allocation floor 8.03 is unchanged: 642.40
    assert amounts(get_claim(client, ctx, draft["id"])) == [("9.5000", "760.00", "642.40")]
    filed = file(client, ctx, draft["id"])
    assert amounts(filed) == [("9.5000", "760.00", "642.40")]
    assert filed["total_indemnity"] == "760.00"
    listed = client.get("/v1/claims", headers=ctx["headers"]).json()["items"]
    assert [c["total_indemnity"] for c in listed if c["id"] == draft["id"]] == ["760.00"]


def test_claim_lines_take_the_categories_and_keep_them_once_filed(client):
    ctx, request_id = setup_request(client)
    lines = [
        # forfait: 1 week + 2 days − 1 leave day = 35 + 14 − 7 = 42 h; June 2020 general,
        # 20 €/h: 70 % → 14.00, 60 % → 12.00; × 42 h = 588.00 and 504.00
        {
            **line("F1", hourly_rate="20.00", category="forfait"),
            "hours_not_worked": None,
            "weeks_not_worked": 1,
            "days_not_worked": 2,
            "leave_days": 1,
        },
        # 170 h with a basis signed before 2020-04-24 (R31): declared 151.67 h at
        # 170 × 12 / 151.67 = 13.4502… → 13.45 (R32); 70 % × 12 = 8.40 and 60 % × 12 = 7.20
        # < 8.03 → 8.03; × 170 h = 1,428.00 and 1,365.10
        line("O1", contract_hours="180", hours_not_worked="170", hourly_rate="12.00", **OVERTIME),
        # an apprentice at 6.00 €/h (below the SMIC 10.15): 100 % for both, × 80 h = 480.00
        line("A1", hourly_rate="6.00", category="apprentice"),
    ]
    created = claim_for(client, ctx, request_id, "2020-06", lines)
    assert [ln["category"] for ln in created["lines"]] == ["forfait", "standard", "apprentice"]
    assert created["lines"][0]["hours_not_worked"] == "42.00"
    assert amounts(created) == [
        ("14.0000", "588.00", "504.00"),
        ("8.4000", "1428.00", "1365.10"),
        ("6.0000", "480.00", "480.00"),
    ]
    assert (created["lines"][1]["declared_hours"], created["lines"][1]["declared_hourly_rate"]) == (
        "151.67",
        "13.45",
    )
    assert created["total_hours"] == "292.00"
    assert created["total_indemnity"] == "2496.00"
    filed = file(client, ctx, created["id"])
    assert filed["lines"] == created["lines"]
    assert get_claim(client, ctx, created["id"])["lines"] == created["lines"]

    exported = client.get(
        f"/v1/claims/{created['id']}/export",
        headers=ctx["headers"],
        params={"separator": ",", "decimal": "point"},
    ).text.splitlines()
    header = exported[0].split(",")
    overtime_row = dict(zip(header, exported[2].split(","), strict=True))
    assert (overtime_row["declared_hours"], overtime_row["declared_hourly_rate"]) == (
        "151.67",
        "13.45",
    )
    assert overtime_row["overtime_basis"] == "collective_agreement"
    forfait_row = dict(zip(header, exported[1].split(","), strict=True))
    assert (forfait_row["category"], forfait_row["weeks_not_worked"]) == ("forfait", "1")


def test_a_claim_line_above_the_legal_hours_without_a_basis_is_refused_and_nothing_written(client):
    ctx, request_id = setup_request(client)
    response = create_claim(
        client,
        ctx,
        request_id,
        month="2020-06",
        lines=[line("E1"), line("E2", contract_hours="200", hours_not_worked="160")],
        payroll_paid_on="2020-06-30",
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "lines.1.overtime_basis"
    assert client.get("/v1/claims", headers=ctx["headers"]).json()["items"] == []


@pytest.mark.parametrize("month", ["2020-04", "2020-05"])
def test_a_claim_line_absence_follows_its_start_date(client, month):
    ctx, request_id = setup_request(client)
    response = create_claim(
        client,
        ctx,
        request_id,
        month=month,
        lines=[line("E1", absence_reason="childcare", specific_absence_days=3)],
        payroll_paid_on=f"{month}-28",
    )
    if month == "2020-04":
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["type"] == "absence_not_yet"
    else:
        assert response.status_code == 201, response.text
        assert response.json()["lines"][0]["absence_reason"] == "childcare"
