"""Monthly indemnity claims (DI) over HTTP: R19–R22 and the lifecycle of R24, a filed claim's
amounts included."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.lifecycle import (
    OVERTIME,
    accepted_request,
    another_client,
    create_claim,
    create_request,
    file_request,
    line,
    ready_establishment,
)
from tests.support.problems import assert_problem

NIR = "1 85 05 78 006 084 91"
NIR_DIGITS = NIR.replace(" ", "")


def authorize(
    client,
    ctx,
    *,
    hours: str = "1200",
    employees: int = 4,
    filed_at: str = "2020-03-20T10:00:00+01:00",
    decided_on: str = "2020-03-25",
    **overrides: Any,
) -> dict[str, Any]:
    """A request filed and explicitly accepted for `hours` and `employees`."""
    overrides.setdefault("forecast_hours", "2000")
    request = create_request(client, ctx, **overrides)
    response = file_request(client, ctx, request["id"], filed_at)
    assert response.status_code == 200, response.text
    response = client.post(
        f"/v1/authorization-requests/{request['id']}/decision",
        headers=ctx["headers"],
        json={
            "outcome": "accepted",
            "decided_on": decided_on,
            "decision_number": "DEC-1",
            "authorized_hours": hours,
            "authorized_employees": employees,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


def new_claim(client, ctx, request_id: str, month: str = "2020-04", **kwargs: Any) -> dict:
    response = create_claim(client, ctx, request_id, month, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


def act(client, ctx, claim_id: str, action: str, body: dict[str, Any] | None = None):
    return client.post(f"/v1/claims/{claim_id}/{action}", headers=ctx["headers"], json=body or {})


def file_claim(client, ctx, claim_id: str, filed_on: str = "2020-05-04"):
    return act(client, ctx, claim_id, "file", {"filed_on": filed_on})


def filed_claim(client, ctx, request_id: str, month: str, lines: list, filed_on: str) -> dict:
    claim = new_claim(client, ctx, request_id, month, lines=lines, payroll_paid_on=f"{month}-28")
    response = file_claim(client, ctx, claim["id"], filed_on)
    assert response.status_code == 200, response.text
    return response.json()


def paid_claim(client, ctx, request_id: str, month: str = "2020-04", **kwargs: Any) -> dict:
    claim = new_claim(client, ctx, request_id, month, **kwargs)
    for action, body in (
        ("file", {"filed_on": "2020-05-04"}),
        ("validate", {"on": "2020-05-10"}),
        ("paid", {"paid_on": "2020-05-15", "amount": "1000.00"}),
    ):
        response = act(client, ctx, claim["id"], action, body)
        assert response.status_code == 200, response.text
    return response.json()


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


@pytest.fixture
def request_id(client, ctx) -> str:
    return authorize(client, ctx)["id"]


# --- R19: under an accepted request, one per month -------------------------------------------


def test_r19_no_claim_under_a_draft_request(client, ctx):
    draft = create_request(client, ctx)
    body = assert_problem(create_claim(client, ctx, draft["id"]), 409, "request_not_accepted")
    assert "draft" in body["detail"]


def test_r19_no_claim_under_a_filed_request_not_yet_accepted(client, ctx, clock):
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"]).status_code == 200
    clock.current = datetime(2020, 3, 21, 12, tzinfo=UTC)  # silence accepts on 2020-03-22
    assert_problem(
        create_claim(client, ctx, request["id"], "2020-03", payroll_paid_on="2020-03-20"),
        409,
        "request_not_accepted",
    )


@pytest.mark.parametrize("outcome", ["refused", "invalidated"])
def test_r19_no_claim_under_a_refused_or_invalidated_request(client, ctx, outcome):
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"]).status_code == 200
    decided = client.post(
        f"/v1/authorization-requests/{request['id']}/decision",
        headers=ctx["headers"],
        json={"outcome": outcome, "decided_on": "2020-03-21", "reason": "Motif"},
    )
    assert decided.status_code == 200, decided.text
    assert_problem(create_claim(client, ctx, request["id"]), 409, "request_not_accepted")


def test_r19_an_implicitly_accepted_request_takes_claims(client, ctx):
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"]).json()["status"] == "accepted_implicitly"
    claim = new_claim(client, ctx, request["id"])
    assert claim["status"] == "draft"
    assert claim["version"] == 1
    assert claim["month"] == "2020-04"


@pytest.mark.parametrize(
    ("month", "inside"),
    [("2020-03", False), ("2020-04", True), ("2020-06", True), ("2020-07", False)],
)
def test_r19_the_month_overlaps_the_authorized_period(client, ctx, month, inside):
    # authorized 2020-04-16 – 2020-06-30: April overlaps it although it starts before
    request = authorize(
        client,
        ctx,
        start_on="2020-04-16",
        end_on="2020-06-30",
        forecast_hours="1500",
        filed_at="2020-04-16T10:00:00+02:00",
        decided_on="2020-04-17",
    )
    response = create_claim(client, ctx, request["id"], month, payroll_paid_on="2020-07-31")
    if inside:
        assert response.status_code == 201, response.text
    else:
        assert_problem(response, 409, "month_outside_authorization")


def test_r19_one_claim_per_month_and_request(client, ctx, request_id):
    first = new_claim(client, ctx, request_id, "2020-04")
    assert_problem(create_claim(client, ctx, request_id, "2020-04"), 409, "duplicate_claim_month")
    assert file_claim(client, ctx, first["id"]).status_code == 200
    assert_problem(create_claim(client, ctx, request_id, "2020-04"), 409, "duplicate_claim_month")
    new_claim(client, ctx, request_id, "2020-05", payroll_paid_on="2020-05-29")
    listed = client.get(
        f"/v1/authorization-requests/{request_id}/claims", headers=ctx["headers"]
    ).json()["items"]
    assert sorted(c["month"] for c in listed) == ["2020-04", "2020-05"]


# --- R22: lines ------------------------------------------------------------------------------


def test_r22_hours_not_worked_never_exceed_contract_hours(client, ctx, request_id):
    lines = [line("E1", contract_hours="100", hours_not_worked="100.01")]
    assert_problem(create_claim(client, ctx, request_id, lines=lines), 422, "validation_error")
    lines = [line("E1", contract_hours="100", hours_not_worked="100")]
    assert create_claim(client, ctx, request_id, lines=lines).status_code == 201


def test_r22_an_employee_appears_once_per_claim(client, ctx, request_id):
    response = create_claim(client, ctx, request_id, lines=[line("E1"), line("E1")])
    assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize("nir", ["1 85 05 78 006 084 92", "185057800608492", "2 99 13 12 345 678"])
def test_r22_an_invalid_nir_is_refused_and_never_echoed(client, ctx, request_id, nir):
    response = create_claim(client, ctx, request_id, lines=[line("E1", nir=nir)])
    body = assert_problem(response, 422, "validation_error")
    assert any(e["field"].endswith("nir") for e in body["errors"]), body
    compact = nir.replace(" ", "")
    for shown in (nir, compact, compact[1:7], nir[2:10]):
        assert shown not in response.text


def test_r22_an_invalid_nir_in_a_patch_is_not_echoed_either(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id)
    bad = "1 85 05 78 006 084 92"
    response = client.patch(
        f"/v1/claims/{claim['id']}", headers=ctx["headers"], json={"lines": [line("E1", nir=bad)]}
    )
    assert_problem(response, 422, "validation_error")
    assert bad not in response.text
    assert bad.replace(" ", "") not in response.text


def test_r22_the_nir_is_masked_when_shown_and_absent_from_lists(client, ctx, request_id):
    h = ctx["headers"]
    claim = new_claim(client, ctx, request_id, lines=[line("E1"), line("E2", nir=NIR)])
    assert claim["lines"][0]["nir"] is None
    assert claim["lines"][1]["nir"] == "1 ** ** ** *** *** 91"

    one = client.get(f"/v1/claims/{claim['id']}", headers=h)
    assert one.json()["lines"][1]["nir"] == "1 ** ** ** *** *** 91"
    assert NIR_DIGITS not in one.text and NIR not in one.text

    for path in ("/v1/claims", f"/v1/authorization-requests/{request_id}/claims"):
        listed = client.get(path, headers=h)
        assert listed.status_code == 200, listed.text
        [item] = listed.json()["items"]
        assert item["id"] == claim["id"]
        assert "lines" not in item
        assert "nir" not in listed.text
        assert NIR_DIGITS not in listed.text and "85 05" not in listed.text


# --- R20: payroll paid before filing ---------------------------------------------------------


def test_r20_a_claim_is_filed_once_the_payroll_is_paid(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id, payroll_paid_on=None)
    assert claim["payroll_paid_on"] is None
    assert_problem(file_claim(client, ctx, claim["id"]), 409, "payroll_not_paid")
    assert client.get(f"/v1/claims/{claim['id']}", headers=ctx["headers"]).json()["status"] == (
        "draft"
    )

    patched = client.patch(
        f"/v1/claims/{claim['id']}", headers=ctx["headers"], json={"payroll_paid_on": "2020-04-30"}
    )
    assert patched.status_code == 200, patched.text
    response = file_claim(client, ctx, claim["id"], "2020-05-04")
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "filed"
    assert response.json()["filed_on"] == "2020-05-04"


def test_r20_the_payroll_is_paid_on_or_before_the_filing(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id, payroll_paid_on="2020-05-05")
    assert_problem(file_claim(client, ctx, claim["id"], "2020-05-04"), 409, "payroll_not_paid")
    assert file_claim(client, ctx, claim["id"], "2020-05-05").status_code == 200


def test_r20_the_pay_of_a_month_is_not_paid_before_the_month_begins(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id, "2020-06", payroll_paid_on="2020-04-30")
    assert_problem(file_claim(client, ctx, claim["id"], "2020-05-04"), 409, "payroll_not_paid")


def test_r20_a_payroll_date_in_the_future_is_refused(client, ctx, request_id, clock):
    clock.current = datetime(2020, 4, 20, 12, tzinfo=UTC)
    response = create_claim(client, ctx, request_id, payroll_paid_on="2020-04-30")
    body = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"payroll_paid_on"}


def test_r19_a_claim_is_not_filed_before_its_request_was_accepted(client, ctx):
    request = create_request(
        client, ctx, start_on="2020-07-01", end_on="2020-07-31", forecast_hours="500"
    )
    filed = file_request(client, ctx, request["id"], "2020-07-01T10:00:00+02:00")
    assert filed.json()["implicit_acceptance_at"].startswith("2020-07-03")
    claim = new_claim(client, ctx, request["id"], "2020-07", payroll_paid_on="2020-07-02")
    assert_problem(file_claim(client, ctx, claim["id"], "2020-07-02"), 409, "request_not_accepted")


def test_r19_another_firm_cannot_claim_under_a_request(client, ctx, request_id):
    stranger = ready_establishment(client)
    assert_problem(create_claim(client, stranger, request_id), 404, "not_found")
    claim = new_claim(client, ctx, request_id)
    assert_problem(
        client.get(f"/v1/claims/{claim['id']}", headers=stranger["headers"]), 404, "not_found"
    )
    assert client.get("/v1/claims", headers=stranger["headers"]).json()["items"] == []


# --- R21: time bar ---------------------------------------------------------------------------


@pytest.mark.parametrize(("filed_on", "barred"), [("2021-06-30", False), ("2021-07-01", True)])
def test_r21_claims_of_an_authorization_ended_before_july_2020_within_12_months(
    client, ctx, request_id, filed_on, barred
):
    claim = new_claim(client, ctx, request_id, "2020-06", payroll_paid_on="2020-07-03")
    response = file_claim(client, ctx, claim["id"], filed_on)
    if barred:
        body = assert_problem(response, 409, "claim_time_barred")
        assert "2021-06-30" in body["detail"]
    else:
        assert response.status_code == 200, response.text


@pytest.mark.parametrize(("filed_on", "barred"), [("2021-03-30", False), ("2021-03-31", True)])
def test_r21_claims_of_an_authorization_ended_from_july_2020_within_6_months(
    client, ctx, filed_on, barred
):
    request = authorize(
        client,
        ctx,
        start_on="2020-07-01",
        end_on="2020-09-30",
        forecast_hours="1500",
        filed_at="2020-07-01T10:00:00+02:00",
        decided_on="2020-07-02",
    )
    claim = new_claim(client, ctx, request["id"], "2020-09", payroll_paid_on="2020-10-02")
    response = file_claim(client, ctx, claim["id"], filed_on)
    if barred:  # 6 months after 30 September is 30 March (same day of the month)
        body = assert_problem(response, 409, "claim_time_barred")
        assert "2021-03-30" in body["detail"]
    else:
        assert response.status_code == 200, response.text


# --- R22: limits -----------------------------------------------------------------------------


def test_r22_hours_over_the_authorized_total_across_claims_are_refused(client, ctx):
    request = authorize(client, ctx, hours="300", employees=2)["id"]
    filed_claim(
        client,
        ctx,
        request,
        "2020-04",
        [line("E1", hours_not_worked="150"), line("E2", hours_not_worked="100")],
        "2020-05-04",
    )

    response = create_claim(
        client, ctx, request, "2020-05", lines=[line("E1", hours_not_worked="80")]
    )
    body = assert_problem(response, 409, "hours_exceed_authorized")
    assert "50.00 h remain" in body["detail"]

    filed_claim(client, ctx, request, "2020-05", [line("E1", hours_not_worked="50")], "2020-06-04")
    response = create_claim(
        client, ctx, request, "2020-06", lines=[line("E1", hours_not_worked="0.01")]
    )
    body = assert_problem(response, 409, "hours_exceed_authorized")
    assert "0.00 h remain" in body["detail"]


def test_r22_drafts_count_once_filed_so_filing_checks_the_total_again(client, ctx):
    request = authorize(client, ctx, hours="300", employees=2)["id"]
    lines = [line("E1", contract_hours="300", hours_not_worked="200", **OVERTIME)]
    april = new_claim(client, ctx, request, "2020-04", lines=lines)
    may = new_claim(
        client,
        ctx,
        request,
        "2020-05",
        lines=lines,
        payroll_paid_on="2020-05-29",
    )
    assert file_claim(client, ctx, april["id"], "2020-05-04").status_code == 200
    body = assert_problem(
        file_claim(client, ctx, may["id"], "2020-06-04"), 409, "hours_exceed_authorized"
    )
    assert "100.00 h remain" in body["detail"]
    assert client.get(f"/v1/claims/{may['id']}", headers=ctx["headers"]).json()["status"] == (
        "draft"
    )


def test_r22_a_claim_has_no_more_employees_than_authorized(client, ctx):
    request = authorize(client, ctx, hours="1200", employees=2)["id"]
    lines = [line("E1"), line("E2"), line("E3")]
    assert_problem(
        create_claim(client, ctx, request, lines=lines), 409, "employees_exceed_authorized"
    )
    assert create_claim(client, ctx, request, lines=lines[:2]).status_code == 201


def test_r22_annual_quota_per_employee_across_requests_of_one_client(client, ctx):
    spring = authorize(client, ctx, hours="2000")["id"]
    summer = authorize(
        client,
        ctx,
        hours="2000",
        start_on="2020-07-01",
        end_on="2020-12-31",
        filed_at="2020-07-01T10:00:00+02:00",
        decided_on="2020-07-02",
    )["id"]

    def month_line(hours: str, ref: str = "E1") -> list[dict[str, Any]]:
        return [line(ref, contract_hours="400", hours_not_worked=hours, **OVERTIME)]

    filed_claim(client, ctx, spring, "2020-03", month_line("400"), "2020-04-06")
    filed_claim(client, ctx, spring, "2020-04", month_line("400"), "2020-05-06")
    filed_claim(client, ctx, spring, "2020-05", month_line("400"), "2020-06-05")
    filed_claim(client, ctx, summer, "2020-07", month_line("400"), "2020-08-05")  # 1600 h

    response = create_claim(
        client, ctx, summer, "2020-08", lines=month_line("8"), payroll_paid_on="2020-08-28"
    )
    body = assert_problem(response, 409, "annual_quota_exceeded")
    assert "E1" in body["detail"] and "7.00 h remain" in body["detail"]

    # another employee is not limited by it, and exactly the quota is allowed
    new_claim(
        client, ctx, summer, "2020-08", lines=month_line("8", "E2"), payroll_paid_on="2020-08-28"
    )
    filed_claim(client, ctx, summer, "2020-09", month_line("7"), "2020-10-05")


def test_r22_annual_quota_per_employee_holds_with_encrypted_nirs(client, ctx):
    """The NIRs are stored encrypted (a fresh nonce each time: no two alike); the quota still
    adds up each employee's hours across claims."""
    request = authorize(client, ctx, hours="2000")["id"]
    other_nir = "2 69 05 49 588 157 80"

    def month_line(hours: str, ref: str = "E1", nir: str = NIR) -> list[dict[str, Any]]:
        return [line(ref, contract_hours="600", hours_not_worked=hours, nir=nir, **OVERTIME)]

    filed_claim(client, ctx, request, "2020-03", month_line("600"), "2020-04-06")
    filed_claim(client, ctx, request, "2020-04", month_line("600"), "2020-05-06")
    response = create_claim(
        client, ctx, request, "2020-05", lines=month_line("408"), payroll_paid_on="2020-05-29"
    )
    body = assert_problem(response, 409, "annual_quota_exceeded")
    assert "E1" in body["detail"] and "407.00 h remain" in body["detail"]
    lines = month_line("407") + month_line("8", "E2", other_nir)
    claim = new_claim(client, ctx, request, "2020-05", lines=lines, payroll_paid_on="2020-05-29")
    assert [ln["nir"] for ln in claim["lines"]] == [
        "1 ** ** ** *** *** 91",
        "2 ** ** ** *** *** 80",
    ]


def test_r22_annual_quota_is_per_client(client, ctx):
    spring = authorize(client, ctx, hours="2000")["id"]
    for month, filed_on in (("2020-03", "2020-04-06"), ("2020-04", "2020-05-06")):
        filed_claim(
            client,
            ctx,
            spring,
            month,
            [line("E1", contract_hours="744", hours_not_worked="744", **OVERTIME)],
            filed_on,
        )
    other = another_client(client, ctx)  # 1488 h each: over the quota only if added up
    other_request = authorize(client, other, hours="2000")["id"]
    for month, filed_on in (("2020-03", "2020-04-06"), ("2020-04", "2020-05-06")):
        filed_claim(
            client,
            other,
            other_request,
            month,
            [line("E1", contract_hours="744", hours_not_worked="744", **OVERTIME)],
            filed_on,
        )


# --- R24: lifecycle --------------------------------------------------------------------------


def test_r24_a_draft_claim_is_edited_and_deleted(client, ctx, request_id):
    h = ctx["headers"]
    claim = new_claim(client, ctx, request_id)
    patched = client.patch(
        f"/v1/claims/{claim['id']}",
        headers=h,
        json={"lines": [line("E1", hours_not_worked="10"), line("E2", hours_not_worked="20")]},
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["total_hours"] == "30.00"
    assert patched.json()["employee_count"] == 2
    assert client.delete(f"/v1/claims/{claim['id']}", headers=h).status_code == 204
    assert_problem(client.get(f"/v1/claims/{claim['id']}", headers=h), 404, "not_found")
    assert new_claim(client, ctx, request_id)["version"] == 1  # the month is free again


def test_r24_a_filed_claim_is_immutable(client, ctx, request_id):
    h = ctx["headers"]
    claim = new_claim(client, ctx, request_id)
    assert file_claim(client, ctx, claim["id"]).status_code == 200
    response = client.patch(
        f"/v1/claims/{claim['id']}", headers=h, json={"lines": [line("E1", hours_not_worked="1")]}
    )
    assert_problem(response, 409, "invalid_transition")
    response = client.patch(
        f"/v1/claims/{claim['id']}", headers=h, json={"payroll_paid_on": "2020-04-29"}
    )
    assert_problem(response, 409, "invalid_transition")
    assert_problem(client.delete(f"/v1/claims/{claim['id']}", headers=h), 409, "invalid_transition")
    still = client.get(f"/v1/claims/{claim['id']}", headers=h).json()
    assert (still["total_hours"], still["payroll_paid_on"]) == ("80.00", "2020-04-30")


def test_r24_a_claim_is_validated_only_once_filed(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id)
    assert_problem(
        act(client, ctx, claim["id"], "validate", {"on": "2020-05-10"}), 409, "invalid_transition"
    )
    assert file_claim(client, ctx, claim["id"]).status_code == 200
    validated = act(client, ctx, claim["id"], "validate", {"on": "2020-05-10"})
    assert validated.status_code == 200, validated.text
    assert validated.json()["status"] == "validated"
    assert validated.json()["validated_on"] == "2020-05-10"
    assert_problem(
        act(client, ctx, claim["id"], "validate", {"on": "2020-05-11"}), 409, "invalid_transition"
    )


def test_r24_a_rejection_needs_a_reason_and_a_filed_claim(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id)
    assert_problem(
        act(client, ctx, claim["id"], "reject", {"reason": "Pièces manquantes"}),
        409,
        "invalid_transition",
    )
    assert file_claim(client, ctx, claim["id"]).status_code == 200
    body = assert_problem(act(client, ctx, claim["id"], "reject", {}), 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"reason"}
    assert_problem(
        act(client, ctx, claim["id"], "reject", {"reason": "  "}), 422, "validation_error"
    )

    rejected = act(
        client, ctx, claim["id"], "reject", {"reason": "Pièces manquantes", "on": "2020-05-12"}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["reject_reason"] == "Pièces manquantes"
    assert rejected.json()["rejected_on"] == "2020-05-12"
    for action, body in (
        ("validate", {"on": "2020-05-13"}),
        ("paid", {"paid_on": "2020-05-13", "amount": "10.00"}),
    ):
        assert_problem(act(client, ctx, claim["id"], action, body), 409, "invalid_transition")


def test_r24_a_claim_is_paid_only_once_validated(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id)
    pay = {"paid_on": "2020-05-15", "amount": "700.00"}
    assert_problem(act(client, ctx, claim["id"], "paid", pay), 409, "invalid_transition")
    assert file_claim(client, ctx, claim["id"]).status_code == 200
    assert_problem(act(client, ctx, claim["id"], "paid", pay), 409, "invalid_transition")
    assert act(client, ctx, claim["id"], "validate", {"on": "2020-05-10"}).status_code == 200
    paid = act(client, ctx, claim["id"], "paid", pay)
    assert paid.status_code == 200, paid.text
    assert paid.json()["status"] == "paid"
    assert (paid.json()["paid_on"], paid.json()["paid_amount"]) == ("2020-05-15", "700.00")
    assert_problem(act(client, ctx, claim["id"], "paid", pay), 409, "invalid_transition")


def test_r24_a_step_is_not_dated_before_the_previous_one(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id)
    assert file_claim(client, ctx, claim["id"], "2020-05-04").status_code == 200
    body = assert_problem(
        act(client, ctx, claim["id"], "validate", {"on": "2020-05-03"}), 422, "validation_error"
    )
    assert {e["field"] for e in body["errors"]} == {"on"}


def test_r24_only_a_paid_claim_is_corrected(client, ctx, request_id):
    claim = new_claim(client, ctx, request_id)
    url = f"/v1/claims/{claim['id']}/corrections"
    assert_problem(client.post(url, headers=ctx["headers"], json={}), 409, "invalid_transition")
    assert file_claim(client, ctx, claim["id"]).status_code == 200
    assert_problem(client.post(url, headers=ctx["headers"], json={}), 409, "invalid_transition")


def test_r24_a_correction_of_a_paid_claim_is_version_2_referencing_it(client, ctx, request_id):
    h = ctx["headers"]
    original = paid_claim(client, ctx, request_id)
    response = client.post(f"/v1/claims/{original['id']}/corrections", headers=h, json={})
    assert response.status_code == 201, response.text
    correction = response.json()
    assert correction["version"] == 2
    assert correction["corrects_id"] == original["id"]
    assert correction["month"] == original["month"]
    assert correction["status"] == "draft"
    assert [ln["employee_ref"] for ln in correction["lines"]] == ["E1"]  # copied by default
    assert client.get(f"/v1/claims/{original['id']}", headers=h).json()["status"] == "paid"


def test_r24_a_correction_replaces_the_original_hours_in_the_totals(client, ctx):
    h = ctx["headers"]
    request = authorize(client, ctx, hours="300", employees=2)["id"]
    original = paid_claim(
        client,
        ctx,
        request,
        lines=[line("E1", contract_hours="300", hours_not_worked="200", **OVERTIME)],
    )
    # 250 h replace the 200 h: 450 h would exceed the 300 h authorized
    response = client.post(
        f"/v1/claims/{original['id']}/corrections",
        headers=h,
        json={"lines": [line("E1", contract_hours="300", hours_not_worked="250", **OVERTIME)]},
    )
    assert response.status_code == 201, response.text
    correction = response.json()
    assert file_claim(client, ctx, correction["id"], "2020-06-01").status_code == 200

    response = create_claim(
        client, ctx, request, "2020-05", lines=[line("E1", hours_not_worked="60")]
    )
    body = assert_problem(response, 409, "hours_exceed_authorized")
    assert "50.00 h remain" in body["detail"]
    assert (
        create_claim(
            client, ctx, request, "2020-05", lines=[line("E1", hours_not_worked="50")]
        ).status_code
        == 201
    )


def test_r24_a_rejected_month_is_claimed_again_as_version_2(client, ctx, request_id):
    h = ctx["headers"]
    first = new_claim(client, ctx, request_id)
    assert file_claim(client, ctx, first["id"]).status_code == 200
    assert act(client, ctx, first["id"], "reject", {"reason": "Erreur"}).status_code == 200

    again = new_claim(client, ctx, request_id)
    assert again["version"] == 2
    assert again["month"] == "2020-04"
    assert_problem(create_claim(client, ctx, request_id), 409, "duplicate_claim_month")
    listed = client.get("/v1/claims", headers=h, params={"month": "2020-04"}).json()["items"]
    assert sorted((c["version"], c["status"]) for c in listed) == [(1, "rejected"), (2, "draft")]


def test_r24_a_rejected_claim_does_not_count_in_the_totals(client, ctx):
    request = authorize(client, ctx, hours="300", employees=2)["id"]
    lines = [line("E1", contract_hours="300", hours_not_worked="300", **OVERTIME)]
    first = filed_claim(client, ctx, request, "2020-04", lines, "2020-05-04")
    assert act(client, ctx, first["id"], "reject", {"reason": "Erreur"}).status_code == 200
    assert create_claim(client, ctx, request, "2020-05", lines=lines).status_code == 201


def test_backdated_regime_change_leaves_a_filed_claim_as_filed(client):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    filed = create_claim(client, ctx, request["id"], month="2020-06", payroll_paid_on="2020-06-30")
    draft = create_claim(client, ctx, request["id"], month="2020-05", payroll_paid_on="2020-05-31")
    filed, draft = filed.json(), draft.json()
    response = client.post(
        f"/v1/claims/{filed['id']}/file", headers=ctx["headers"], json={"filed_on": "2020-07-02"}
    )
    assert response.status_code == 200, response.text
    before = response.json()
    assert before["lines"][0]["regime"] == "general"

    change = client.post(
        f"/v1/clients/{ctx['client']['id']}/regimes",
        headers=ctx["headers"],
        json={"regime": "closed", "effective_from": "2020-01-01"},
    )
    assert change.status_code == 200, change.text

    after = client.get(f"/v1/claims/{filed['id']}", headers=ctx["headers"]).json()
    assert after["lines"] == before["lines"]
    assert after["total_allocation"] == before["total_allocation"]
    # a draft is not filed yet: it follows the client's regime
    redrawn = client.get(f"/v1/claims/{draft['id']}", headers=ctx["headers"]).json()
    assert redrawn["lines"][0]["regime"] == "closed"
