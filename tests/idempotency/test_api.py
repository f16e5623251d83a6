"""Retries of POSTs with an `Idempotency-Key`: the first answer is kept per firm account and key,
a retry of the same request gets it again and does nothing twice."""

import uuid
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, select

from app.clients import service as clients_service
from app.errors import Overloaded
from app.idempotency import middleware
from app.idempotency.models import IdempotencyRecord
from tests.support.builders import (
    bearer,
    firm_headers,
    firm_payload,
    make_client,
    make_establishment,
    new_siren,
    signup,
    token,
)
from tests.support.problems import assert_problem

RECORDS = IdempotencyRecord.__table__  # type: ignore[attr-defined]


def client_body(**overrides: Any) -> dict[str, Any]:
    return {"siren": new_siren(), "legal_name": "Boulangerie Martin", "headcount": 12, **overrides}


def keyed(headers: dict[str, str], key: str) -> dict[str, str]:
    return {**headers, "Idempotency-Key": key}


def clients_of(client, headers) -> list[dict[str, Any]]:
    return client.get("/v1/clients", headers=headers).json()["items"]


def record_count(session) -> int:
    return session.exec(select(func.count()).select_from(RECORDS)).one()[0]


def test_a_retry_gets_the_first_answer_again_and_creates_nothing_twice(client):
    _, headers = firm_headers(client)
    body, key = client_body(), str(uuid.uuid4())

    first = client.post("/v1/clients", json=body, headers=keyed(headers, key))
    retry = client.post("/v1/clients", json=body, headers=keyed(headers, key))

    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry.headers["content-type"] == first.headers["content-type"]
    assert retry.headers.get("location") == first.headers.get("location")
    assert "idempotent-replayed" not in first.headers
    assert retry.headers["idempotent-replayed"] == "true"
    assert [c["id"] for c in clients_of(client, headers)] == [first.json()["id"]]


def test_a_retried_state_change_writes_one_event(client):
    _, headers = firm_headers(client)
    establishment = make_establishment(client, headers, make_client(client, headers))
    path = f"/v1/establishments/{establishment['id']}/archive"

    first = client.post(path, headers=keyed(headers, "archive-1"))
    retry = client.post(path, headers=keyed(headers, "archive-1"))

    assert first.status_code == retry.status_code == 200, first.text
    assert retry.content == first.content
    events = client.get(f"/v1/establishments/{establishment['id']}/events", headers=headers).json()[
        "items"
    ]
    assert [e["action"] for e in events].count("establishment.archived") == 1


def test_a_quoted_key_is_the_same_key_as_the_bare_one(client):
    _, headers = firm_headers(client)
    body = client_body()
    first = client.post("/v1/clients", json=body, headers=keyed(headers, "order-42"))
    retry = client.post("/v1/clients", json=body, headers=keyed(headers, '"order-42"'))
    assert retry.headers["idempotent-replayed"] == "true"
    assert retry.content == first.content


def test_the_same_key_with_another_body_is_refused_naming_the_header(client):
    _, headers = firm_headers(client)
    client.post("/v1/clients", json=client_body(), headers=keyed(headers, "k1"))

    response = client.post("/v1/clients", json=client_body(), headers=keyed(headers, "k1"))

    body = assert_problem(response, 422, "idempotency_key_reused")
    assert body["errors"][0]["location"] == "header"
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert len(clients_of(client, headers)) == 1


def test_the_same_key_on_another_path_is_refused(client):
    _, headers = firm_headers(client)
    made = client.post("/v1/clients", json=client_body(), headers=keyed(headers, "k2"))
    response = client.post(
        f"/v1/clients/{made.json()['id']}/regimes",
        json={"regime": "protected", "effective_from": "2021-01-01"},
        headers=keyed(headers, "k2"),
    )
    assert_problem(response, 422, "idempotency_key_reused")


@pytest.mark.parametrize(
    "key",
    ["", "x" * 256, "clé", "a\tb", '"a"b"', '""'],
    ids=["empty", "too-long", "non-ascii", "control", "bad-quotes", "empty-quoted"],
)
def test_a_malformed_key_is_refused_naming_the_header(client, key):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/clients", json=client_body(), headers={**headers, "Idempotency-Key": key.encode()}
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "Idempotency-Key"
    assert body["errors"][0]["location"] == "header"
    assert clients_of(client, headers) == []


def test_a_key_of_255_printable_characters_is_accepted(client):
    _, headers = firm_headers(client)
    key = ("~ !" * 85)[:255]
    response = client.post("/v1/clients", json=client_body(), headers=keyed(headers, key))
    assert response.status_code == 201, response.text


def test_a_domain_error_is_kept_and_replayed_as_it_was(client):
    _, headers = firm_headers(client)
    body = client_body()
    existing = client.post("/v1/clients", json=body, headers=headers).json()
    refused = client.post("/v1/clients", json=body, headers=keyed(headers, "dup"))
    assert_problem(refused, 409, "duplicate_siren")
    assert client.delete(f"/v1/clients/{existing['id']}", headers=headers).status_code == 204

    retry = client.post("/v1/clients", json=body, headers=keyed(headers, "dup"))

    assert_problem(retry, 409, "duplicate_siren")
    assert retry.content == refused.content
    assert retry.headers["idempotent-replayed"] == "true"
    assert clients_of(client, headers) == []


def test_an_overloaded_answer_is_not_kept_so_the_retry_runs(client, monkeypatch):
    _, headers = firm_headers(client)
    body = client_body()
    real = clients_service.create_client

    async def overloaded(*args: Any, **kwargs: Any) -> Any:
        raise Overloaded()

    monkeypatch.setattr(clients_service, "create_client", overloaded)
    assert_problem(
        client.post("/v1/clients", json=body, headers=keyed(headers, "k")), 503, "overloaded"
    )
    monkeypatch.setattr(clients_service, "create_client", real)

    retry = client.post("/v1/clients", json=body, headers=keyed(headers, "k"))

    assert retry.status_code == 201, retry.text
    assert "idempotent-replayed" not in retry.headers


def test_a_crash_is_not_kept_and_writes_nothing(app, client, monkeypatch):
    _, headers = firm_headers(client)
    body = client_body()

    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    monkeypatch.setattr(clients_service, "create_client", broken)
    with pytest.raises(RuntimeError):
        client.post("/v1/clients", json=body, headers=keyed(headers, "k"))
    monkeypatch.undo()

    retry = client.post("/v1/clients", json=body, headers=keyed(headers, "k"))
    assert retry.status_code == 201, retry.text
    assert len(clients_of(client, headers)) == 1


def test_the_answer_is_written_in_the_use_case_transaction(client, monkeypatch):
    """The answer cannot be kept: the client is not created either (and the key is free)."""
    _, headers = firm_headers(client)
    body = client_body()
    real_write = middleware._Request._write

    async def failing_write(self: Any, session: Any, answer: Any) -> None:
        if answer is not None:
            raise RuntimeError("the record could not be written")
        await real_write(self, session, answer)

    monkeypatch.setattr(middleware._Request, "_write", failing_write)
    with pytest.raises(RuntimeError):
        client.post("/v1/clients", json=body, headers=keyed(headers, "k"))
    monkeypatch.undo()

    assert clients_of(client, headers) == []
    retry = client.post("/v1/clients", json=body, headers=keyed(headers, "k"))
    assert retry.status_code == 201, retry.text


def test_a_key_is_forgotten_after_its_lifetime(client, clock, settings):
    _, headers = firm_headers(client)
    client.post("/v1/clients", json=client_body(), headers=keyed(headers, "k"))

    clock.current += timedelta(seconds=settings.idempotency_ttl_seconds - 1)
    assert_problem(
        client.post("/v1/clients", json=client_body(), headers=keyed(headers, "k")),
        422,
        "idempotency_key_reused",
    )
    clock.current += timedelta(seconds=1)
    later = client.post("/v1/clients", json=client_body(), headers=keyed(headers, "k"))

    assert later.status_code == 201, later.text
    assert "idempotent-replayed" not in later.headers
    assert len(clients_of(client, headers)) == 2


def test_keys_belong_to_a_firm_account(client):
    _, headers_a = firm_headers(client)
    _, headers_b = firm_headers(client)
    body = client_body()

    a = client.post("/v1/clients", json=body, headers=keyed(headers_a, "shared"))
    b = client.post("/v1/clients", json=body, headers=keyed(headers_b, "shared"))

    assert a.status_code == b.status_code == 201
    assert a.json()["id"] != b.json()["id"]
    assert "idempotent-replayed" not in b.headers


def test_a_request_still_in_flight_answers_409_with_retry_after(client, session, clock):
    firm, headers = firm_headers(client)
    # the same key claimed by a request still running (its answer not written yet)
    session.exec(
        insert(RECORDS).values(
            id=uuid.uuid4(),
            firm_account_id=uuid.UUID(firm["id"]),
            key="running",
            method="POST",
            path="/v1/clients",
            fingerprint=middleware.hashlib.sha256(b"{}").hexdigest(),
            created_at=clock.now(),
        )
    )
    response = client.post(
        "/v1/clients",
        content=b"{}",
        headers={**keyed(headers, "running"), "content-type": "application/json"},
    )
    assert_problem(response, 409, "idempotency_key_in_flight")
    assert response.headers["retry-after"] == "1"

    # a claim left by a process that died is taken over once its lease is over
    clock.current += middleware.LEASE + timedelta(seconds=1)
    taken = client.post(
        "/v1/clients",
        content=b"{}",
        headers={**keyed(headers, "running"), "content-type": "application/json"},
    )
    assert_problem(taken, 422, "validation_error")  # the request ran: its own answer


def test_a_signup_is_replayed_by_its_key_alone(client, session):
    payload = firm_payload()
    first = client.post("/v1/firms", json=payload, headers={"Idempotency-Key": "signup-1"})
    retry = client.post("/v1/firms", json=payload, headers={"Idempotency-Key": "signup-1"})

    assert first.status_code == retry.status_code == 201
    assert retry.content == first.content
    assert retry.headers["idempotent-replayed"] == "true"
    other = client.post("/v1/firms", json=firm_payload(), headers={"Idempotency-Key": "signup-1"})
    assert_problem(other, 422, "idempotency_key_reused")


def test_token_answers_are_never_kept_nor_replayed(client, session):
    firm = signup(client)
    data = {"username": firm["owner_email"], "password": "correct horse battery staple"}

    first = client.post("/v1/auth/token", data=data, headers={"Idempotency-Key": "t"})
    second = client.post("/v1/auth/token", data=data, headers={"Idempotency-Key": "t"})

    assert first.status_code == second.status_code == 200
    assert "idempotent-replayed" not in second.headers
    assert first.json()["refresh_token"] != second.json()["refresh_token"]
    assert record_count(session) == 0


def test_requests_without_the_header_keep_nothing(client, session):
    _, headers = firm_headers(client)
    client.post("/v1/clients", json=client_body(), headers=headers)
    assert record_count(session) == 0


def test_an_invalid_token_with_a_key_is_refused_and_keeps_nothing(client, session):
    response = client.post(
        "/v1/clients", json=client_body(), headers=keyed(bearer("not-a-token"), "k")
    )
    assert_problem(response, 401, "unauthorized")
    assert record_count(session) == 0


def test_a_deactivated_user_gets_no_replay(client):
    _, owner = firm_headers(client)
    member = {
        "email": "m@exemple.fr",
        "full_name": "M",
        "password": "correct horse battery staple",
        "role": "admin",
    }
    user = client.post("/v1/users", json=member, headers=owner)
    assert user.status_code == 201, user.text
    headers = bearer(token(client, member["email"])["access_token"])
    body = client_body()
    assert client.post("/v1/clients", json=body, headers=keyed(headers, "k")).status_code == 201
    deactivated = client.patch(
        f"/v1/users/{user.json()['id']}", json={"active": False}, headers=owner
    )
    assert deactivated.status_code == 200, deactivated.text

    retry = client.post("/v1/clients", json=body, headers=keyed(headers, "k"))

    assert retry.status_code == 401


def test_every_post_declares_the_key_and_the_replay_header(app):
    document = app.openapi()
    header = document["components"]["parameters"]["Idempotency-Key"]
    assert header["in"] == "header" and header["required"] is False
    assert "Idempotent-Replayed" in document["components"]["headers"]
    posts = {path: item["post"] for path, item in document["paths"].items() if "post" in item}
    ref = {"$ref": "#/components/parameters/Idempotency-Key"}
    assert [p for p, op in posts.items() if ref not in op.get("parameters", [])] == []
    created = posts["/v1/clients"]["responses"]["201"]
    assert created["headers"]["Idempotent-Replayed"] == {
        "$ref": "#/components/headers/Idempotent-Replayed"
    }
    assert "409" in posts["/v1/clients"]["responses"]
    assert "Idempotent-Replayed" not in str(posts["/v1/auth/token"]["responses"])
