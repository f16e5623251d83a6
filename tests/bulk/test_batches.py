"""Batches of clients, establishments and claims: each item answers as it would alone, in
order; all or nothing unless partial=true; 200 items at most; R3's 200 slots hold at 199/200."""

import uuid

from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.support.builders import (
    bearer,
    establishment_payload,
    firm_headers,
    make_client,
    new_siren,
    token,
)
from tests.support.lifecycle import accepted_request, another_client, line, setup_request
from tests.support.problems import assert_problem


def client_item(**overrides):
    return {"siren": new_siren(), "legal_name": "Boulangerie Martin", "headcount": 12, **overrides}


def bad_siren():
    siren = new_siren()
    return siren[:-1] + str((int(siren[-1]) + 1) % 10)


def active_count(client, headers):
    return client.get("/v1/firm", headers=headers).json()["establishments_active"]


def clients_of(client, headers):
    return client.get("/v1/clients?limit=100", headers=headers).json()["items"]


def events(client, headers, action):
    page = client.get("/v1/events", headers=headers, params={"after": "0", "limit": 1000})
    return [e for e in page.json()["items"] if e["action"] == action]


def batch(client, headers, path, items, **params):
    return client.post(path, headers=headers, json={"items": items}, params=params)


# --- clients ---------------------------------------------------------------------------------


def test_a_batch_of_clients_answers_each_creation_in_order(client):
    _, headers = firm_headers(client)
    items = [client_item(), client_item(headcount=60), client_item()]
    response = batch(client, headers, "/v1/clients/batch", items)
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["partial"], body["created"], body["failed"]) == (False, 3, 0)
    assert [i["index"] for i in body["items"]] == [0, 1, 2]
    assert {i["status"] for i in body["items"]} == {201}
    assert [i["resource"]["siren"] for i in body["items"]] == [i["siren"] for i in items]
    listed = {c["id"] for c in clients_of(client, headers)}
    assert listed == {i["resource"]["id"] for i in body["items"]}


def test_one_bad_client_refuses_the_whole_batch_with_every_outcome(client):
    _, headers = firm_headers(client)
    taken = make_client(client, headers)
    items = [
        client_item(),
        client_item(siren=bad_siren()),
        client_item(siren=taken["siren"]),
        {"siren": new_siren(), "headcount": -1, "color": "red"},
    ]
    response = batch(client, headers, "/v1/clients/batch", items)
    problem = assert_problem(response, 422, "batch_rejected")
    assert "nothing was written" in problem["detail"]
    outcomes = problem["items"]
    assert [o["status"] for o in outcomes] == [201, 422, 409, 422]
    assert "problem" not in outcomes[0]
    assert outcomes[1]["problem"]["code"] == "validation_error"
    assert [(e["field"], e["type"]) for e in outcomes[1]["problem"]["errors"]] == [
        ("siren", "siren_checksum")
    ]
    assert outcomes[2]["problem"]["code"] == "duplicate_siren"
    assert {e["field"] for e in outcomes[3]["problem"]["errors"]} == {
        "legal_name",
        "headcount",
        "color",
    }
    assert [c["id"] for c in clients_of(client, headers)] == [taken["id"]]


def test_partial_batch_writes_the_good_clients_and_answers_the_others(client):
    _, headers = firm_headers(client)
    good = client_item()
    items = [good, client_item(siren=bad_siren()), client_item(siren=good["siren"])]
    response = batch(client, headers, "/v1/clients/batch", items, partial="true")
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["partial"], body["created"], body["failed"]) == (True, 1, 2)
    assert [i["status"] for i in body["items"]] == [201, 422, 409]
    assert body["items"][2]["problem"]["code"] == "duplicate_siren"
    assert [c["siren"] for c in clients_of(client, headers)] == [good["siren"]]


def test_200_clients_pass_and_201_are_refused_naming_items(client):
    _, headers = firm_headers(client)
    too_many = batch(client, headers, "/v1/clients/batch", [client_item() for _ in range(201)])
    problem = assert_problem(too_many, 422, "validation_error")
    assert [e["field"] for e in problem["errors"]] == ["items"]
    assert client.get("/v1/clients?limit=1", headers=headers).json()["items"] == []
    full = batch(client, headers, "/v1/clients/batch", [client_item() for _ in range(200)])
    assert full.status_code == 200, full.text
    assert full.json()["created"] == 200


def test_an_empty_batch_or_items_not_a_list_is_a_422(client):
    _, headers = firm_headers(client)
    for body in ({"items": []}, {"items": {"siren": "1"}}, {}, {"items": [], "partial": True}):
        response = client.post("/v1/clients/batch", headers=headers, json=body)
        assert_problem(response, 422, "validation_error")


def test_a_batch_needs_its_scope(client):
    firm, _ = firm_headers(client)
    reader = bearer(token(client, firm["owner_email"], scope="clients:read")["access_token"])
    response = batch(client, reader, "/v1/clients/batch", [client_item()])
    assert_problem(response, 403, "forbidden")


# --- establishments --------------------------------------------------------------------------


def test_a_batch_of_establishments_takes_slots_and_records_each_creation(client):
    _, headers = firm_headers(client)
    a, b = make_client(client, headers), make_client(client, headers)
    items = [establishment_payload(a, 1), establishment_payload(b, 1), establishment_payload(a, 2)]
    response = batch(client, headers, "/v1/establishments/batch", items)
    assert response.status_code == 200, response.text
    created = [i["resource"] for i in response.json()["items"]]
    assert [e["siret"] for e in created] == [i["siret"] for i in items]
    assert {e["status"] for e in created} == {"active"}
    assert active_count(client, headers) == 3
    recorded = events(client, headers, "establishment.created")
    assert [e["resource_id"] for e in recorded] == [e["id"] for e in created]


def test_establishment_items_get_the_problems_of_single_creates(client):
    _, headers = firm_headers(client)
    a, b = make_client(client, headers), make_client(client, headers)
    ok = establishment_payload(a, 1)
    siret = ok["siret"]
    items = [
        ok,
        establishment_payload(a, 1),  # the SIRET of item 0
        establishment_payload(a, 2, client_id=b["id"]),  # R2
        establishment_payload(a, 3, client_id=str(uuid.uuid4())),
        establishment_payload(a, 4, siret=siret[:-1] + str((int(siret[-1]) + 1) % 10)),
        establishment_payload(a, 5, postal_code="7500"),
    ]
    response = batch(client, headers, "/v1/establishments/batch", items, partial="true")
    assert response.status_code == 200, response.text
    outcomes = response.json()["items"]
    assert [o["status"] for o in outcomes] == [201, 409, 422, 404, 422, 422]
    codes = [(o["problem"] or {}).get("code") for o in outcomes]
    assert codes == [
        None,
        "duplicate_siret",
        "siren_mismatch",
        "not_found",
        "validation_error",
        "validation_error",
    ]
    assert outcomes[2]["problem"]["errors"][0]["field"] == "siret"
    assert outcomes[5]["problem"]["errors"][0]["field"] == "postal_code"
    assert active_count(client, headers) == 1
    assert len(events(client, headers, "establishment.created")) == 1


def test_a_refused_batch_of_establishments_writes_no_row_no_slot_no_event(client):
    _, headers = firm_headers(client)
    a = make_client(client, headers)
    items = [establishment_payload(a, 1), establishment_payload(a, 2, client_id=str(uuid.uuid4()))]
    problem = assert_problem(
        batch(client, headers, "/v1/establishments/batch", items), 422, "batch_rejected"
    )
    assert [o["status"] for o in problem["items"]] == [201, 404]
    assert active_count(client, headers) == 0
    assert events(client, headers, "establishment.created") == []
    listed = client.get("/v1/establishments", headers=headers).json()["items"]
    assert listed == []


def _fill(client, headers, company, count):
    items = [establishment_payload(company, n) for n in range(1, count + 1)]
    response = batch(client, headers, "/v1/establishments/batch", items)
    assert response.status_code == 200, response.text
    return response


def test_200_establishments_in_one_batch_fill_the_firm_and_201_items_are_refused(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    items = [establishment_payload(company, n) for n in range(1, ESTABLISHMENT_LIMIT + 2)]
    too_many = batch(client, headers, "/v1/establishments/batch", items)
    assert [e["field"] for e in assert_problem(too_many, 422, "validation_error")["errors"]] == [
        "items"
    ]
    assert active_count(client, headers) == 0
    _fill(client, headers, company, ESTABLISHMENT_LIMIT)
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT


def test_at_199_a_batch_of_two_is_refused_whole_or_written_in_part(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    _fill(client, headers, company, ESTABLISHMENT_LIMIT - 1)
    last_two = [establishment_payload(company, n) for n in (200, 201)]
    whole = batch(client, headers, "/v1/establishments/batch", last_two)
    problem = assert_problem(whole, 422, "batch_rejected")
    assert [o["status"] for o in problem["items"]] == [201, 409]
    assert problem["items"][1]["problem"]["code"] == "establishment_limit_reached"
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT - 1
    part = batch(client, headers, "/v1/establishments/batch", last_two, partial="true")
    assert part.status_code == 200, part.text
    assert [o["status"] for o in part.json()["items"]] == [201, 409]
    assert active_count(client, headers) == ESTABLISHMENT_LIMIT
    single = client.post(
        "/v1/establishments", headers=headers, json=establishment_payload(company, 202)
    )
    assert_problem(single, 409, "establishment_limit_reached")


def test_a_batch_is_replayed_for_its_idempotency_key(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    keyed = {**headers, "Idempotency-Key": str(uuid.uuid4())}
    items = [establishment_payload(company, 1)]
    first = client.post("/v1/establishments/batch", headers=keyed, json={"items": items})
    again = client.post("/v1/establishments/batch", headers=keyed, json={"items": items})
    assert first.status_code == again.status_code == 200
    assert again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json()
    assert active_count(client, headers) == 1


# --- claims ----------------------------------------------------------------------------------


def test_a_month_of_claims_for_several_requests_in_one_call(client):
    ctx, first = setup_request(client)
    other = another_client(client, ctx)
    second = accepted_request(client, other)["id"]
    items = [
        {
            "request_id": first,
            "month": "2020-04",
            "payroll_paid_on": "2020-04-30",
            "lines": [line("E1"), line("E2")],
        },
        {"request_id": second, "month": "2020-04", "lines": [line("E1")]},
    ]
    response = batch(client, ctx["headers"], "/v1/claims/batch", items)
    assert response.status_code == 200, response.text
    outcomes = response.json()["items"]
    assert [o["status"] for o in outcomes] == [201, 201]
    assert [o["resource"]["request_id"] for o in outcomes] == [first, second]
    assert {o["resource"]["status"] for o in outcomes} == {"draft"}
    assert "lines" not in outcomes[0]["resource"]
    claim = client.get(f"/v1/claims/{outcomes[0]['resource']['id']}", headers=ctx["headers"])
    assert len(claim.json()["lines"]) == 2
    assert len(events(client, ctx["headers"], "claim.created")) == 2


def test_claim_items_refused_as_alone_and_nothing_written_unless_partial(client):
    ctx, request_id = setup_request(client)
    items = [
        {"request_id": request_id, "month": "2020-04", "lines": [line()]},
        {"request_id": request_id, "month": "2020-04", "lines": [line()]},  # R19: one a month
        {"request_id": request_id, "month": "2019-01", "lines": [line()]},
        {"request_id": str(uuid.uuid4()), "month": "2020-05", "lines": [line()]},
        {"request_id": request_id, "month": "2020-05", "lines": [line(hours_not_worked="12,5")]},
    ]
    problem = assert_problem(
        batch(client, ctx["headers"], "/v1/claims/batch", items), 422, "batch_rejected"
    )
    statuses = [o["status"] for o in problem["items"]]
    assert statuses[0] == 201 and statuses[1] == 409 and statuses[3] == 404
    assert statuses[2] in (409, 422) and statuses[4] == 422
    assert problem["items"][4]["problem"]["errors"][0]["type"] == "decimal_comma"
    listed = client.get(f"/v1/authorization-requests/{request_id}/claims", headers=ctx["headers"])
    assert listed.json()["items"] == []
    part = batch(client, ctx["headers"], "/v1/claims/batch", items, partial="true")
    assert part.status_code == 200, part.text
    assert part.json()["created"] == 1
    listed = client.get(f"/v1/authorization-requests/{request_id}/claims", headers=ctx["headers"])
    assert len(listed.json()["items"]) == 1
