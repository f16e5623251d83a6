"""Optimistic concurrency on clients and establishments: answers carry the row's ETag, a write
with a stale If-Match is refused (412) and writes nothing, `*` matches, a malformed one is 422."""

from tests.support.builders import firm_headers, make_client, make_establishment, new_siren
from tests.support.problems import assert_problem


def test_client_answers_carry_an_etag_that_changes_with_each_edit(client):
    _, headers = firm_headers(client)
    created = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": new_siren(), "legal_name": "A", "headcount": 1},
    )
    assert created.status_code == 201
    first = created.headers["etag"]
    assert first == '"1"'
    path = f"/v1/clients/{created.json()['id']}"
    assert client.get(path, headers=headers).headers["etag"] == first
    edited = client.patch(path, headers={**headers, "If-Match": first}, json={"headcount": 2})
    assert edited.status_code == 200
    assert edited.headers["etag"] == '"2"'
    assert client.get(path, headers=headers).headers["etag"] == '"2"'


def test_client_edit_with_a_stale_if_match_is_refused_and_writes_nothing(client):
    _, headers = firm_headers(client)
    path = f"/v1/clients/{make_client(client, headers, headcount=5)['id']}"
    stale = client.get(path, headers=headers).headers["etag"]
    assert client.patch(path, headers=headers, json={"headcount": 6}).status_code == 200
    refused = client.patch(path, headers={**headers, "If-Match": stale}, json={"headcount": 7})
    body = assert_problem(refused, 412, "precondition_failed")
    assert '"2"' in body["detail"]
    assert client.get(path, headers=headers).json()["headcount"] == 6


def test_client_delete_with_a_stale_if_match_is_refused(client):
    _, headers = firm_headers(client)
    path = f"/v1/clients/{make_client(client, headers)['id']}"
    assert client.patch(path, headers=headers, json={"headcount": 9}).status_code == 200
    assert_problem(
        client.delete(path, headers={**headers, "If-Match": '"1"'}), 412, "precondition_failed"
    )
    assert client.get(path, headers=headers).status_code == 200
    assert client.delete(path, headers={**headers, "If-Match": '"2"'}).status_code == 204


def test_if_match_star_and_a_list_holding_the_current_etag_match(client):
    _, headers = firm_headers(client)
    path = f"/v1/clients/{make_client(client, headers)['id']}"
    star = client.patch(path, headers={**headers, "If-Match": "*"}, json={"headcount": 3})
    assert star.status_code == 200
    listed = client.patch(path, headers={**headers, "If-Match": '"1", "2"'}, json={"headcount": 4})
    assert listed.status_code == 200
    # If-Match compares strongly: a weak tag never matches.
    weak = client.patch(path, headers={**headers, "If-Match": 'W/"3"'}, json={"headcount": 5})
    assert_problem(weak, 412, "precondition_failed")


def test_a_malformed_if_match_is_refused_naming_the_header(client):
    _, headers = firm_headers(client)
    path = f"/v1/clients/{make_client(client, headers)['id']}"
    for value in ("1", '"1', "", '"1" "2"'):
        response = client.patch(path, headers={**headers, "If-Match": value}, json={"headcount": 3})
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"] == [
            {
                "location": "header",
                "field": "If-Match",
                "type": "if_match_format",
                "message": body["errors"][0]["message"],
            }
        ]
    assert client.get(path, headers=headers).json()["headcount"] != 3


def test_establishment_get_by_id_carries_the_etag_and_archive_checks_if_match(client):
    _, headers = firm_headers(client)
    created = make_establishment(client, headers, make_client(client, headers))
    path = f"/v1/establishments/{created['id']}"
    assert client.get(path, headers=headers).headers["etag"] == '"1"'
    renamed = client.patch(path, headers={**headers, "If-Match": '"1"'}, json={"name": "Neuf"})
    assert renamed.headers["etag"] == '"2"'
    stale = client.post(f"{path}/archive", headers={**headers, "If-Match": '"1"'})
    assert_problem(stale, 412, "precondition_failed")
    assert client.get(path, headers=headers).json()["status"] == "active"
    archived = client.post(f"{path}/archive", headers={**headers, "If-Match": '"2"'})
    assert archived.status_code == 200
    assert archived.headers["etag"] == '"3"'
    assert client.get(path, headers=headers).headers["etag"] == '"3"'
