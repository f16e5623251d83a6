"""Optimistic concurrency on an establishment's habilitation: its ETag is "0" before the first
step, and each step checks If-Match."""

from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.lifecycle import upload_contract
from tests.support.problems import assert_problem


def test_habilitation_steps_check_if_match_from_the_first_one_on(client):
    _, h = firm_headers(client)
    company = make_client(client, h)
    est = make_establishment(client, h, company)
    upload_contract(client, h, company["id"])
    path = f"/v1/establishments/{est['id']}/habilitation"
    assert client.get(path, headers=h).headers["etag"] == '"0"'
    body = {"on": "2020-03-05"}
    requested = client.post(f"{path}/request", headers={**h, "If-Match": '"0"'}, json=body)
    assert requested.status_code == 200, requested.text
    assert requested.headers["etag"] == '"1"'
    stale = client.post(f"{path}/credentials-sent", headers={**h, "If-Match": '"0"'}, json=body)
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["status"] == "requested"
    sent = client.post(f"{path}/credentials-sent", headers={**h, "If-Match": '"1"'}, json=body)
    assert sent.status_code == 200, sent.text
    assert sent.headers["etag"] == '"2"'
