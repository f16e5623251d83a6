from tests.support.builders import firm_headers, make_client, make_establishment


def test_owner_can_register_a_client_and_an_establishment(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    assert est["siren"] == company["siren"]
    assert client.get("/v1/firm", headers=headers).json()["establishments_active"] == 1


def test_rows_of_a_previous_test_are_rolled_back(client):
    _, headers = firm_headers(client)
    assert client.get("/v1/clients", headers=headers).json()["items"] == []
