"""Optimistic concurrency on claims: ETags on their answers, If-Match on draft edits, on each
step and on corrections (412 on a stale one, nothing written)."""

from tests.support.lifecycle import claim_for, line, pay_claim, setup_request
from tests.support.problems import assert_problem


def test_claim_draft_edit_with_a_stale_if_match_is_refused_and_writes_nothing(client):
    ctx, request_id = setup_request(client)
    h = ctx["headers"]
    created = client.post(
        f"/v1/authorization-requests/{request_id}/claims",
        headers=h,
        json={"month": "2020-04", "payroll_paid_on": "2020-04-30", "lines": [line("E1")]},
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    path = f"/v1/claims/{created.json()['id']}"
    assert client.get(path, headers=h).headers["etag"] == '"1"'
    edited = client.patch(
        path, headers={**h, "If-Match": '"1"'}, json={"lines": [line("E1"), line("E2")]}
    )
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"2"'
    stale = client.patch(path, headers={**h, "If-Match": '"1"'}, json={"lines": [line("E3")]})
    assert_problem(stale, 412, "precondition_failed")
    refs = [x["employee_ref"] for x in client.get(path, headers=h).json()["lines"]]
    assert refs == ["E1", "E2"]


def test_claim_steps_check_if_match(client):
    ctx, request_id = setup_request(client)
    h = ctx["headers"]
    path = f"/v1/claims/{claim_for(client, ctx, request_id, '2020-04', [line()])['id']}"
    filed = client.post(
        f"{path}/file", headers={**h, "If-Match": '"1"'}, json={"filed_on": "2020-05-04"}
    )
    assert filed.status_code == 200, filed.text
    assert filed.headers["etag"] == '"2"'
    for action, body in (
        ("validate", {"on": "2020-05-10"}),
        ("reject", {"on": "2020-05-10", "reason": "Pièces manquantes"}),
    ):
        stale = client.post(f"{path}/{action}", headers={**h, "If-Match": '"1"'}, json=body)
        assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["status"] == "filed"
    validated = client.post(
        f"{path}/validate", headers={**h, "If-Match": '"2"'}, json={"on": "2020-05-10"}
    )
    assert validated.status_code == 200, validated.text
    paid = {"paid_on": "2020-05-15", "amount": "700.00"}
    assert_problem(
        client.post(f"{path}/paid", headers={**h, "If-Match": '"2"'}, json=paid),
        412,
        "precondition_failed",
    )
    assert client.get(path, headers=h).json()["status"] == "validated"


def test_claim_correction_checks_the_if_match_of_the_claim_it_corrects(client):
    ctx, request_id = setup_request(client)
    h = ctx["headers"]
    claim_id = claim_for(client, ctx, request_id, "2020-04", [line()])["id"]
    pay_claim(client, ctx, claim_id)
    current = client.get(f"/v1/claims/{claim_id}", headers=h).headers["etag"]
    body = {"payroll_paid_on": "2020-04-30", "lines": [line("E1")]}
    stale = client.post(
        f"/v1/claims/{claim_id}/corrections", headers={**h, "If-Match": '"1"'}, json=body
    )
    assert_problem(stale, 412, "precondition_failed")
    corrected = client.post(
        f"/v1/claims/{claim_id}/corrections", headers={**h, "If-Match": current}, json=body
    )
    assert corrected.status_code == 201, corrected.text
    assert corrected.headers["etag"] == '"1"'  # the new draft's
