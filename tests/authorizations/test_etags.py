"""Optimistic concurrency on authorization requests and amendments: ETags on their answers,
If-Match on edits and steps (412 on a stale one, nothing written)."""

from tests.support.lifecycle import (
    accepted_request,
    create_request,
    ready_establishment,
    request_payload,
)
from tests.support.problems import assert_problem


def test_request_draft_edit_with_a_stale_if_match_is_refused_and_writes_nothing(client):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    created = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=h,
        json=request_payload(),
    )
    assert created.status_code == 201
    assert created.headers["etag"] == '"1"'
    path = f"/v1/authorization-requests/{created.json()['id']}"
    assert client.get(path, headers=h).headers["etag"] == '"1"'
    edited = client.patch(path, headers={**h, "If-Match": '"1"'}, json={"employees_concerned": 3})
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == '"2"'
    stale = client.patch(path, headers={**h, "If-Match": '"1"'}, json={"employees_concerned": 9})
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["employees_concerned"] == 3


def test_request_filing_and_decision_check_if_match(client):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    path = f"/v1/authorization-requests/{create_request(client, ctx)['id']}"
    assert client.patch(path, headers=h, json={"employees_concerned": 3}).status_code == 200
    body = {"filed_at": "2020-03-20T10:00:00+01:00"}
    stale = client.post(f"{path}/file", headers={**h, "If-Match": '"1"'}, json=body)
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["status"] == "draft"
    filed = client.post(f"{path}/file", headers={**h, "If-Match": '"2"'}, json=body)
    assert filed.status_code == 200, filed.text
    assert filed.headers["etag"] == '"3"'
    decision = {
        "outcome": "accepted",
        "decided_on": "2020-03-25",
        "decision_number": "D-1",
        "authorized_hours": "1000",
        "authorized_employees": 3,
    }
    stale = client.post(f"{path}/decision", headers={**h, "If-Match": '"2"'}, json=decision)
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["status"] != "accepted"  # nothing decided
    decided = client.post(f"{path}/decision", headers={**h, "If-Match": "*"}, json=decision)
    assert decided.status_code == 200, decided.text
    assert decided.headers["etag"] == '"4"'


def test_request_delete_with_a_stale_if_match_is_refused(client):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    path = f"/v1/authorization-requests/{create_request(client, ctx)['id']}"
    assert client.patch(path, headers=h, json={"employees_concerned": 3}).status_code == 200
    assert_problem(
        client.delete(path, headers={**h, "If-Match": '"1"'}), 412, "precondition_failed"
    )
    assert client.get(path, headers=h).status_code == 200


def test_amendment_filing_checks_if_match(client):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    request = accepted_request(client, ctx)
    created = client.post(
        f"/v1/authorization-requests/{request['id']}/amendments",
        headers=h,
        json={"end_on": "2020-07-31"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["etag"] == '"1"'
    path = f"/v1/amendments/{created.json()['id']}"
    assert client.get(path, headers=h).headers["etag"] == '"1"'
    body = {"filed_at": "2020-06-10T10:00:00+02:00"}
    stale = client.post(f"{path}/file", headers={**h, "If-Match": '"7"'}, json=body)
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["status"] == "draft"
    filed = client.post(f"{path}/file", headers={**h, "If-Match": '"1"'}, json=body)
    assert filed.status_code == 200, filed.text
    assert filed.headers["etag"] == '"2"'
