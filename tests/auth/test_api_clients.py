"""Machine clients: OAuth2 client credentials (RFC 6749 §4.4) for payroll software.

Created by a firm's owner or admin, the secret shown once and kept as a digest; tokens from
`POST /v1/auth/token` with `grant_type=client_credentials` (HTTP Basic or form fields), no
refresh token; rotation with a grace period; revocation refusing every token at once; the API
client named as the actor of what it changes."""

import base64
import hashlib
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import quote_plus

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.api_clients.models import ApiClient
from app.audit.models import AuditEvent
from app.auth.models import RefreshToken
from app.idempotency.models import IdempotencyRecord
from tests.auth.test_api import hand_signed, jwt_claims
from tests.support.builders import (
    PASSWORD,
    bearer,
    establishment_payload,
    make_client,
    signup,
    token,
)
from tests.support.problems import assert_problem, assert_unauthorized, error_fields

WORK = ["clients:read", "clients:write", "establishments:read", "establishments:write"]
BASIC_CHALLENGE = 'Basic realm="apart-api"'


# --- helpers -------------------------------------------------------------------------------


def owner_headers(client: TestClient) -> dict[str, str]:
    firm = signup(client)
    return bearer(token(client, firm["owner_email"])["access_token"])


def add_user(client: TestClient, headers: dict[str, str], role: str) -> dict[str, str]:
    email = f"{role}-{uuid.uuid4().hex[:10]}@cabinet-exemple.fr"
    response = client.post(
        "/v1/users",
        json={"email": email, "full_name": f"A {role}", "password": PASSWORD, "role": role},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return bearer(token(client, email)["access_token"])


def create(
    client: TestClient, headers: dict[str, str], scopes: list[str] | None = None, **extra: Any
) -> dict[str, Any]:
    body = {"name": "Logiciel de paie", "scopes": WORK if scopes is None else scopes, **extra}
    response = client.post("/v1/api-clients", json=body, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def basic(client_id: str, secret: str) -> dict[str, str]:
    raw = f"{quote_plus(client_id)}:{quote_plus(secret)}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def by_basic(client: TestClient, client_id: str, secret: str, **form: str) -> Any:
    data = {"grant_type": "client_credentials", **form}
    return client.post("/v1/auth/token", data=data, headers=basic(client_id, secret))


def by_form(client: TestClient, client_id: str, secret: str, **form: str) -> Any:
    data = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        **form,
    }
    return client.post("/v1/auth/token", data=data)


def client_token(client: TestClient, created: dict[str, Any], **form: str) -> str:
    response = by_basic(client, created["client_id"], created["client_secret"], **form)
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def assert_invalid_client(response: Any) -> None:
    assert_problem(response, 401, "invalid_client")
    assert response.headers["www-authenticate"] == BASIC_CHALLENGE


# --- creation ------------------------------------------------------------------------------


def test_owner_creates_a_client_and_sees_its_secret_once(client, session):
    headers = owner_headers(client)
    created = create(client, headers)
    assert created["client_id"] == created["id"]
    assert created["scopes"] == sorted(WORK)
    assert created["role"] == "owner"
    assert created["last_used_at"] is None and created["revoked_at"] is None
    secret = created["client_secret"]
    assert len(secret) >= 43  # 256 random bits, URL-safe base64
    shown = client.get(f"/v1/api-clients/{created['id']}", headers=headers)
    assert shown.status_code == 200
    assert "client_secret" not in shown.json()
    assert shown.headers["etag"] == '"1"'
    listed = client.get("/v1/api-clients", headers=headers).json()["items"]
    assert [c["id"] for c in listed] == [created["id"]]
    assert "client_secret" not in listed[0]
    row = session.exec(select(ApiClient).where(ApiClient.id == uuid.UUID(created["id"]))).one()
    assert row.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in {row.secret_hash, row.name, row.scope}


def test_admin_may_create_a_client_a_member_may_not(client):
    owner = owner_headers(client)
    admin = add_user(client, owner, "admin")
    assert create(client, admin, ["clients:read"])["role"] == "admin"
    member = add_user(client, owner, "member")
    response = client.post(
        "/v1/api-clients", json={"name": "x", "scopes": ["clients:read"]}, headers=member
    )
    assert_problem(response, 403, "forbidden")
    assert_problem(client.get("/v1/api-clients", headers=member), 403, "forbidden")


@pytest.mark.parametrize(
    ("scopes", "why"),
    [
        (["firm:write"], "beyond"),  # an admin's token lacks it
        (["nope:read"], "unknown"),
        (["api_clients:write"], "cannot be given"),
    ],
)
def test_scopes_must_lie_within_the_creators(client, scopes, why):
    admin = add_user(client, owner_headers(client), "admin")
    response = client.post("/v1/api-clients", json={"name": "x", "scopes": scopes}, headers=admin)
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"scopes"}
    assert why in body["detail"]


def test_a_narrowed_token_cannot_create_a_wider_client(client):
    firm = signup(client)
    narrow = token(client, firm["owner_email"], scope="api_clients:write clients:read")
    headers = bearer(narrow["access_token"])
    assert create(client, headers, ["clients:read"])["scopes"] == ["clients:read"]
    response = client.post(
        "/v1/api-clients", json={"name": "x", "scopes": ["clients:write"]}, headers=headers
    )
    assert_problem(response, 422, "validation_error")


def test_expiry_in_the_past_is_422(client, clock):
    past = (clock.now() - timedelta(minutes=1)).isoformat()
    response = client.post(
        "/v1/api-clients",
        json={"name": "x", "scopes": ["clients:read"], "expires_at": past},
        headers=owner_headers(client),
    )
    assert error_fields(assert_problem(response, 422, "validation_error")) == {"expires_at"}


def test_another_firms_client_is_404(client):
    created = create(client, owner_headers(client))
    other = owner_headers(client)
    for path in ("", "/rotate", "/revoke"):
        method = client.get if path == "" else client.post
        response = method(f"/v1/api-clients/{created['id']}{path}", headers=other)
        assert_problem(response, 404, "not_found")
    assert client.get("/v1/api-clients", headers=other).json()["items"] == []


# --- the token request ---------------------------------------------------------------------


@pytest.mark.parametrize("style", [by_basic, by_form])
def test_both_credential_styles_give_an_access_token_without_refresh(client, clock, style):
    headers = owner_headers(client)
    created = create(client, headers)
    response = style(client, created["client_id"], created["client_secret"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"access_token", "token_type", "expires_in", "scope"}
    assert body["token_type"] == "bearer"
    assert body["scope"] == " ".join(sorted(WORK))
    assert response.headers["cache-control"] == "no-store"
    claims = jwt_claims(body["access_token"])
    assert claims["typ"] == "client"
    assert claims["sub"] == claims["client_id"] == created["client_id"]
    shown = client.get(f"/v1/api-clients/{created['id']}", headers=headers).json()
    assert shown["last_used_at"] is not None
    # last_used_at is a statistic: it does not change the client's version
    etag = client.get(f"/v1/api-clients/{created['id']}", headers=headers).headers["etag"]
    assert etag == '"1"'


def test_scope_narrows_a_client_token_and_cannot_widen_it(client):
    created = create(client, owner_headers(client), ["clients:read", "establishments:read"])
    narrowed = by_basic(
        client, created["client_id"], created["client_secret"], scope="clients:read"
    )
    assert narrowed.json()["scope"] == "clients:read"
    wider = by_basic(client, created["client_id"], created["client_secret"], scope="claims:read")
    assert_problem(wider, 400, "invalid_scope")


@pytest.mark.parametrize("style", [by_basic, by_form])
def test_wrong_secret_or_unknown_client_is_invalid_client(client, style):
    created = create(client, owner_headers(client))
    assert_invalid_client(style(client, created["client_id"], "wrong-" + "x" * 40))
    assert_invalid_client(style(client, str(uuid.uuid4()), created["client_secret"]))
    assert_invalid_client(style(client, "not-a-uuid", created["client_secret"]))


def test_malformed_basic_credentials_and_both_styles_at_once(client):
    created = create(client, owner_headers(client))
    for value in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = client.post(
            "/v1/auth/token",
            data={"grant_type": "client_credentials"},
            headers={"Authorization": value},
        )
        assert_invalid_client(response)
    missing = client.post("/v1/auth/token", data={"grant_type": "client_credentials"})
    assert_invalid_client(missing)
    both = client.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials", "client_id": created["client_id"]},
        headers=basic(created["client_id"], created["client_secret"]),
    )
    assert_problem(both, 400, "invalid_request")


def test_password_grant_still_needs_username_and_password(client):
    response = client.post("/v1/auth/token", data={"grant_type": "password", "username": "a@b.fr"})
    assert error_fields(assert_problem(response, 422, "validation_error")) == {"password"}
    other = client.post("/v1/auth/token", data={"grant_type": "implicit", "username": "a"})
    assert "grant_type" in error_fields(assert_problem(other, 422, "validation_error"))


def test_wrong_secrets_are_throttled_like_logins(client, settings):
    created = create(client, owner_headers(client))
    for _ in range(settings.login_max_failures_per_account):
        assert_invalid_client(by_basic(client, created["client_id"], "wrong"))
    locked = by_basic(client, created["client_id"], created["client_secret"])
    assert_problem(locked, 429, "too_many_attempts")
    assert 0 < int(locked.headers["retry-after"]) <= settings.login_failure_window_seconds


def test_expired_client_gets_no_token_and_its_tokens_end_with_it(client, clock):
    expires = clock.now() + timedelta(minutes=5)
    created = create(client, owner_headers(client), expires_at=expires.isoformat())
    access = client_token(client, created)
    # the token never outlives the client (default lifetime: 15 minutes)
    assert jwt_claims(access)["exp"] == int(expires.timestamp())
    clock.current = expires
    assert_invalid_client(by_basic(client, created["client_id"], created["client_secret"]))


# --- rotation and revocation ---------------------------------------------------------------


def test_rotation_keeps_the_old_secret_for_the_grace_period_only(client, clock, settings):
    headers = owner_headers(client)
    created = create(client, headers)
    old = created["client_secret"]
    rotated = client.post(f"/v1/api-clients/{created['id']}/rotate", headers=headers)
    assert rotated.status_code == 200, rotated.text
    body = rotated.json()
    new = body["client_secret"]
    assert new != old
    grace = timedelta(seconds=settings.api_client_rotation_grace_seconds)
    assert body["previous_secret_valid_until"].startswith((clock.now() + grace).isoformat()[:19])
    assert rotated.headers["etag"] == '"2"'
    clock.current += grace - timedelta(seconds=1)
    assert by_basic(client, created["client_id"], old).status_code == 200
    assert by_basic(client, created["client_id"], new).status_code == 200
    clock.current += timedelta(seconds=1)  # the end of the grace period: refused
    assert_invalid_client(by_basic(client, created["client_id"], old))
    assert by_form(client, created["client_id"], new).status_code == 200


def test_a_second_rotation_ends_the_first_secret_at_once(client):
    headers = owner_headers(client)
    created = create(client, headers)
    first = created["client_secret"]
    client.post(f"/v1/api-clients/{created['id']}/rotate", headers=headers)
    third = client.post(f"/v1/api-clients/{created['id']}/rotate", headers=headers).json()
    assert_invalid_client(by_basic(client, created["client_id"], first))
    assert by_basic(client, created["client_id"], third["client_secret"]).status_code == 200


def test_rotate_and_revoke_take_if_match(client):
    headers = owner_headers(client)
    created = create(client, headers)
    url = f"/v1/api-clients/{created['id']}"
    stale = client.post(f"{url}/rotate", headers={**headers, "If-Match": '"7"'})
    assert_problem(stale, 412, "precondition_failed")
    ok = client.post(f"{url}/rotate", headers={**headers, "If-Match": '"1"'})
    assert ok.status_code == 200
    assert_problem(
        client.post(f"{url}/revoke", headers={**headers, "If-Match": '"1"'}),
        412,
        "precondition_failed",
    )


def test_revocation_refuses_issued_tokens_at_once_and_new_ones(client):
    headers = owner_headers(client)
    created = create(client, headers)
    access = client_token(client, created)
    assert client.get("/v1/clients", headers=bearer(access)).status_code == 200
    company = make_client(client, headers)
    revoked = client.post(f"/v1/api-clients/{created['id']}/revoke", headers=headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert_unauthorized(client.get("/v1/clients", headers=bearer(access)))
    # the GET by id that reads the caller with the row (auth.scoped_reads) refuses it too
    assert_unauthorized(client.get(f"/v1/clients/{company['id']}", headers=bearer(access)))
    assert_invalid_client(by_basic(client, created["client_id"], created["client_secret"]))
    again = client.post(f"/v1/api-clients/{created['id']}/revoke", headers=headers)
    assert again.status_code == 200 and again.json()["revoked_at"] == revoked.json()["revoked_at"]
    rotate = client.post(f"/v1/api-clients/{created['id']}/rotate", headers=headers)
    assert_problem(rotate, 409, "api_client_revoked")


# --- a client's token at work --------------------------------------------------------------


def test_a_client_token_reads_lists_and_writes_and_is_the_actor(client):
    headers = owner_headers(client)
    created = create(client, headers, [*WORK, "events:read"])
    machine = bearer(client_token(client, created))
    company = make_client(client, machine)
    response = client.post(
        "/v1/establishments", json=establishment_payload(company), headers=machine
    )
    assert response.status_code == 201, response.text
    establishment = response.json()
    # GET by id: the caller is read with the row (auth.scoped_reads), for a client too
    got = client.get(f"/v1/establishments/{establishment['id']}", headers=machine)
    assert got.status_code == 200, got.text
    assert got.headers["etag"] == '"1"'
    assert client.get(f"/v1/clients/{company['id']}", headers=machine).status_code == 200
    listed = client.get("/v1/establishments", headers=machine).json()["items"]
    assert [e["id"] for e in listed] == [establishment["id"]]
    events = client.get(
        "/v1/events", params={"resource_id": establishment["id"]}, headers=headers
    ).json()["items"]
    assert events, "the creation is audited"
    assert {(e["actor_id"], e["actor_api_client_id"]) for e in events} == {
        (None, created["client_id"])
    }
    feed = client.get("/v1/events", params={"after": "0"}, headers=machine).json()["items"]
    created_event = [e for e in feed if e["action"] == "api_client.created"]
    assert created_event and created_event[0]["actor_api_client_id"] is None
    assert created_event[0]["actor_id"] is not None


def test_a_client_token_is_scoped_and_confined_to_its_firm(client):
    headers = owner_headers(client)
    company = make_client(client, headers)
    created = create(client, headers, ["clients:read"])
    machine = bearer(client_token(client, created))
    assert_problem(client.post("/v1/clients", json={}, headers=machine), 403, "forbidden")
    assert_problem(client.get("/v1/api-clients", headers=machine), 403, "forbidden")
    other = create(client, owner_headers(client), ["clients:read"])
    stranger = bearer(client_token(client, other))
    assert_problem(client.get(f"/v1/clients/{company['id']}", headers=stranger), 404, "not_found")
    assert client.get("/v1/clients", headers=stranger).json()["items"] == []


def test_me_refuses_a_client_token(client):
    created = create(client, owner_headers(client), ["firm:read"])
    body = assert_problem(
        client.get("/v1/me", headers=bearer(client_token(client, created))), 403, "forbidden"
    )
    assert "API client" in body["detail"]


def test_a_client_token_cannot_refresh_and_holds_no_refresh_token(client, session):
    created = create(client, owner_headers(client))
    before = len(session.exec(select(RefreshToken)).all())
    response = by_basic(client, created["client_id"], created["client_secret"])
    assert "refresh_token" not in response.json()
    session.expire_all()
    assert len(session.exec(select(RefreshToken)).all()) == before  # none stored either
    access = response.json()["access_token"]
    # neither the access token nor the secret is a refresh token
    assert_problem(
        client.post("/v1/auth/refresh", json={"refresh_token": access}), 422, "validation_error"
    )
    refused = client.post("/v1/auth/refresh", json={"refresh_token": created["client_secret"]})
    assert_problem(refused, 401, "invalid_refresh_token")


def test_a_client_token_is_never_taken_for_a_users_and_back(client, settings):
    headers = owner_headers(client)
    created = create(client, headers)
    access = client_token(client, created)
    assert client.get("/v1/clients", headers=bearer(access)).status_code == 200
    claims = jwt_claims(access)
    # a client's token relabelled as a user's: no user has that id, and the client_id is
    # a client's mark
    as_user = {k: v for k, v in claims.items() if k != "client_id"} | {"typ": "user"}
    assert_unauthorized(
        client.get("/v1/clients", headers=bearer(hand_signed(as_user, settings.jwt_secret)))
    )
    assert_unauthorized(
        client.get(
            "/v1/clients",
            headers=bearer(hand_signed(claims | {"typ": "user"}, settings.jwt_secret)),
        )
    )
    # a user's token relabelled as a client's: no client has the user's id
    user = jwt_claims(headers["Authorization"].removeprefix("Bearer "))
    as_client = user | {"typ": "client", "client_id": user["sub"]}
    assert_unauthorized(
        client.get("/v1/clients", headers=bearer(hand_signed(as_client, settings.jwt_secret)))
    )
    # a client's token naming another client in client_id, or without typ
    mixed = claims | {"client_id": str(uuid.uuid4())}
    assert_unauthorized(
        client.get("/v1/clients", headers=bearer(hand_signed(mixed, settings.jwt_secret)))
    )
    untyped = {k: v for k, v in claims.items() if k != "typ"}
    assert_unauthorized(
        client.get("/v1/clients", headers=bearer(hand_signed(untyped, settings.jwt_secret)))
    )
    # control: the same claims signed by hand are accepted, so the refusals above are the
    # claims', not the signing's
    assert (
        client.get(
            "/v1/clients", headers=bearer(hand_signed(claims, settings.jwt_secret))
        ).status_code
        == 200
    )


def test_audit_of_rotation_and_revocation_names_the_user(client, session):
    headers = owner_headers(client)
    created = create(client, headers)
    client.post(f"/v1/api-clients/{created['id']}/rotate", headers=headers)
    client.post(f"/v1/api-clients/{created['id']}/revoke", headers=headers)
    events = session.exec(
        select(AuditEvent).where(AuditEvent.resource_id == uuid.UUID(created["id"]))
    ).all()
    assert [e.action for e in sorted(events, key=lambda e: e.seq)] == [
        "api_client.created",
        "api_client.rotated",
        "api_client.revoked",
    ]
    assert all(e.actor_id is not None and e.actor_api_client_id is None for e in events)


def test_secrets_are_never_kept_for_an_idempotent_replay(client, session):
    headers = {**owner_headers(client), "Idempotency-Key": str(uuid.uuid4())}
    body = {"name": "Logiciel de paie", "scopes": ["clients:read"]}
    first = client.post("/v1/api-clients", json=body, headers=headers)
    second = client.post("/v1/api-clients", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert "idempotent-replayed" not in second.headers
    assert first.json()["client_secret"] != second.json()["client_secret"]
    kept = session.exec(select(IdempotencyRecord)).all()
    assert not [r for r in kept if r.path.startswith("/v1/api-clients")]


def test_what_swagger_uis_client_credentials_flow_sends(client):
    """Authorize, clientCredentials: Basic credentials, the grant type and the scopes ticked."""
    created = create(client, owner_headers(client), ["firm:read", "establishments:read"])
    response = client.post(
        "/v1/auth/token",
        data={"grant_type": "client_credentials", "scope": "firm:read establishments:read"},
        headers=basic(created["client_id"], created["client_secret"]),
    )
    assert response.status_code == 200, response.text
    access = response.json()["access_token"]
    assert client.get("/v1/firm", headers=bearer(access)).status_code == 200
    assert client.get("/v1/establishments", headers=bearer(access)).status_code == 200
