"""R4: another firm's resources answer exactly like missing ones; lists never show them."""

import uuid

import pytest

from tests.builders import establishment_payload, firm_headers, make_client, make_establishment


@pytest.fixture
def two_firms(client):
    _, mine = firm_headers(client)
    _, theirs = firm_headers(client)
    company = make_client(client, mine)
    est = make_establishment(client, mine, company)
    return mine, theirs, company, est


def test_other_firms_resources_answer_like_missing_ones(client, two_firms):
    mine, theirs, company, est = two_firms
    missing = str(uuid.uuid4())
    calls = [
        ("GET", "/v1/clients/{}", None),
        ("PATCH", "/v1/clients/{}", {"legal_name": "X"}),
        ("DELETE", "/v1/clients/{}", None),
        ("GET", "/v1/establishments/{}", None),
        ("PATCH", "/v1/establishments/{}", {"name": "X"}),
        ("POST", "/v1/establishments/{}/archive", None),
        ("POST", "/v1/establishments/{}/restore", None),
    ]
    for method, path, body in calls:
        target = company["id"] if "clients" in path else est["id"]
        foreign = client.request(method, path.format(target), headers=theirs, json=body)
        absent = client.request(method, path.format(missing), headers=theirs, json=body)
        assert foreign.status_code == 404, (method, path)
        assert foreign.json()["code"] == absent.json()["code"] == "not_found"
        assert foreign.json()["detail"] == absent.json()["detail"]
    # nothing changed for the owner
    assert (
        client.get(f"/v1/clients/{company['id']}", headers=mine).json()["legal_name"]
        == company["legal_name"]
    )
    assert client.get(f"/v1/establishments/{est['id']}", headers=mine).json() == est


def test_lists_never_show_other_firms_rows(client, two_firms):
    mine, theirs, company, est = two_firms
    assert [e["id"] for e in client.get("/v1/establishments", headers=mine).json()["items"]] == [
        est["id"]
    ]
    assert client.get("/v1/clients", headers=theirs).json()["items"] == []
    assert client.get("/v1/establishments", headers=theirs).json()["items"] == []
    for params in (
        {"siret_prefix": est["siret"]},
        {"client_id": company["id"]},
        {"q": est["name"]},
    ):
        assert client.get("/v1/establishments", headers=theirs, params=params).json()["items"] == []


def test_establishment_cannot_be_attached_to_another_firms_client(client, two_firms):
    _, theirs, company, _ = two_firms
    response = client.post(
        "/v1/establishments", headers=theirs, json=establishment_payload(company, 2)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_two_firms_can_manage_the_same_siret(client, two_firms):
    mine, theirs, company, est = two_firms
    their_company = make_client(client, theirs, siren=company["siren"])
    response = client.post(
        "/v1/establishments", headers=theirs, json=establishment_payload(their_company, 1)
    )
    assert response.status_code == 201
    assert response.json()["siret"] == est["siret"]
    assert response.json()["id"] != est["id"]
    assert client.get("/v1/firm", headers=mine).json()["establishments_active"] == 1
    assert client.get("/v1/firm", headers=theirs).json()["establishments_active"] == 1
