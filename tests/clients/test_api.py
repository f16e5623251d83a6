"""Client companies and their establishments: SIREN per firm account, edits, deletion rules
of clients; R2, R3 (200 active establishments per firm account), uniqueness, lifecycle and
lists of establishments."""

import pytest

from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.support.builders import (
    establishment_payload,
    firm_headers,
    make_client,
    make_establishment,
    new_siren,
)

# --- clients ---------------------------------------------------------------------------------


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


# --- establishments --------------------------------------------------------------------------


@pytest.fixture
def firm(client):
    _, headers = firm_headers(client)
    return headers, make_client(client, headers)


def fill(client, headers, company, count, start=1):
    return [make_establishment(client, headers, company, n) for n in range(start, start + count)]


def active_count(client, headers):
    return client.get("/v1/firm", headers=headers).json()["establishments_active"]


def test_establishment_answer_carries_normalised_siret_siren_and_status(client, firm):
    headers, company = firm
    payload = establishment_payload(company, 1)
    spaced = f"{payload['siret'][:3]} {payload['siret'][3:9]} {payload['siret'][9:]}"
    response = client.post("/v1/establishments", headers=headers, json={**payload, "siret": spaced})
    assert response.status_code == 201
    body = response.json()
    assert body["siret"] == payload["siret"]
    assert body["siren"] == company["siren"]
    assert body["status"] == "active"
    assert client.get(f"/v1/establishments/{body['id']}", headers=headers).json() == body


def test_siret_of_another_company_is_refused_as_siren_mismatch(client, firm):
    headers, company = firm
    other = make_client(client, headers)
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json=establishment_payload(company, 1, siret=establishment_payload(other)["siret"]),
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "siren_mismatch"
    assert body["errors"][0]["field"] == "siret"
    assert active_count(client, headers) == 0


def test_same_siret_twice_in_one_firm_is_refused(client, firm):
    headers, company = firm
    make_establishment(client, headers, company, 1)
    response = client.post(
        "/v1/establishments", headers=headers, json=establishment_payload(company, 1)
    )
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_siret"
    assert active_count(client, headers) == 1


def test_duplicate_siret_of_an_archived_establishment_is_refused(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company, 1)
    client.post(f"/v1/establishments/{est['id']}/archive", headers=headers)
    response = client.post(
        "/v1/establishments", headers=headers, json=establishment_payload(company, 1)
    )
    assert response.json()["code"] == "duplicate_siret"


def test_unknown_client_id_is_404(client, firm):
    headers, company = firm
    payload = establishment_payload(company, 1, client_id="01a21d1f-65e0-7af9-966e-fc849a3adffa")
    response = client.post("/v1/establishments", headers=headers, json=payload)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_siret_cannot_be_changed_after_creation(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company, 1)
    response = client.patch(
        f"/v1/establishments/{est['id']}", headers=headers, json={"siret": siret_of(company, 2)}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "siret"
    assert (
        client.get(f"/v1/establishments/{est['id']}", headers=headers).json()["siret"]
        == est["siret"]
    )


def siret_of(company, n):
    return establishment_payload(company, n)["siret"]


def test_patch_changes_name_and_address(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company, 1)
    response = client.patch(
        f"/v1/establishments/{est['id']}",
        headers=headers,
        json={"name": "Atelier", "postal_code": "69001", "city": "Lyon"},
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["postal_code"], body["city"]) == ("Atelier", "69001", "Lyon")
    assert body["address"] == est["address"]


def test_postal_code_must_be_five_digits(client, firm):
    headers, company = firm
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json=establishment_payload(company, 1, postal_code="7500"),
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "postal_code"


def test_201st_active_establishment_is_refused(client, firm):
    headers, company = firm
    fill(client, headers, company, ESTABLISHMENT_LIMIT)
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json=establishment_payload(company, ESTABLISHMENT_LIMIT + 1),
    )
    assert response.status_code == 409
    assert response.json()["code"] == "establishment_limit_reached"
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT
    listed = client.get(
        "/v1/establishments?limit=100&siret_prefix=" + company["siren"], headers=headers
    )
    assert siret_of(company, ESTABLISHMENT_LIMIT + 1) not in [
        e["siret"] for e in listed.json()["items"]
    ]


def test_archiving_frees_a_slot_and_restore_at_the_limit_is_refused(client, firm):
    headers, company = firm
    created = fill(client, headers, company, ESTABLISHMENT_LIMIT)
    archived = client.post(f"/v1/establishments/{created[0]['id']}/archive", headers=headers)
    assert archived.status_code == 200
    assert archived.json()["status"] == "archived"
    assert archived.json()["archived_at"] is not None
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT - 1

    make_establishment(client, headers, company, ESTABLISHMENT_LIMIT + 1)
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT

    restore = client.post(f"/v1/establishments/{created[0]['id']}/restore", headers=headers)
    assert restore.status_code == 409
    assert restore.json()["code"] == "establishment_limit_reached"
    still = client.get(f"/v1/establishments/{created[0]['id']}", headers=headers).json()
    assert still["status"] == "archived"


def test_restore_takes_a_slot_again(client, firm):
    headers, company = firm
    est = make_establishment(client, headers, company, 1)
    client.post(f"/v1/establishments/{est['id']}/archive", headers=headers)
    assert active_count(client, headers) == 0
    restored = client.post(f"/v1/establishments/{est['id']}/restore", headers=headers)
    assert restored.status_code == 200
    assert restored.json()["status"] == "active"
    assert restored.json()["archived_at"] is None
    assert active_count(client, headers) == 1


def test_archiving_twice_frees_only_one_slot(client, firm):
    headers, company = firm
    a = make_establishment(client, headers, company, 1)
    make_establishment(client, headers, company, 2)
    client.post(f"/v1/establishments/{a['id']}/archive", headers=headers)
    again = client.post(f"/v1/establishments/{a['id']}/archive", headers=headers)
    assert again.status_code == 200
    assert active_count(client, headers) == 1


def test_list_is_paginated_with_a_stable_cursor(client, firm):
    headers, company = firm
    created = fill(client, headers, company, 7)
    seen, cursor = [], None
    while True:
        params = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/establishments", headers=headers, params=params).json()
        assert len(page["items"]) <= 3
        seen += [e["id"] for e in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [e["id"] for e in created]


def test_list_limit_is_bounded(client, firm):
    headers, _ = firm
    for bad in (0, 101):
        response = client.get("/v1/establishments", headers=headers, params={"limit": bad})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"


def test_garbage_cursor_is_a_422_naming_the_cursor(client, firm):
    headers, _ = firm
    response = client.get("/v1/establishments", headers=headers, params={"cursor": "!!!"})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "cursor"


def test_list_filters_by_client_status_siret_prefix_and_name(client, firm):
    headers, company = firm
    other = make_client(client, headers)
    a = make_establishment(client, headers, company, 1, name="Boulangerie du Port")
    b = make_establishment(client, headers, company, 2, name="Dépôt")
    c = make_establishment(client, headers, other, 1, name="Atelier du port")
    client.post(f"/v1/establishments/{b['id']}/archive", headers=headers)

    def ids(**params):
        response = client.get("/v1/establishments", headers=headers, params=params)
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()["items"]]

    assert ids(client_id=company["id"]) == [a["id"], b["id"]]
    assert ids(status="archived") == [b["id"]]
    assert ids(status="active") == [a["id"], c["id"]]
    assert ids(siret_prefix=other["siren"]) == [c["id"]]
    assert ids(q="PORT") == [a["id"], c["id"]]
    assert ids(q="%") == []
    assert ids(q="port", client_id=other["id"]) == [c["id"]]


def test_siret_prefix_must_be_digits(client, firm):
    headers, _ = firm
    response = client.get("/v1/establishments", headers=headers, params={"siret_prefix": "12a"})
    assert response.status_code == 422
