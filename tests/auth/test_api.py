"""Authentication: bearer tokens, login, scopes, refresh rotation, logout and login throttling.

Tokens are crafted without a JWT library: through `app.core.security.issue_access_token` with a
modified Settings, or by hand (base64url JSON, HMAC-SHA256) for `alg: none` and bad claims.
"""

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from app.auth.models import LoginThrottle, RefreshToken
from app.core import security
from app.firms.scopes import ROLE_SCOPES, SCOPES
from app.main import create_app
from tests.conftest import RolledBackSessions, portal_client
from tests.support.builders import (
    PASSWORD,
    bearer,
    establishment_payload,
    firm_headers,
    make_client,
    signup,
    token,
)
from tests.support.problems import assert_problem, assert_unauthorized

OTHER_SECRET = "another-secret-" + "y" * 40
WRONG_PASSWORD = "wrong password, long enough"


# --- helpers -------------------------------------------------------------------------------


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_json(value: dict[str, Any]) -> str:
    return b64url(json.dumps(value, separators=(",", ":")).encode())


def jwt_claims(access_token: str) -> dict[str, Any]:
    """The payload of a JWT, read without verifying it."""
    payload = access_token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def hand_signed(claims: dict[str, Any], secret: str, alg: str = "HS256") -> str:
    """A JWT built by hand: HS256 signed with `secret`, or unsigned when alg is `none`."""
    signing_input = f"{b64url_json({'alg': alg, 'typ': 'JWT'})}.{b64url_json(claims)}"
    if alg == "none":
        return f"{signing_input}."
    digest = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(digest)}"


def login(client: TestClient, email: str, password: str = PASSWORD, scope: str = "") -> Any:
    data = {"username": email, "password": password}
    if scope:
        data["scope"] = scope
    return client.post("/v1/auth/token", data=data)


def refresh(client: TestClient, refresh_token: str) -> Any:
    return client.post("/v1/auth/refresh", json={"refresh_token": refresh_token})


def me(client: TestClient, access_token: str) -> Any:
    return client.get("/v1/me", headers=bearer(access_token))


def owner_session(client: TestClient) -> tuple[dict[str, Any], dict[str, Any]]:
    """A new firm and a fresh token pair of its owner."""
    firm = signup(client)
    return firm, token(client, firm["owner_email"])


def add_user(client: TestClient, headers: dict[str, str], role: str) -> str:
    email = f"{role}-{uuid.uuid4().hex[:10]}@cabinet-exemple.fr"
    response = client.post(
        "/v1/users",
        json={"email": email, "full_name": f"A {role}", "password": PASSWORD, "role": role},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return email


def issue(settings: Any, clock: Any, user_id: uuid.UUID, firm_id: uuid.UUID, **kw: Any) -> str:
    values: dict[str, Any] = {
        "user_id": user_id,
        "firm_account_id": firm_id,
        "role": "owner",
        "scopes": sorted(SCOPES),
        "generation": 0,
        "now": clock.now(),
    }
    values.update(kw)
    access, _ = security.issue_access_token(settings, **values)
    return access


def ids_of(client: TestClient, access_token: str) -> tuple[uuid.UUID, uuid.UUID]:
    body = me(client, access_token).json()
    return uuid.UUID(body["user"]["id"]), uuid.UUID(body["firm"]["id"])


@pytest.fixture
def owner(client: TestClient) -> dict[str, Any]:
    """A firm's owner: e-mail, token pair, user and firm ids."""
    firm, pair = owner_session(client)
    user_id, firm_id = ids_of(client, pair["access_token"])
    return {"email": firm["owner_email"], **pair, "user_id": user_id, "firm_id": firm_id}


# --- bearer token checks -------------------------------------------------------------------


def test_request_without_token_is_401_with_www_authenticate(client):
    assert_unauthorized(client.get("/v1/me"))
    assert_unauthorized(client.get("/v1/establishments"))


def test_non_bearer_authorization_scheme_is_401_with_www_authenticate(client, owner):
    response = client.get("/v1/me", headers={"Authorization": f"Basic {owner['access_token']}"})
    assert_unauthorized(response)


@pytest.mark.parametrize("bad", ["not-a-jwt", "a.b.c", "Zm9v.YmFy", "x" * 300])
def test_malformed_token_is_401_with_www_authenticate(client, bad):
    assert_unauthorized(client.get("/v1/me", headers=bearer(bad)))


def test_valid_token_is_accepted_control_for_the_rejection_tests(client, settings, clock, owner):
    # The helpers below must build tokens the service accepts, or the 401 tests prove nothing.
    issued = issue(settings, clock, owner["user_id"], owner["firm_id"])
    assert me(client, issued).status_code == 200
    by_hand = hand_signed(jwt_claims(owner["access_token"]), settings.jwt_secret)
    assert me(client, by_hand).status_code == 200


def test_token_signed_with_another_secret_is_401_with_www_authenticate(
    client, settings, clock, owner
):
    other = settings.model_copy(update={"jwt_secret": OTHER_SECRET})
    assert_unauthorized(me(client, issue(other, clock, owner["user_id"], owner["firm_id"])))


def test_token_with_tampered_payload_is_401_with_www_authenticate(client):
    # A narrowed token whose scope claim is widened, the original signature kept: without the
    # signature check this would be a 200 on /v1/me (firm:read), not a 403 or a 401.
    firm = signup(client)
    narrow = token(client, firm["owner_email"], scope="establishments:read")["access_token"]
    assert_problem(me(client, narrow), 403, "forbidden")
    header, _, signature = narrow.split(".")
    claims = jwt_claims(narrow)
    claims["scope"] = " ".join(sorted(SCOPES))
    assert_unauthorized(me(client, f"{header}.{b64url_json(claims)}.{signature}"))


def test_token_with_altered_signature_is_401_with_www_authenticate(client, owner):
    header, payload, signature = owner["access_token"].split(".")
    first = "A" if signature[0] != "A" else "B"  # the first character carries 6 full bits
    assert_unauthorized(me(client, f"{header}.{payload}.{first}{signature[1:]}"))


def test_alg_none_token_is_401_with_www_authenticate(client, settings, owner):
    unsigned = hand_signed(jwt_claims(owner["access_token"]), settings.jwt_secret, alg="none")
    assert_unauthorized(me(client, unsigned))


def test_hs512_token_is_401_only_hs256_is_accepted(client, settings, owner):
    claims = jwt_claims(owner["access_token"])
    signing_input = f"{b64url_json({'alg': 'HS512', 'typ': 'JWT'})}.{b64url_json(claims)}"
    digest = hmac.new(settings.jwt_secret.encode(), signing_input.encode(), hashlib.sha512)
    assert_unauthorized(me(client, f"{signing_input}.{b64url(digest.digest())}"))


EXPIRED = 'Bearer error="invalid_token", error_description="The access token expired"'


def test_expired_access_token_is_401_saying_it_expired_rfc6750(client, settings, clock, owner):
    # JWT expiry is checked against the real clock: issue the token long enough in the past.
    past = clock.now() - timedelta(seconds=settings.access_token_ttl_seconds + 120)
    expired = issue(settings, clock, owner["user_id"], owner["firm_id"], now=past)
    response = me(client, expired)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == EXPIRED


def test_token_that_expires_after_its_first_use_is_401_saying_it_expired(
    client, settings, owner, monkeypatch
):
    # Verified once, its claims are cached: the expiry is checked again on each use.
    assert me(client, owner["access_token"]).status_code == 200
    later = time.time() + settings.access_token_ttl_seconds + 1
    monkeypatch.setattr(security.time, "time", lambda: later)
    response = me(client, owner["access_token"])
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == EXPIRED


def test_token_for_another_audience_is_401_with_www_authenticate(client, settings, clock, owner):
    other = settings.model_copy(update={"jwt_audience": "other-audience"})
    assert_unauthorized(me(client, issue(other, clock, owner["user_id"], owner["firm_id"])))


def test_token_from_another_issuer_is_401_with_www_authenticate(client, settings, clock, owner):
    other = settings.model_copy(update={"jwt_issuer": "other-issuer"})
    assert_unauthorized(me(client, issue(other, clock, owner["user_id"], owner["firm_id"])))


def test_token_of_a_user_that_does_not_exist_is_401_with_www_authenticate(
    client, settings, clock, owner
):
    ghost = issue(settings, clock, uuid.uuid4(), owner["firm_id"])
    assert_unauthorized(me(client, ghost))


def test_token_naming_another_firm_than_the_users_is_401_r4(client, settings, clock, owner):
    _, other_pair = owner_session(client)
    _, other_firm_id = ids_of(client, other_pair["access_token"])
    forged = issue(settings, clock, owner["user_id"], other_firm_id)
    assert_unauthorized(me(client, forged))
    assert_unauthorized(client.get("/v1/establishments", headers=bearer(forged)))


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("sub", "not-a-uuid"),
        ("fid", "not-a-uuid"),
        ("sub", None),
        ("fid", None),
        ("role", None),
        ("jti", None),
        ("scope", None),
        ("exp", None),
        ("iat", None),
        ("gen", None),
        ("gen", "0"),
        ("gen", True),
    ],
)
def test_signed_token_with_missing_or_malformed_claim_is_401_not_500(
    client, settings, owner, claim, value
):
    claims = jwt_claims(owner["access_token"])
    if value is None:
        del claims[claim]
    else:
        claims[claim] = value
    assert_unauthorized(me(client, hand_signed(claims, settings.jwt_secret)))


# --- GET by id: the user read in the same query as the row -------------------------------
#
# GET /v1/establishments/{id} authorizes the caller from the same query that reads the row
# (tenancy.read_scoped); GET /v1/clients/{id} goes through the principal dependency. Both must
# answer alike: 401 before 403 before 404, and a deactivated user is refused at once.

BY_ID = {
    "establishment": ("/v1/establishments/{}", "establishments:read", "clients:read"),
    "client": ("/v1/clients/{}", "clients:read", "establishments:read"),
}


@pytest.fixture
def rows(client: TestClient, owner: dict[str, Any]) -> dict[str, str]:
    """One client and one establishment of the owner's firm, by kind."""
    headers = bearer(owner["access_token"])
    company = make_client(client, headers)
    response = client.post(
        "/v1/establishments", json=establishment_payload(company), headers=headers
    )
    assert response.status_code == 201, response.text
    return {"client": company["id"], "establishment": response.json()["id"]}


def get_by_id(client: TestClient, kind: str, row_id: Any, access_token: str) -> Any:
    return client.get(BY_ID[kind][0].format(row_id), headers=bearer(access_token))


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_answers_the_row_to_its_firm_control(client, owner, rows, kind):
    response = get_by_id(client, kind, rows[kind], owner["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["id"] == rows[kind]


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_of_a_missing_or_other_firms_row_is_404(client, owner, rows, kind):
    assert_problem(get_by_id(client, kind, uuid.uuid4(), owner["access_token"]), 404, "not_found")
    _, other = owner_session(client)
    assert_problem(get_by_id(client, kind, rows[kind], other["access_token"]), 404, "not_found")


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_with_a_deactivated_users_token_is_401_at_once_even_for_a_missing_row(
    client, owner, rows, kind
):
    email = add_user(client, bearer(owner["access_token"]), "member")
    member = token(client, email)["access_token"]
    assert get_by_id(client, kind, rows[kind], member).status_code == 200
    member_id, _ = ids_of(client, member)
    response = client.patch(
        f"/v1/users/{member_id}", json={"active": False}, headers=bearer(owner["access_token"])
    )
    assert response.status_code == 200, response.text
    assert_unauthorized(get_by_id(client, kind, rows[kind], member))
    assert_unauthorized(get_by_id(client, kind, uuid.uuid4(), member))


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_with_a_token_of_an_unknown_user_is_401_not_404(
    client, settings, clock, owner, rows, kind
):
    ghost = issue(settings, clock, uuid.uuid4(), owner["firm_id"])
    assert_unauthorized(get_by_id(client, kind, rows[kind], ghost))
    assert_unauthorized(get_by_id(client, kind, uuid.uuid4(), ghost))


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_with_a_token_naming_the_rows_firm_but_another_users_is_401_r4(
    client, settings, clock, owner, rows, kind
):
    """A validly signed token that pairs a user of one firm with the firm that owns the row."""
    _, other = owner_session(client)
    other_user, _ = ids_of(client, other["access_token"])
    forged = issue(settings, clock, other_user, owner["firm_id"])
    assert_unauthorized(get_by_id(client, kind, rows[kind], forged))


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_without_the_read_scope_is_403_before_404(client, owner, rows, kind):
    _, needed, other_scope = BY_ID[kind]
    narrow = token(client, owner["email"], scope=other_scope)["access_token"]
    body = assert_problem(get_by_id(client, kind, rows[kind], narrow), 403, "forbidden")
    assert needed in body["detail"]
    assert_problem(get_by_id(client, kind, uuid.uuid4(), narrow), 403, "forbidden")


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_with_a_malformed_id_is_422_naming_the_path_parameter(client, owner, kind):
    response = get_by_id(client, kind, "not-a-uuid", owner["access_token"])
    body = assert_problem(response, 422, "validation_error")
    [error] = body["errors"]
    assert (error["location"], error["field"], error["type"]) == (
        "path",
        f"{kind}_id",
        "uuid_parsing",
    )


@pytest.mark.parametrize("kind", sorted(BY_ID))
def test_get_by_id_with_a_malformed_id_still_refuses_callers_who_may_not_read_first(
    client, settings, clock, owner, kind
):
    """401 and 403 come before 422: a caller who may not read learns nothing about the id."""
    ghost = issue(settings, clock, uuid.uuid4(), owner["firm_id"])
    assert_unauthorized(get_by_id(client, kind, "not-a-uuid", ghost))
    narrow = token(client, owner["email"], scope=BY_ID[kind][2])["access_token"]
    assert_problem(get_by_id(client, kind, "not-a-uuid", narrow), 403, "forbidden")


# --- login ---------------------------------------------------------------------------------


def test_login_returns_a_bearer_pair_with_expiry_and_scope(client, settings):
    firm = signup(client)
    response = login(client, firm["owner_email"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == settings.access_token_ttl_seconds
    assert body["access_token"].count(".") == 2
    assert len(body["refresh_token"]) >= 32
    assert body["scope"].split() == sorted(ROLE_SCOPES["owner"])
    claims = jwt_claims(body["access_token"])
    assert claims["exp"] - claims["iat"] == settings.access_token_ttl_seconds


def test_login_access_token_works_on_me(client):
    firm = signup(client)
    pair = login(client, firm["owner_email"]).json()
    response = me(client, pair["access_token"])
    assert response.status_code == 200, response.text
    assert response.json()["user"]["email"] == firm["owner_email"]
    assert response.json()["firm"]["id"] == firm["id"]


def test_login_email_is_case_insensitive(client):
    firm = signup(client)
    assert login(client, firm["owner_email"].upper()).status_code == 200


def test_wrong_password_and_unknown_email_give_identical_401_invalid_credentials(client):
    firm = signup(client)
    wrong_password = login(client, firm["owner_email"], WRONG_PASSWORD)
    unknown_email = login(client, "nobody@cabinet-exemple.fr", WRONG_PASSWORD)
    body = assert_unauthorized(wrong_password, "invalid_credentials")
    assert_unauthorized(unknown_email, "invalid_credentials")
    assert wrong_password.json() == unknown_email.json() == body
    assert "access_token" not in body


def test_login_without_password_field_is_422_validation_error(client):
    response = client.post("/v1/auth/token", data={"username": "a@cabinet-exemple.fr"})
    body = assert_problem(response, 422, "validation_error")
    assert "password" in {e["field"] for e in body["errors"]}


# --- scopes --------------------------------------------------------------------------------


def test_narrowed_token_is_403_forbidden_on_writes_outside_its_scope(client):
    firm, owner_headers = firm_headers(client)
    company = make_client(client, owner_headers)
    pair = token(client, firm["owner_email"], scope="establishments:read")
    assert pair["scope"] == "establishments:read"
    narrow = bearer(pair["access_token"])

    response = client.post(
        "/v1/establishments", json=establishment_payload(company), headers=narrow
    )
    body = assert_problem(response, 403, "forbidden")
    assert "establishments:write" in body["detail"]
    response = client.post(
        "/v1/clients",
        json={"siren": "732829320", "legal_name": "Boulangerie", "headcount": 3},
        headers=narrow,
    )
    body = assert_problem(response, 403, "forbidden")
    assert "clients:write" in body["detail"]
    # Nothing was written.
    listed = client.get("/v1/establishments", headers=owner_headers).json()
    assert listed["items"] == []


def test_narrowed_token_is_200_on_reads_inside_its_scope(client):
    firm, owner_headers = firm_headers(client)
    company = make_client(client, owner_headers)
    created = client.post(
        "/v1/establishments", json=establishment_payload(company), headers=owner_headers
    )
    assert created.status_code == 201, created.text
    narrow = bearer(token(client, firm["owner_email"], scope="establishments:read")["access_token"])
    response = client.get("/v1/establishments", headers=narrow)
    assert response.status_code == 200, response.text
    assert [e["id"] for e in response.json()["items"]] == [created.json()["id"]]


def test_unknown_scope_is_400_invalid_scope(client):
    firm = signup(client)
    response = login(client, firm["owner_email"], scope="establishments:read root:everything")
    body = assert_problem(response, 400, "invalid_scope")
    assert "root:everything" in body["detail"]


def test_scope_the_role_does_not_grant_is_400_invalid_scope(client):
    _, owner_headers = firm_headers(client)
    member = add_user(client, owner_headers, "member")
    response = login(client, member, scope="clients:read users:read")
    body = assert_problem(response, 400, "invalid_scope")
    assert "users:read" in body["detail"]
    admin = add_user(client, owner_headers, "admin")
    assert_problem(login(client, admin, scope="firm:write"), 400, "invalid_scope")


def test_member_token_is_403_on_users_list_and_create(client):
    _, owner_headers = firm_headers(client)
    member = add_user(client, owner_headers, "member")
    pair = token(client, member)
    assert "users:read" not in pair["scope"].split()
    headers = bearer(pair["access_token"])
    assert_problem(client.get("/v1/users", headers=headers), 403, "forbidden")
    response = client.post(
        "/v1/users",
        json={
            "email": "new@cabinet-exemple.fr",
            "full_name": "New",
            "password": PASSWORD,
            "role": "member",
        },
        headers=headers,
    )
    assert_problem(response, 403, "forbidden")


def test_token_claiming_scopes_beyond_the_role_gets_only_the_role_scopes(client, settings, clock):
    _, owner_headers = firm_headers(client)
    member = add_user(client, owner_headers, "member")
    user_id, firm_id = ids_of(client, token(client, member)["access_token"])
    # A validly signed token whose `scope` claim lists users:read for a member.
    inflated = issue(settings, clock, user_id, firm_id, role="owner", scopes=sorted(SCOPES))
    assert_problem(client.get("/v1/users", headers=bearer(inflated)), 403, "forbidden")


# --- refresh rotation and logout -----------------------------------------------------------


def test_refresh_returns_a_new_pair_that_works(client, settings):
    firm, first = owner_session(client)
    response = refresh(client, first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["token_type"] == "bearer"
    assert second["expires_in"] == settings.access_token_ttl_seconds
    assert second["refresh_token"] != first["refresh_token"]
    assert second["scope"] == first["scope"]
    assert me(client, second["access_token"]).json()["user"]["email"] == firm["owner_email"]
    third = refresh(client, second["refresh_token"])
    assert third.status_code == 200, third.text


def test_refresh_keeps_the_narrowed_scope(client):
    firm = signup(client)
    narrow = token(client, firm["owner_email"], scope="establishments:read")
    response = refresh(client, narrow["refresh_token"])
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "establishments:read"
    headers = bearer(response.json()["access_token"])
    assert_problem(client.get("/v1/users", headers=headers), 403, "forbidden")


def test_old_refresh_token_fails_after_rotation_401_invalid_refresh_token(client):
    _, first = owner_session(client)
    assert refresh(client, first["refresh_token"]).status_code == 200
    assert_unauthorized(refresh(client, first["refresh_token"]), "invalid_refresh_token")


def test_reusing_a_spent_refresh_token_revokes_the_whole_chain(client):
    _, first = owner_session(client)
    second = refresh(client, first["refresh_token"]).json()
    third = refresh(client, second["refresh_token"]).json()
    # The spent first token comes back: someone holds a copy.
    assert_unauthorized(refresh(client, first["refresh_token"]), "invalid_refresh_token")
    # The newest token of that chain, never used, is now revoked too.
    assert_unauthorized(refresh(client, third["refresh_token"]), "invalid_refresh_token")


def test_reuse_revokes_only_its_own_chain(client):
    firm, first = owner_session(client)
    other_chain = token(client, firm["owner_email"])
    refresh(client, first["refresh_token"])
    assert_unauthorized(refresh(client, first["refresh_token"]), "invalid_refresh_token")
    assert refresh(client, other_chain["refresh_token"]).status_code == 200


def test_unknown_refresh_token_is_401_invalid_refresh_token(client):
    assert_unauthorized(refresh(client, "not-a-refresh-token"), "invalid_refresh_token")


def test_expired_refresh_token_is_401_invalid_refresh_token(client, clock, settings):
    _, pair = owner_session(client)
    clock.current += timedelta(seconds=settings.refresh_token_ttl_seconds + 1)
    assert_unauthorized(refresh(client, pair["refresh_token"]), "invalid_refresh_token")


def test_logout_is_204_and_the_refresh_token_then_fails(client):
    _, pair = owner_session(client)
    response = client.post("/v1/auth/logout", json={"refresh_token": pair["refresh_token"]})
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert_unauthorized(refresh(client, pair["refresh_token"]), "invalid_refresh_token")


def test_logout_revokes_the_rotated_chain(client):
    _, first = owner_session(client)
    second = refresh(client, first["refresh_token"]).json()
    response = client.post("/v1/auth/logout", json={"refresh_token": second["refresh_token"]})
    assert response.status_code == 204
    assert_unauthorized(refresh(client, second["refresh_token"]), "invalid_refresh_token")


def test_refresh_tokens_are_stored_only_as_their_sha256(client, session):
    _, first = owner_session(client)
    second = refresh(client, first["refresh_token"]).json()
    rows = session.exec(select(RefreshToken)).all()
    stored = {row.token_hash for row in rows}
    for raw in (first["refresh_token"], second["refresh_token"]):
        assert hashlib.sha256(raw.encode()).hexdigest() in stored
        for row in rows:
            assert raw not in row.model_dump_json()
    assert len(rows) == 2
    assert len({row.family_id for row in rows}) == 1


# --- login throttling ----------------------------------------------------------------------


def account(email: str) -> str:
    """The throttle's key of an account: a digest of the e-mail as typed, lower-cased."""
    return "account:" + hashlib.sha256(email.lower().encode()).hexdigest()


def failures_for(session: Any, key: str) -> int | None:
    session.expire_all()
    row = session.exec(select(LoginThrottle).where(LoginThrottle.key == key)).first()
    return None if row is None else row.failures


def test_failed_login_is_counted_although_the_request_fails(client, session):
    firm = signup(client)
    email = firm["owner_email"]
    assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    assert failures_for(session, account(email)) == 1
    assert failures_for(session, "address:testclient") == 1
    assert_unauthorized(login(client, email.upper(), WRONG_PASSWORD), "invalid_credentials")
    assert failures_for(session, account(email)) == 2


def test_unknown_email_failure_is_counted_too(client, session):
    assert_unauthorized(
        login(client, "ghost@cabinet-exemple.fr", WRONG_PASSWORD), "invalid_credentials"
    )
    assert failures_for(session, account("ghost@cabinet-exemple.fr")) == 1


def test_account_locked_after_max_failures_is_429_with_retry_after_even_with_right_password(
    client, settings
):
    firm = signup(client)
    email = firm["owner_email"]
    for _ in range(settings.login_max_failures_per_account):
        assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    response = login(client, email)
    assert_problem(response, 429, "too_many_attempts")
    retry_after = response.headers["retry-after"]
    assert retry_after.isdigit()
    assert 0 < int(retry_after) <= settings.login_failure_window_seconds
    # Another account from the same address is not locked by this one.
    other = signup(client)
    assert login(client, other["owner_email"]).status_code == 200


def test_account_lock_lifts_when_the_failure_window_has_passed(client, clock, settings):
    firm = signup(client)
    email = firm["owner_email"]
    for _ in range(settings.login_max_failures_per_account):
        login(client, email, WRONG_PASSWORD)
    assert_problem(login(client, email), 429, "too_many_attempts")
    clock.current += timedelta(seconds=settings.login_failure_window_seconds - 10)
    locked = login(client, email)
    assert_problem(locked, 429, "too_many_attempts")
    assert 0 < int(locked.headers["retry-after"]) <= 10
    clock.current += timedelta(seconds=11)
    response = login(client, email)
    assert response.status_code == 200, response.text
    assert me(client, response.json()["access_token"]).status_code == 200


def test_new_failure_after_the_window_starts_a_fresh_count(client, clock, settings, session):
    firm = signup(client)
    email = firm["owner_email"]
    for _ in range(settings.login_max_failures_per_account):
        login(client, email, WRONG_PASSWORD)
    clock.current += timedelta(seconds=settings.login_failure_window_seconds + 1)
    assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    assert failures_for(session, account(email)) == 1
    assert login(client, email).status_code == 200


def test_successful_login_resets_the_account_failure_counter(client, settings, session):
    firm = signup(client)
    email = firm["owner_email"]
    below_limit = settings.login_max_failures_per_account - 1
    for _ in range(below_limit):
        assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    assert login(client, email).status_code == 200
    assert failures_for(session, account(email)) == 0
    for _ in range(below_limit):
        assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    # Without the reset this would be failure number 2 * (limit - 1) >= limit: a 429.
    assert login(client, email).status_code == 200


def test_a_successful_login_gives_back_what_it_counted(client, session):
    # Every attempt is counted before its password is checked; a success takes its count back.
    firm = signup(client)
    email = firm["owner_email"]
    assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    for _ in range(3):
        assert login(client, email).status_code == 200
    assert failures_for(session, account(email)) == 0
    assert failures_for(session, "address:testclient") == 1


@pytest.fixture
def strict_address_client(settings, clock, connection, portal) -> Iterator[TestClient]:
    """An app whose per-address limit (3) is far below its per-account limit (50)."""
    strict = settings.model_copy(
        update={"login_max_failures_per_address": 3, "login_max_failures_per_account": 50}
    )
    app = create_app(strict, clock=clock, session_factory=RolledBackSessions(connection))
    with portal_client(app, portal) as c:
        yield c


def test_many_failures_across_emails_from_one_address_are_429(strict_address_client):
    client = strict_address_client
    firm = signup(client)
    for n in range(3):
        response = login(client, f"guess{n}@cabinet-exemple.fr", WRONG_PASSWORD)
        assert_unauthorized(response, "invalid_credentials")
    # A fourth e-mail, never tried before, and even a right password: the address is throttled.
    response = login(client, "guess-new@cabinet-exemple.fr", WRONG_PASSWORD)
    assert_problem(response, 429, "too_many_attempts")
    assert int(response.headers["retry-after"]) > 0
    response = login(client, firm["owner_email"])
    assert_problem(response, 429, "too_many_attempts")
    assert int(response.headers["retry-after"]) > 0


def test_address_throttle_lifts_when_the_window_has_passed(strict_address_client, clock, settings):
    client = strict_address_client
    firm = signup(client)
    for n in range(3):
        login(client, f"guess{n}@cabinet-exemple.fr", WRONG_PASSWORD)
    assert_problem(login(client, firm["owner_email"]), 429, "too_many_attempts")
    clock.current += timedelta(seconds=settings.login_failure_window_seconds + 1)
    assert login(client, firm["owner_email"]).status_code == 200


def test_a_login_e_mail_of_any_length_is_counted_not_a_500(client, session):
    """The account's throttle key was the e-mail itself: 393 characters overflowed its column
    on PostgreSQL (500). Now a digest, whatever was typed."""
    email = "a" * 1000 + "@cabinet-exemple.fr"
    assert_unauthorized(login(client, email, WRONG_PASSWORD), "invalid_credentials")
    assert failures_for(session, account(email)) == 1
    assert failures_for(session, f"account:{email}") is None  # no e-mail kept in the table


@pytest.mark.parametrize("route", ["/v1/auth/refresh", "/v1/auth/logout"])
@pytest.mark.parametrize("token", ["\ud800", "a b", "x" * 129, ""])
def test_a_refresh_token_that_this_api_cannot_have_issued_is_422_not_500(client, route, token):
    # a lone surrogate failed to encode while hashing the token: 500
    response = client.post(
        route,
        content=json.dumps({"refresh_token": token}),
        headers={"Content-Type": "application/json"},
    )
    body = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["refresh_token"]
