"""Amounts over HTTP (R23, R24): legal parameters, simulations, claim amounts and totals, client
regimes, payment discrepancies and the establishment summary. Claim exports are in
tests/claims/test_export.py.

Every expected amount is computed by hand from the table in shared/DOMAIN.md; the arithmetic
is written next to each case. The request of `tests.support.lifecycle.accepted_request` covers
2020-03-16 – 2020-06-30 (1,200 h, 4 employees), so claims are for April, May and June 2020:
  April and May 2020: every regime 70 / 70 / floor 8.03.
  June 2020: general 70 / 60 / 8.03; protected and closed 70 / 70 / 8.03. Cap 4.5 × 10.15 = 45.675.
"""

from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.builders import firm_headers, make_establishment
from tests.support.lifecycle import (
    claim_for,
    create_claim,
    get_claim,
    line,
    ready_establishment,
    setup_request,
)

RANGE = "2020-03 to 2022-07"


def dec(value: Any) -> Decimal:
    return Decimal(str(value))


# --- helpers -----------------------------------------------------------------------------------


def advance(
    client: TestClient, ctx: dict[str, Any], claim_id: str, *, paid: str | None = None
) -> dict[str, Any]:
    """File (2020-07-06) and validate (2020-07-10) a claim; with `paid`, record that payment."""
    steps: list[tuple[str, dict[str, str]]] = [
        ("file", {"filed_on": "2020-07-06"}),
        ("validate", {"on": "2020-07-10"}),
    ]
    if paid is not None:
        steps.append(("paid", {"paid_on": "2020-07-20", "amount": paid}))
    body: dict[str, Any] = {}
    for step, payload in steps:
        response = client.post(
            f"/v1/claims/{claim_id}/{step}", headers=ctx["headers"], json=payload
        )
        assert response.status_code == 200, response.text
        body = response.json()
    return body


def amounts_of(line_json: dict[str, Any]) -> tuple[str, str, str, str, str, str]:
    return (
        line_json["regime"],
        str(dec(line_json["capped_hourly_rate"])),
        str(dec(line_json["indemnity_per_hour"])),
        str(dec(line_json["allocation_per_hour"])),
        str(dec(line_json["indemnity_amount"])),
        str(dec(line_json["allocation_amount"])),
    )


def listed(client: TestClient, ctx: dict[str, Any], **params: Any) -> list[str]:
    response = client.get("/v1/claims", headers=ctx["headers"], params=params)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["items"]]


# --- GET /v1/legal-parameters ------------------------------------------------------------------

# on, regime, SMIC, indemnity rate, allocation rate, indemnity floor, allocation floor,
# hourly cap (4.5 × SMIC), annual quota (1,607 h in 2020 and 2021, else 1,000 h)
LEGAL = [
    ("2020-03-01", "general", "10.15", "0.70", "0.70", "8.03", "8.03", "45.675", "1607"),
    ("2020-05-31", "general", "10.15", "0.70", "0.70", "8.03", "8.03", "45.675", "1607"),
    ("2020-06-01", "general", "10.15", "0.70", "0.60", "8.03", "8.03", "45.675", "1607"),
    ("2020-06-01", "protected", "10.15", "0.70", "0.70", "8.03", "8.03", "45.675", "1607"),
    ("2021-05-31", "general", "10.25", "0.70", "0.60", "8.11", "8.11", "46.125", "1607"),
    ("2021-06-01", "general", "10.25", "0.70", "0.52", "8.11", "8.11", "46.125", "1607"),
    ("2021-07-01", "general", "10.25", "0.60", "0.36", "8.11", "7.30", "46.125", "1607"),
    ("2021-07-31", "protected", "10.25", "0.70", "0.60", "8.11", "8.11", "46.125", "1607"),
    ("2021-08-15", "protected", "10.25", "0.70", "0.52", "8.11", "8.11", "46.125", "1607"),
    ("2021-09-30", "protected", "10.25", "0.60", "0.36", "8.11", "7.30", "46.125", "1607"),
    ("2021-09-30", "closed", "10.25", "0.70", "0.70", "8.11", "8.11", "46.125", "1607"),
    ("2021-10-01", "general", "10.48", "0.60", "0.36", "8.30", "7.47", "47.16", "1607"),
    ("2021-10-01", "closed", "10.48", "0.70", "0.70", "8.30", "8.30", "47.16", "1607"),
    ("2021-12-31", "closed", "10.48", "0.70", "0.70", "8.30", "8.30", "47.16", "1607"),
    ("2022-01-01", "closed", "10.57", "0.70", "0.70", "8.37", "8.37", "47.565", "1000"),
    ("2022-04-30", "general", "10.57", "0.60", "0.36", "8.37", "7.53", "47.565", "1000"),
    ("2022-05-01", "protected", "10.85", "0.60", "0.36", "8.59", "7.73", "48.825", "1000"),
    ("2022-03-31", "closed", "10.57", "0.70", "0.70", "8.37", "8.37", "47.565", "1000"),
    # `closed` ended on 2022-03-31: from 2022-04 it reads the general cells
    ("2022-04-01", "closed", "10.57", "0.60", "0.36", "8.37", "7.53", "47.565", "1000"),
    ("2022-07-31", "closed", "10.85", "0.60", "0.36", "8.59", "7.73", "48.825", "1000"),
]


@pytest.mark.parametrize(
    ("on", "regime", "smic", "ind_rate", "alloc_rate", "ind_floor", "alloc_floor", "cap", "quota"),
    LEGAL,
    ids=[f"{row[0]}-{row[1]}" for row in LEGAL],
)
def test_legal_parameters_are_public_and_read_the_month_and_regime(
    client, on, regime, smic, ind_rate, alloc_rate, ind_floor, alloc_floor, cap, quota
):
    response = client.get("/v1/legal-parameters", params={"on": on, "regime": regime})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["month"] == on[:7]
    assert body["regime"] == regime
    got = {
        k: dec(body[k])
        for k in (
            "smic_hourly", "indemnity_rate", "allocation_rate", "indemnity_floor",
            "allocation_floor", "hourly_cap", "annual_quota_hours",
        )
    }  # fmt: skip
    assert got == {
        "smic_hourly": dec(smic),
        "indemnity_rate": dec(ind_rate),
        "allocation_rate": dec(alloc_rate),
        "indemnity_floor": dec(ind_floor),
        "allocation_floor": dec(alloc_floor),
        "hourly_cap": dec(cap),
        "annual_quota_hours": dec(quota),
    }
    assert isinstance(body["source"], str) and body["source"].strip()


def test_legal_parameters_default_to_the_general_regime(client):
    body = client.get("/v1/legal-parameters", params={"on": "2021-07-14"}).json()
    assert body["regime"] == "general"
    assert (dec(body["allocation_rate"]), dec(body["allocation_floor"])) == (
        dec("0.36"),
        dec("7.30"),
    )


def test_legal_parameters_mark_the_uncertain_and_single_source_values(client):
    def read(on: str, regime: str = "general") -> dict[str, Any]:
        return client.get("/v1/legal-parameters", params={"on": on, "regime": regime}).json()

    closed_2021 = read("2021-11-15", "closed")
    assert closed_2021["uncertain"] == ["closed"]
    closed_2022 = read("2022-02-01", "closed")
    assert closed_2022["uncertain"] == []
    assert set(closed_2022["single_source"]) == {"indemnity_floor", "net_ceiling"}
    general_2021 = read("2021-10-01")
    assert general_2021["uncertain"] == []
    assert general_2021["single_source"] == ["net_ceiling"]
    assert read("2020-05-01")["single_source"] == []
    assert read("2022-02-01", "vulnerable_or_childcare")["single_source"] == ["floor"]


@pytest.mark.parametrize(
    ("on", "base_cap", "net_ceiling"),
    [("2020-12-31", False, False), ("2021-01-01", True, False), ("2021-03-31", True, False),
     ("2021-04-01", True, True)],
)  # fmt: skip
def test_legal_parameters_show_the_base_cap_and_the_net_ceiling(client, on, base_cap, net_ceiling):
    body = client.get("/v1/legal-parameters", params={"on": on}).json()
    assert (body["base_cap"], body["net_ceiling"]) == (base_cap, net_ceiling)


def test_legal_parameters_of_the_vulnerable_or_childcare_regime_start_in_2021_04(client):
    body = client.get(
        "/v1/legal-parameters", params={"on": "2021-04-01", "regime": "vulnerable_or_childcare"}
    ).json()
    assert body["regime"] == "vulnerable_or_childcare"
    rates = [dec(body[k]) for k in ("indemnity_rate", "allocation_rate", "indemnity_floor",
                                    "allocation_floor")]  # fmt: skip
    assert rates == [dec("0.70"), dec("0.70"), dec("8.11"), dec("8.11")]
    before = client.get(
        "/v1/legal-parameters", params={"on": "2021-03-31", "regime": "vulnerable_or_childcare"}
    )
    assert before.status_code == 422
    assert before.json()["errors"][0]["type"] == "month_outside_parameters"
    assert "2021-04 to 2022-07" in before.json()["detail"]


@pytest.mark.parametrize("on", ["2020-02-29", "2019-06-01", "2022-08-01", "2030-01-01"])
def test_legal_parameters_outside_the_table_answer_422_naming_the_covered_range(client, on):
    response = client.get("/v1/legal-parameters", params={"on": on})
    assert response.status_code == 422, response.text
    body = response.json()
    assert RANGE in body["detail"]
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("on", "month_outside_parameters")]
    assert RANGE in body["errors"][0]["message"]


@pytest.mark.parametrize(
    "params", [{}, {"on": "2021-13-01"}, {"on": "2021-07-01", "regime": "majore"}]
)
def test_legal_parameters_refuse_a_missing_date_or_an_unknown_regime(client, params):
    assert client.get("/v1/legal-parameters", params=params).status_code == 422


# --- POST /v1/simulations ----------------------------------------------------------------------


def simulation_line(ref: str, rate: str, hours: str, **extra: Any) -> dict[str, Any]:
    return {
        "employee_ref": ref,
        "contract_hours": "151.67",
        "hours_not_worked": hours,
        "hourly_rate": rate,
        **extra,
    }


def test_simulation_needs_a_token(client):
    body = {"month": "2021-07", "lines": [simulation_line("E1", "20.00", "10")]}
    response = client.post("/v1/simulations", json=body)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_simulation_computes_lines_and_totals_with_a_line_regime_override(client):
    _, headers = firm_headers(client)
    body = {
        "month": "2021-07",
        "lines": [
            # general: 60 % × 20 = 12.00 ≥ 8.11; 36 % × 20 = 7.20 < 7.30 → 7.30; × 10 h
            simulation_line("E1", "20.00", "10"),
            # closed: 70 % × 20 = 14.00 twice; × 10 h
            simulation_line("E2", "20.00", "10", regime="closed"),
            # general, above the cap 46.125: 60 % → 27.675, 36 % → 16.605; × 7.5 h =
            # 207.5625 → 207.56 and 124.5375 → 124.54
            simulation_line("E3", "50.00", "7.50"),
        ],
    }
    response = client.post("/v1/simulations", headers=headers, json=body)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["month"] == "2021-07"
    assert [amounts_of(x) for x in result["lines"]] == [
        ("general", "20.0000", "12.0000", "7.3000", "120.00", "73.00"),
        ("closed", "20.0000", "14.0000", "14.0000", "140.00", "140.00"),
        ("general", "46.1250", "27.6750", "16.6050", "207.56", "124.54"),
    ]
    assert [x["employee_ref"] for x in result["lines"]] == ["E1", "E2", "E3"]
    assert dec(result["total_hours"]) == dec("27.50")
    assert dec(result["total_indemnity"]) == dec("467.56")  # 120.00 + 140.00 + 207.56
    assert dec(result["total_allocation"]) == dec("337.54")  # 73.00 + 140.00 + 124.54
    assert dec(result["employer_cost"]) == dec("130.02")


def test_simulation_uses_the_regime_of_the_body_for_lines_without_one(client):
    _, headers = firm_headers(client)
    body = {
        "month": "2021-08",
        "regime": "protected",
        "lines": [
            # protected 2021-08: 70 / 52 / 8.11: 70 % × 20 = 14.00; 52 % × 20 = 10.40; × 10 h
            simulation_line("E1", "20.00", "10"),
            # general override: 60 % × 20 = 12.00; 7.30 floor
            simulation_line("E2", "20.00", "10", regime="general"),
        ],
    }
    result = client.post("/v1/simulations", headers=headers, json=body).json()
    assert [amounts_of(x) for x in result["lines"]] == [
        ("protected", "20.0000", "14.0000", "10.4000", "140.00", "104.00"),
        ("general", "20.0000", "12.0000", "7.3000", "120.00", "73.00"),
    ]


@pytest.mark.parametrize("month", ["2020-02", "2022-08"])
def test_simulation_outside_the_table_answers_422_naming_the_covered_range(client, month):
    _, headers = firm_headers(client)
    body = {"month": month, "lines": [simulation_line("E1", "20.00", "10")]}
    response = client.post("/v1/simulations", headers=headers, json=body)
    assert response.status_code == 422, response.text
    assert RANGE in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "month"


# --- claim amounts -----------------------------------------------------------------------------


def test_claim_lines_carry_their_amounts_and_the_claim_its_totals(client):
    ctx, request_id = setup_request(client)
    claim = claim_for(
        client,
        ctx,
        request_id,
        "2020-06",
        [
            # 70 % × 12.50 = 8.75; 60 % × 12.50 = 7.50 < 8.03 → 8.03; × 80 h = 700.00, 642.40
            line("E1", hourly_rate="12.50", hours_not_worked="80"),
            # 70 % × 9 = 6.30 < 8.03 → 8.03 (≤ 9); 60 % → 8.03; × 35.5 h = 285.065 → 285.07
            line("E2", hourly_rate="9.00", hours_not_worked="35.50"),
            # 2020: the indemnity on the uncapped rate, 70 % × 60 = 42.00 × 10 h = 420.00 (before
            # the revision: on the cap 45.675, 319.73); the allocation on the cap, 60 % × 45.675
            # = 27.405 × 10 h = 274.05
            line("E3", hourly_rate="60.00", hours_not_worked="10"),
            # paid below the floor, standard: the floor 8.03 for both × 20 h = 160.60 (before the
            # revision: the own rate 7.00, 140.00)
            line("E4", hourly_rate="7.00", hours_not_worked="20"),
        ],
    )
    assert [amounts_of(x) for x in claim["lines"]] == [
        ("general", "12.5000", "8.7500", "8.0300", "700.00", "642.40"),
        ("general", "9.0000", "8.0300", "8.0300", "285.07", "285.07"),
        ("general", "45.6750", "42.0000", "27.4050", "420.00", "274.05"),
        ("general", "7.0000", "8.0300", "8.0300", "160.60", "160.60"),
    ]
    assert claim["employee_count"] == 4
    assert dec(claim["total_hours"]) == dec("145.50")
    # the sums of the rounded lines: 700.00 + 285.07 + 420.00 + 160.60, and
    # 642.40 + 285.07 + 274.05 + 160.60
    assert dec(claim["total_indemnity"]) == dec("1565.67")
    assert dec(claim["total_allocation"]) == dec("1362.12")
    assert dec(claim["employer_cost"]) == dec("203.55")
    assert dec(claim["expected_allocation"]) == dec("1362.12")
    assert claim["paid_amount"] is None
    assert claim["discrepancy"] is None
    assert get_claim(client, ctx, claim["id"]) == claim

    summary = next(c for c in client.get("/v1/claims", headers=ctx["headers"]).json()["items"])
    for key in ("total_hours", "total_indemnity", "total_allocation", "expected_allocation"):
        assert dec(summary[key]) == dec(claim[key])


@pytest.mark.parametrize("month", ["2020-02", "2022-08"])
def test_claim_for_a_month_outside_the_table_is_refused_naming_the_covered_range(client, month):
    ctx, request_id = setup_request(client)
    response = create_claim(client, ctx, request_id, month=month, payroll_paid_on="2020-04-30")
    assert response.status_code == 422, response.text
    assert RANGE in response.json()["detail"]
    assert response.json()["errors"][0]["type"] == "month_outside_parameters"


# --- regimes -----------------------------------------------------------------------------------


def test_client_regime_is_given_at_creation_and_applies_to_its_claims(client):
    ctx, request_id = setup_request(client, regime="closed")
    company = client.get(f"/v1/clients/{ctx['client']['id']}", headers=ctx["headers"]).json()
    assert company["regime"] == "closed"
    regimes = client.get(f"/v1/clients/{ctx['client']['id']}/regimes", headers=ctx["headers"])
    assert [r["regime"] for r in regimes.json()] == ["closed"]
    claim = claim_for(client, ctx, request_id, "2020-06", [line("E1", hourly_rate="12.50")])
    # closed, June 2020: 70 / 70: 8.75 × 80 = 700.00 both
    assert amounts_of(claim["lines"][0]) == (
        "closed", "12.5000", "8.7500", "8.7500", "700.00", "700.00",
    )  # fmt: skip


def test_client_regime_defaults_to_general(client):
    ctx, _ = setup_request(client)
    company = client.get(f"/v1/clients/{ctx['client']['id']}", headers=ctx["headers"]).json()
    assert company["regime"] == "general"


def change_regime(client: TestClient, ctx: dict[str, Any], regime: str, effective_from: str) -> Any:
    return client.post(
        f"/v1/clients/{ctx['client']['id']}/regimes",
        headers=ctx["headers"],
        json={"regime": regime, "effective_from": effective_from},
    )


def test_regime_change_applies_to_claims_of_months_from_its_date(client):
    ctx, request_id = setup_request(client)
    client_id = ctx["client"]["id"]
    response = change_regime(client, ctx, "closed", "2020-05-01")
    assert response.status_code == 200, response.text
    expected = [
        {"regime": "general", "effective_from": "2020-01-01"},
        {"regime": "closed", "effective_from": "2020-05-01"},
    ]
    assert response.json() == expected
    assert client.get(f"/v1/clients/{client_id}/regimes", headers=ctx["headers"]).json() == expected

    april = claim_for(client, ctx, request_id, "2020-04", [line("E1", hourly_rate="12.50")])
    june = claim_for(client, ctx, request_id, "2020-06", [line("E1", hourly_rate="12.50")])
    # April: still general (70 / 70 in April anyway)
    assert amounts_of(april["lines"][0]) == (
        "general", "12.5000", "8.7500", "8.7500", "700.00", "700.00",
    )  # fmt: skip
    # June: closed 70 / 70 → 8.75 × 80 = 700.00, not the general 60 % (floor 8.03 → 642.40)
    assert amounts_of(june["lines"][0]) == (
        "closed", "12.5000", "8.7500", "8.7500", "700.00", "700.00",
    )  # fmt: skip
    assert dec(june["total_allocation"]) == dec("700.00")


def test_regime_change_in_the_middle_of_a_month_is_422_and_changes_nothing(client):
    ctx, _ = setup_request(client)
    client_id = ctx["client"]["id"]
    response = change_regime(client, ctx, "closed", "2020-05-15")
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "validation_error"
    assert [e["field"] for e in body["errors"]] == ["effective_from"]
    assert "first day of a month" in body["errors"][0]["message"]
    regimes = client.get(f"/v1/clients/{client_id}/regimes", headers=ctx["headers"]).json()
    assert regimes == [{"regime": "general", "effective_from": "2020-01-01"}]


def test_regime_change_of_another_firms_client_answers_404(client):
    ctx, _ = setup_request(client)
    _, other = firm_headers(client)
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/regimes",
        headers=other,
        json={"regime": "closed", "effective_from": "2020-05-01"},
    )
    assert response.status_code == 404
    listed_by_other = client.get(f"/v1/clients/{ctx['client']['id']}/regimes", headers=other)
    assert listed_by_other.status_code == 404


def test_a_line_regime_overrides_the_clients_regime(client):
    ctx, request_id = setup_request(client)
    claim = claim_for(
        client,
        ctx,
        request_id,
        "2020-06",
        [
            line("E1", hourly_rate="12.50"),  # general: 60 % → 7.50 < 8.03 → 642.40
            line("E2", hourly_rate="12.50", regime="protected"),  # 70 % → 8.75 → 700.00
        ],
    )
    assert [amounts_of(x) for x in claim["lines"]] == [
        ("general", "12.5000", "8.7500", "8.0300", "700.00", "642.40"),
        ("protected", "12.5000", "8.7500", "8.7500", "700.00", "700.00"),
    ]
    assert dec(claim["total_allocation"]) == dec("1342.40")


def test_a_line_regime_general_overrides_a_closed_client(client):
    ctx, request_id = setup_request(client, regime="closed")
    claim = claim_for(
        client, ctx, request_id, "2020-06", [line("E1", hourly_rate="12.50", regime="general")]
    )
    assert amounts_of(claim["lines"][0]) == (
        "general", "12.5000", "8.7500", "8.0300", "700.00", "642.40",
    )  # fmt: skip


# --- payment discrepancy (R24) -----------------------------------------------------------------


@pytest.fixture
def paid_claims(client) -> dict[str, Any]:
    """Three paid claims of one request: April paid one cent over (700.01 for 700.00), May paid
    exactly (700.00), June one cent short (642.39 for 642.40: 60 % × 12.50 = 7.50 < 8.03)."""
    ctx, request_id = setup_request(client)
    april = claim_for(client, ctx, request_id, "2020-04", [line("E1", hourly_rate="12.50")])
    may = claim_for(client, ctx, request_id, "2020-05", [line("E1", hourly_rate="12.50")])
    june = claim_for(client, ctx, request_id, "2020-06", [line("E1", hourly_rate="12.50")])
    assert [dec(c["total_allocation"]) for c in (april, may, june)] == [
        dec("700.00"),
        dec("700.00"),
        dec("642.40"),
    ]
    advance(client, ctx, april["id"], paid="700.01")
    advance(client, ctx, may["id"], paid="700.00")
    advance(client, ctx, june["id"], paid="642.39")
    return {"ctx": ctx, "request_id": request_id, "over": april, "exact": may, "short": june}


def test_claim_paid_exactly_is_not_listed_as_a_discrepancy(client, paid_claims):
    ids = listed(client, paid_claims["ctx"], discrepancy="true")
    assert paid_claims["exact"]["id"] not in ids


def test_claim_paid_one_cent_short_is_listed_as_a_discrepancy(client, paid_claims):
    ids = listed(client, paid_claims["ctx"], discrepancy="true")
    assert ids == [paid_claims["over"]["id"], paid_claims["short"]["id"]]


def test_claim_paid_exactly_is_listed_without_discrepancy(client, paid_claims):
    assert listed(client, paid_claims["ctx"], discrepancy="false") == [paid_claims["exact"]["id"]]


def test_paid_claim_shows_paid_minus_expected_as_its_discrepancy(client, paid_claims):
    ctx = paid_claims["ctx"]
    short = get_claim(client, ctx, paid_claims["short"]["id"])
    assert (dec(short["paid_amount"]), dec(short["expected_allocation"])) == (
        dec("642.39"),
        dec("642.40"),
    )
    assert short["discrepancy"] is not None
    assert dec(short["discrepancy"]) == dec("-0.01")
    over = get_claim(client, ctx, paid_claims["over"]["id"])
    assert dec(over["discrepancy"]) == dec("0.01")
    exact = get_claim(client, ctx, paid_claims["exact"]["id"])
    assert dec(exact["discrepancy"]) == dec("0.00")


def test_paid_claim_shows_its_paid_amount_and_expected_allocation(client, paid_claims):
    short = get_claim(client, paid_claims["ctx"], paid_claims["short"]["id"])
    assert short["status"] == "paid"
    assert dec(short["paid_amount"]) == dec("642.39")
    assert dec(short["expected_allocation"]) == dec("642.40")


def test_expected_allocation_of_a_paid_claim_stays_as_of_payment(client, paid_claims):
    """ClaimSummary.expected_allocation: "the total allocation (as of payment once paid)"."""
    ctx = paid_claims["ctx"]
    changed = client.post(
        f"/v1/clients/{ctx['client']['id']}/regimes",
        headers=ctx["headers"],
        json={"regime": "closed", "effective_from": "2020-06-01"},
    )
    assert changed.status_code == 200, changed.text
    short = get_claim(client, ctx, paid_claims["short"]["id"])
    assert dec(short["expected_allocation"]) == dec("642.40")
    assert dec(short["discrepancy"]) == dec("-0.01")


def test_unpaid_claims_are_not_listed_as_discrepancies(client):
    ctx, request_id = setup_request(client)
    draft = claim_for(client, ctx, request_id, "2020-04", [line("E1")])
    validated = claim_for(client, ctx, request_id, "2020-05", [line("E1")])
    advance(client, ctx, validated["id"])
    assert listed(client, ctx, discrepancy="true") == []
    assert sorted(listed(client, ctx)) == sorted([draft["id"], validated["id"]])


# --- establishment summary ---------------------------------------------------------------------


def test_establishment_summary_gives_hours_and_amounts_per_authorization(client):
    ctx, request_id = setup_request(client)
    h = ctx["headers"]
    # April stays a draft: not counted
    claim_for(client, ctx, request_id, "2020-04", [line("E1", hourly_rate="12.50")])
    # May: 70 / 70 → 8.75 × 80 = 700.00 expected, paid exactly
    may = claim_for(client, ctx, request_id, "2020-05", [line("E1", hourly_rate="12.50")])
    advance(client, ctx, may["id"], paid="700.00")
    # June: general 60 % → floor 8.03 × 80 = 642.40 expected, filed and not paid
    june = claim_for(client, ctx, request_id, "2020-06", [line("E1", hourly_rate="12.50")])
    assert (
        client.post(
            f"/v1/claims/{june['id']}/file", headers=h, json={"filed_on": "2020-07-06"}
        ).status_code
        == 200
    )

    response = client.get(f"/v1/establishments/{ctx['establishment']['id']}/summary", headers=h)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["establishment_id"] == ctx["establishment"]["id"]
    [item] = body["authorizations"]
    assert item["request_id"] == request_id
    assert item["status"] == "accepted"
    assert (item["start_on"], item["end_on"]) == ("2020-03-16", "2020-06-30")
    assert dec(item["authorized_hours"]) == dec("1200")
    assert dec(item["hours_claimed"]) == dec("160.00")  # May + June, 80 h each
    assert dec(item["hours_remaining"]) == dec("1040.00")
    assert dec(item["expected_allocation"]) == dec("1342.40")  # 700.00 + 642.40
    assert dec(item["paid_amount"]) == dec("700.00")
    assert item["claims"] == 2
    assert dec(body["expected_allocation"]) == dec("1342.40")
    assert dec(body["paid_amount"]) == dec("700.00")


def test_establishment_summary_without_requests_is_empty(client):
    ctx = ready_establishment(client)
    other_est = make_establishment(client, ctx["headers"], ctx["client"], n=2)
    response = client.get(f"/v1/establishments/{other_est['id']}/summary", headers=ctx["headers"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["authorizations"] == []
    assert (dec(body["expected_allocation"]), dec(body["paid_amount"])) == (dec(0), dec(0))


def test_establishment_summary_of_another_firm_answers_404(client):
    ctx = ready_establishment(client)
    _, other = firm_headers(client)
    url = f"/v1/establishments/{ctx['establishment']['id']}/summary"
    assert client.get(url, headers=other).status_code == 404
