"""R39 (the per-employee reduction meter) and R40 (no cumulation with ordinary partial
activity) over HTTP, at their boundaries."""

from typing import Any

from fastapi.testclient import TestClient

from tests.apld.support import apld_claim, decided_agreement, file_claim
from tests.support.lifecycle import create_request, file_request, line, ready_establishment
from tests.support.problems import assert_problem

NIR = "1 85 05 78 006 084 91"
FULL = "151.67"


def six_months(client: TestClient, ctx: dict[str, Any]) -> dict[str, Any]:
    """2020-07 – 2020-12 at 40 %, decided before mid-December 2020: nothing neutralised, so
    0.40 × 151.67 h × 6 = 364.008 h allowed per employee."""
    return decided_agreement(
        client,
        ctx,
        start_on="2020-07-01",
        duration_months=6,
        filed_at="2020-07-10T10:00:00+02:00",
        decided_on="2020-07-20",
    )


def filed(client, ctx, agreement_id, month, hours, paid_on, filed_on, nir=NIR) -> Any:
    claim = apld_claim(
        client, ctx, agreement_id, month, [line(nir=nir, hours_not_worked=hours)], paid_on
    )
    assert claim.status_code == 201, claim.text
    return claim.json(), file_claim(client, ctx, claim.json()["id"], filed_on)


def test_an_employee_is_refused_above_the_maximum_reduction(client: TestClient):
    ctx = ready_establishment(client)
    agreement = six_months(client, ctx)
    for month, paid in (("2020-07", "2020-07-31"), ("2020-08", "2020-08-31")):
        _, response = filed(client, ctx, agreement["id"], month, FULL, paid, "2020-09-02")
        assert response.status_code == 200, response.text
    # 303.34 h used: 60.67 more makes 364.01 h, above 364.008
    claim, over = filed(
        client, ctx, agreement["id"], "2020-09", "60.67", "2020-09-30", "2020-10-02"
    )
    body = assert_problem(over, 422, "apld_reduction_exceeded")
    assert "R39" in body["detail"] and "1 ** ** ** *** *** 91" in body["detail"]
    assert "006 084" not in body["detail"]
    assert body["errors"][0]["field"] == "lines.0.hours_not_worked"
    # 60.66 h make 364.00 h: within the limit
    patched = client.patch(
        f"/v1/claims/{claim['id']}",
        headers=ctx["headers"],
        json={"lines": [line(nir=NIR, hours_not_worked="60.66")]},
    )
    assert patched.status_code == 200, patched.text
    assert file_claim(client, ctx, claim["id"], "2020-10-02").status_code == 200
    meter = client.get(f"/v1/apld-agreements/{agreement['id']}/meter", headers=ctx["headers"])
    assert meter.status_code == 200, meter.text
    assert meter.json() == {
        "items": [
            {
                "employee_ref": "E1",
                "employee_name": "Salarié E1",
                "nir": "1 ** ** ** *** *** 91",
                "used": "364.00",
                "allowed": "364.01",
                "left": "0.01",
            }
        ],
        "next_cursor": None,
    }


def test_drafts_and_other_employees_leave_the_meter(client: TestClient):
    ctx = ready_establishment(client)
    agreement = six_months(client, ctx)
    _, response = filed(client, ctx, agreement["id"], "2020-07", FULL, "2020-07-31", "2020-08-03")
    assert response.status_code == 200
    # a draft of the same employee does not count; another employee has their own meter
    apld_claim(client, ctx, agreement["id"], "2020-08", [line(nir=NIR, hours_not_worked=FULL)])
    other = "2 55 08 14 168 025 38"
    _, response = filed(
        client, ctx, agreement["id"], "2020-09", FULL, "2020-09-30", "2020-10-01", nir=other
    )
    assert response.status_code == 200
    meter = client.get(
        f"/v1/apld-agreements/{agreement['id']}/meter", headers=ctx["headers"], params={"limit": 1}
    ).json()
    assert [(i["nir"], i["used"]) for i in meter["items"]] == [("1 ** ** ** *** *** 91", FULL)]
    rest = client.get(
        f"/v1/apld-agreements/{agreement['id']}/meter",
        headers=ctx["headers"],
        params={"limit": 1, "cursor": meter["next_cursor"]},
    ).json()
    assert [(i["nir"], i["used"]) for i in rest["items"]] == [("2 ** ** ** *** *** 38", FULL)]
    assert rest["next_cursor"] is None


def test_neutralised_months_leave_both_sides_of_the_meter(client: TestClient):
    # Decided 2021-01-15: 2021-01 – 2021-06 are neutralised; 24 counted months at 40 %.
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    _, response = filed(client, ctx, agreement["id"], "2021-03", FULL, "2021-03-31", "2021-04-02")
    assert response.status_code == 200
    meter = client.get(f"/v1/apld-agreements/{agreement['id']}/meter", headers=ctx["headers"])
    # 0.40 × 151.67 × 24 = 1456.032 h allowed, and March 2021 uses none of it
    assert [(i["used"], i["allowed"]) for i in meter.json()["items"]] == [("0", "1456.03")]


# --- R40 ---------------------------------------------------------------------------------------


def ordinary_request(client, ctx, motive="exceptional_circumstances", **overrides) -> Any:
    """An ordinary request from 2021-07-01 (3 months at most from then, R13)."""
    payload: dict[str, Any] = {"motive": motive, "start_on": "2021-07-01", "end_on": "2021-09-30"}
    if motive != "exceptional_circumstances":
        payload["sub_motive"] = None
    payload.update(overrides)
    created = create_request(client, ctx, **payload)
    return created, file_request(client, ctx, created["id"], "2021-06-20T10:00:00+02:00")


def accepted_ordinary(client, ctx) -> str:
    created, response = ordinary_request(client, ctx)
    assert response.status_code == 200, response.text
    decided = client.post(
        f"/v1/authorization-requests/{created['id']}/decision",
        headers=ctx["headers"],
        json={
            "outcome": "accepted",
            "decided_on": "2021-06-25",
            "decision_number": "DEC-2021-7",
            "authorized_hours": "1200",
            "authorized_employees": 4,
        },
    )
    assert decided.status_code == 200, decided.text
    return str(created["id"])


def ordinary_claim(client, ctx, request_id, lines=None) -> str:
    response = client.post(
        f"/v1/authorization-requests/{request_id}/claims",
        headers=ctx["headers"],
        json={
            "month": "2021-07",
            "payroll_paid_on": "2021-07-30",
            "lines": lines or [line(nir=NIR, hours_not_worked="20")],
        },
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def test_an_ordinary_claim_filed_second_is_refused(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)  # its authorization covers 2021-07-01 – 03
    request_id = accepted_ordinary(client, ctx)
    _, first = filed(client, ctx, agreement["id"], "2021-07", "20", "2021-07-30", "2021-08-02")
    assert first.status_code == 200, first.text
    # another employee (line 0) passes, the same one (line 1) is refused
    lines = [line("E2", nir="2 55 08 14 168 025 38"), line(nir=NIR, hours_not_worked="20")]
    ordinary = ordinary_claim(client, ctx, request_id, lines)
    body = assert_problem(file_claim(client, ctx, ordinary, "2021-08-02"), 422, "apld_cumulation")
    assert "R40" in body["detail"] and body["errors"][0]["field"] == "lines.1"
    # without the employee under APLD, the claim is filed
    ok = client.patch(f"/v1/claims/{ordinary}", headers=ctx["headers"], json={"lines": lines[:1]})
    assert (
        ok.status_code == 200 and file_claim(client, ctx, ordinary, "2021-08-02").status_code == 200
    )


def test_an_apld_claim_filed_second_is_refused(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    request_id = accepted_ordinary(client, ctx)
    ordinary = ordinary_claim(client, ctx, request_id)
    claim = apld_claim(client, ctx, agreement["id"], "2021-07", [line(nir=NIR)], "2021-07-30")
    # while the ordinary one is a draft, nothing is cumulated yet
    assert file_claim(client, ctx, claim.json()["id"], "2021-08-02").status_code == 200
    body = assert_problem(file_claim(client, ctx, ordinary, "2021-08-02"), 422, "apld_cumulation")
    assert "1 ** ** ** *** *** 91" in body["detail"]


def test_an_economic_downturn_request_under_an_apld_authorization_is_refused(client: TestClient):
    ctx = ready_establishment(client)
    decided_agreement(client, ctx)  # authorization 2021-01-04 – 2021-07-03
    draft, refused = ordinary_request(client, ctx, motive="economic_downturn")
    body = assert_problem(refused, 422, "apld_motive_restricted")
    assert "R40" in body["detail"] and body["errors"][0]["field"] == "motive"
    # from the day after the authorization ends, the motive is open again
    path = f"/v1/authorization-requests/{draft['id']}"
    moved = client.patch(path, headers=ctx["headers"], json={"start_on": "2021-07-04"})
    assert moved.status_code == 200, moved.text
    accepted = file_request(client, ctx, draft["id"], "2021-06-20T10:00:00+02:00")
    assert accepted.status_code == 200, accepted.text


def test_motives_2_to_5_stay_open_under_apld(client: TestClient):
    ctx = ready_establishment(client)
    decided_agreement(client, ctx)
    _, response = ordinary_request(client, ctx, motive="supply_difficulties")
    assert response.status_code == 200, response.text
