"""Optimistic concurrency on contracts: ETags on their answers, If-Match on termination and
deletion (412 on a stale one, nothing written)."""

from tests.support.builders import firm_headers, make_client
from tests.support.lifecycle import upload_contract
from tests.support.pdf import PDF
from tests.support.problems import assert_problem


def test_contract_termination_with_a_stale_if_match_is_refused(client):
    _, h = firm_headers(client)
    contract = upload_contract(client, h, make_client(client, h)["id"])
    path = f"/v1/contracts/{contract['id']}"
    assert client.get(path, headers=h).headers["etag"] == '"1"'
    body = {"on": "2020-03-30"}
    stale = client.post(f"{path}/terminate", headers={**h, "If-Match": '"0"'}, json=body)
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=h).json()["terminated_on"] is None
    ended = client.post(f"{path}/terminate", headers={**h, "If-Match": '"1"'}, json=body)
    assert ended.status_code == 200, ended.text
    assert ended.headers["etag"] == '"2"'
    again = client.delete(path, headers={**h, "If-Match": '"1"'})
    assert_problem(again, 412, "precondition_failed")
    assert client.get(path, headers=h).status_code == 200


def test_contract_creation_answers_its_etag(client):
    _, h = firm_headers(client)
    company = make_client(client, h)
    response = client.post(
        f"/v1/clients/{company['id']}/contracts",
        headers=h,
        data={"signed_on": "2020-03-02", "signatory_name": "J", "signatory_role": "G"},
        files={"document": ("c.pdf", PDF, "application/pdf")},
    )
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"1"'
