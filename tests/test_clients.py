"""Client companies: SIREN per firm account, edits, deletion rules."""

from tests.builders import firm_headers, make_client, make_establishment, new_siren


def test_client_is_created_and_read_back(client):
    _, headers = firm_headers(client)
    siren = new_siren()
    created = make_client(
        client,
        headers,
        siren=f"{siren[:3]} {siren[3:6]} {siren[6:]}",
        contact_email="Paie@Client.FR",
    )
    assert created["siren"] == siren
    assert created["contact_email"] == "paie@client.fr"
    assert client.get(f"/v1/clients/{created['id']}", headers=headers).json() == created


def test_duplicate_siren_in_one_firm_is_refused(client):
    _, headers = firm_headers(client)
    first = make_client(client, headers)
    response = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": first["siren"], "legal_name": "Autre", "headcount": 3},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_siren"


def test_negative_headcount_and_missing_fields_are_listed_together(client):
    _, headers = firm_headers(client)
    response = client.post("/v1/clients", headers=headers, json={"headcount": -1})
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"siren", "legal_name", "headcount"}


def test_client_list_filters_by_siren(client):
    _, headers = firm_headers(client)
    a = make_client(client, headers)
    make_client(client, headers)
    items = client.get("/v1/clients", headers=headers, params={"siren": a["siren"]}).json()["items"]
    assert [c["id"] for c in items] == [a["id"]]


def test_patch_updates_fields(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    response = client.patch(
        f"/v1/clients/{company['id']}",
        headers=headers,
        json={"legal_name": "Nouveau", "headcount": 55},
    )
    assert response.status_code == 200
    assert (response.json()["legal_name"], response.json()["headcount"]) == ("Nouveau", 55)


def test_siren_of_a_client_with_establishments_cannot_change(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    make_establishment(client, headers, company)
    response = client.patch(
        f"/v1/clients/{company['id']}", headers=headers, json={"siren": new_siren()}
    )
    assert response.status_code == 409
    assert response.json()["code"] == "client_has_establishments"


def test_siren_of_a_client_without_establishment_can_be_corrected(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    siren = new_siren()
    response = client.patch(f"/v1/clients/{company['id']}", headers=headers, json={"siren": siren})
    assert response.status_code == 200
    assert response.json()["siren"] == siren


def test_client_with_establishments_cannot_be_deleted(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    client.post(f"/v1/establishments/{est['id']}/archive", headers=headers)
    response = client.delete(f"/v1/clients/{company['id']}", headers=headers)
    assert response.status_code == 409
    assert response.json()["code"] == "client_has_establishments"
    assert client.get(f"/v1/clients/{company['id']}", headers=headers).status_code == 200


def test_client_without_establishment_is_deleted(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    assert client.delete(f"/v1/clients/{company['id']}", headers=headers).status_code == 204
    assert client.get(f"/v1/clients/{company['id']}", headers=headers).status_code == 404
