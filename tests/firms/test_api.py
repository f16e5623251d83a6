"""Users, roles, the firm account and sign-up (R1 for the firm's SIRET, R4 tenant isolation)."""

import functools
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.auth import service as auth_service
from app.firms import service as firms_service
from app.firms.models import User
from app.firms.rules import ESTABLISHMENT_LIMIT
from app.firms.scopes import ROLE_SCOPES
from app.main import create_app
from tests.conftest import RolledBackSessions, portal_client
from tests.support.builders import (
    PASSWORD,
    bearer,
    firm_headers,
    firm_payload,
    make_client,
    make_establishment,
    signup,
    token,
)
from tests.support.problems import assert_problem, assert_unauthorized, error_fields

USER_FIELDS = {"id", "email", "full_name", "role", "active", "created_at"}


# --- helpers -------------------------------------------------------------------------------


def user_payload(role: str = "member", **overrides: Any) -> dict[str, Any]:
    payload = {
        "email": f"{role}-{uuid.uuid4().hex[:10]}@cabinet-exemple.fr",
        "full_name": f"A {role}",
        "password": PASSWORD,
        "role": role,
    }
    payload.update(overrides)
    return payload


def create_user(
    client: TestClient, headers: dict[str, str], role: str = "member"
) -> dict[str, Any]:
    response = client.post("/v1/users", json=user_payload(role), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def login_as(client: TestClient, user: dict[str, Any]) -> dict[str, Any]:
    return token(client, user["email"])


def headers_of(client: TestClient, user: dict[str, Any]) -> dict[str, str]:
    return bearer(login_as(client, user)["access_token"])


def patch_user(
    client: TestClient, headers: dict[str, str], user_id: str, body: dict[str, Any]
) -> Any:
    return client.patch(f"/v1/users/{user_id}", json=body, headers=headers)


def me_of(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.get("/v1/me", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


# --- creating, listing and reading users ---------------------------------------------------


def test_owner_creates_a_user_who_can_log_in(client):
    _, owner = firm_headers(client)
    payload = user_payload("admin", email="Jeanne.Martin@Cabinet-Exemple.fr")
    response = client.post("/v1/users", json=payload, headers=owner)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == USER_FIELDS  # no password nor hash in the answer
    assert body["email"] == "jeanne.martin@cabinet-exemple.fr"
    assert body["role"] == "admin"
    assert body["active"] is True
    pair = token(client, "jeanne.martin@cabinet-exemple.fr")
    assert me_of(client, bearer(pair["access_token"]))["user"]["id"] == body["id"]


def test_user_role_defaults_to_member(client):
    _, owner = firm_headers(client)
    payload = user_payload()
    del payload["role"]
    response = client.post("/v1/users", json=payload, headers=owner)
    assert response.status_code == 201, response.text
    assert response.json()["role"] == "member"


def test_get_one_user_of_the_firm(client):
    _, owner = firm_headers(client)
    created = create_user(client, owner)
    response = client.get(f"/v1/users/{created['id']}", headers=owner)
    assert response.status_code == 200, response.text
    assert response.json() == created


def test_unknown_user_id_is_404_not_found(client):
    _, owner = firm_headers(client)
    assert_problem(client.get(f"/v1/users/{uuid.uuid4()}", headers=owner), 404, "not_found")


def test_users_list_is_paginated_with_limit_and_cursor(client):
    firm, owner = firm_headers(client)
    created = [create_user(client, owner) for _ in range(2)]
    first = client.get("/v1/users", params={"limit": 2}, headers=owner)
    assert first.status_code == 200, first.text
    page = first.json()
    assert set(page) == {"items", "next_cursor"}
    assert len(page["items"]) == 2
    assert page["next_cursor"]
    second = client.get(
        "/v1/users", params={"limit": 2, "cursor": page["next_cursor"]}, headers=owner
    ).json()
    assert len(second["items"]) == 1
    assert second["next_cursor"] is None
    emails = [u["email"] for u in page["items"] + second["items"]]
    assert emails == [firm["owner_email"]] + [u["email"] for u in created]  # oldest first
    everyone = client.get("/v1/users", headers=owner).json()
    assert len(everyone["items"]) == 3
    assert everyone["next_cursor"] is None


def test_users_list_limit_out_of_range_is_422(client):
    _, owner = firm_headers(client)
    for limit in (0, 101):
        response = client.get("/v1/users", params={"limit": limit}, headers=owner)
        assert "limit" in error_fields(assert_problem(response, 422, "validation_error"))


def test_users_list_shows_only_the_callers_firm_r4(client):
    _, owner = firm_headers(client)
    other_firm, other_owner = firm_headers(client)
    create_user(client, other_owner)
    emails = {u["email"] for u in client.get("/v1/users", headers=owner).json()["items"]}
    assert other_firm["owner_email"] not in emails
    assert len(emails) == 1


def test_duplicate_user_email_is_409_duplicate_email(client):
    _, owner = firm_headers(client)
    existing = create_user(client, owner)
    response = client.post(
        "/v1/users", json=user_payload(email=existing["email"].upper()), headers=owner
    )
    assert_problem(response, 409, "duplicate_email")


async def never_taken(session: Any, email: str) -> bool:
    return False


def test_duplicate_user_email_missed_by_the_precheck_is_still_409_race_backstop(
    client, monkeypatch
):
    # Two requests racing with the same e-mail both pass the pre-check; the unique constraint
    # must then answer 409 duplicate_email, not 500.
    _, owner = firm_headers(client)
    existing = create_user(client, owner)
    monkeypatch.setattr(firms_service, "_email_taken", never_taken)
    response = client.post("/v1/users", json=user_payload(email=existing["email"]), headers=owner)
    assert_problem(response, 409, "duplicate_email")
    assert len(client.get("/v1/users", headers=owner).json()["items"]) == 2


def test_user_email_used_in_another_firm_is_409_duplicate_email(client):
    _, owner = firm_headers(client)
    other_firm = signup(client)
    response = client.post(
        "/v1/users", json=user_payload(email=other_firm["owner_email"]), headers=owner
    )
    assert_problem(response, 409, "duplicate_email")


def test_password_shorter_than_12_is_422_naming_password(client):
    _, owner = firm_headers(client)
    response = client.post("/v1/users", json=user_payload(password="x" * 11), headers=owner)
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"password"}
    ok = client.post("/v1/users", json=user_payload(password="x" * 12), headers=owner)
    assert ok.status_code == 201, ok.text


def test_unknown_field_in_user_body_is_422(client):
    _, owner = firm_headers(client)
    response = client.post(
        "/v1/users", json=user_payload(firm_account_id=str(uuid.uuid4())), headers=owner
    )
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"firm_account_id"}
    assert body["errors"][0]["type"] == "extra_forbidden"


def test_unknown_role_is_422_naming_role(client):
    _, owner = firm_headers(client)
    response = client.post("/v1/users", json=user_payload(role="superuser"), headers=owner)
    assert "role" in error_fields(assert_problem(response, 422, "validation_error"))


# --- changing users ------------------------------------------------------------------------


def test_patch_user_role_changes_it_and_refuses_the_tokens_issued_before(client):
    _, owner = firm_headers(client)
    admin = create_user(client, owner, "admin")
    admin_pair = login_as(client, admin)
    admin_headers = bearer(admin_pair["access_token"])
    assert client.get("/v1/users", headers=admin_headers).status_code == 200
    response = patch_user(client, owner, admin["id"], {"role": "member"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "member"
    assert client.get(f"/v1/users/{admin['id']}", headers=owner).json()["role"] == "member"
    # The tokens issued while admin are refused, access and refresh alike (the test clock does
    # not move: the change happens in the same second as the login).
    assert_unauthorized(client.get("/v1/me", headers=admin_headers))
    assert_unauthorized(client.get("/v1/users", headers=admin_headers))
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": admin_pair["refresh_token"]})
    assert_unauthorized(refreshed, "invalid_refresh_token")
    # A new login carries the member's scopes.
    assert me_of(client, headers_of(client, admin))["scopes"] == sorted(ROLE_SCOPES["member"])


def test_a_patch_that_changes_nothing_keeps_the_users_tokens(client):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    member_headers = headers_of(client, member)
    body = {"role": "member", "active": True}
    assert patch_user(client, owner, member["id"], body).status_code == 200
    assert me_of(client, member_headers)["user"]["id"] == member["id"]


def test_reactivated_user_old_access_token_stays_refused_401(client):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    old = bearer(login_as(client, member)["access_token"])
    company = make_client(client, owner)
    assert patch_user(client, owner, member["id"], {"active": False}).status_code == 200
    assert patch_user(client, owner, member["id"], {"active": True}).status_code == 200
    assert_unauthorized(client.get("/v1/me", headers=old))
    # GET by id reads the caller's status in the same query as the row: refused there too.
    assert_unauthorized(client.get(f"/v1/clients/{company['id']}", headers=old))
    establishment = make_establishment(client, owner, company)
    assert_unauthorized(client.get(f"/v1/establishments/{establishment['id']}", headers=old))
    fresh = headers_of(client, member)
    assert client.get(f"/v1/establishments/{establishment['id']}", headers=fresh).status_code == 200


def test_ending_a_users_sessions_refuses_their_access_and_refresh_tokens(client, session, portal):
    # What a password change calls: every token issued before is refused, at once.
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    pair = login_as(client, member)
    user = session.get(User, uuid.UUID(member["id"]))
    portal.call(
        functools.partial(
            auth_service.end_sessions, session._session, user=user, now=datetime.now(UTC)
        )
    )
    session.commit()
    assert_unauthorized(client.get("/v1/me", headers=bearer(pair["access_token"])))
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_unauthorized(refreshed, "invalid_refresh_token")
    assert me_of(client, headers_of(client, member))["user"]["id"] == member["id"]


# --- R26: changes of users are audited -----------------------------------------------------


def user_trail(client: TestClient, headers: dict[str, str], user_id: str) -> list[Any]:
    response = client.get("/v1/events", params={"resource_id": user_id}, headers=headers)
    assert response.status_code == 200, response.text
    return [
        (e["action"], e["resource_type"], e["status_before"], e["status_after"], e["actor_id"])
        for e in response.json()["items"]
    ]


def test_r26_deactivating_reactivating_and_changing_a_role_each_write_one_event(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    member = create_user(client, owner)
    for body in ({"active": False}, {"active": True}, {"role": "admin"}):
        assert patch_user(client, owner, member["id"], body).status_code == 200
    assert user_trail(client, owner, member["id"]) == [
        ("user.deactivated", "user", "active", "inactive", owner_id),
        ("user.reactivated", "user", "inactive", "active", owner_id),
        ("user.role_changed", "user", "member", "admin", owner_id),
    ]


def test_r26_a_user_patch_that_changes_nothing_or_fails_writes_no_event(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    member = create_user(client, owner)
    assert patch_user(client, owner, member["id"], {"role": "member"}).status_code == 200
    assert_problem(patch_user(client, owner, owner_id, {"active": False}), 409, "last_owner")
    assert user_trail(client, owner, member["id"]) == []
    assert user_trail(client, owner, owner_id) == []


def test_unknown_field_in_user_patch_is_422(client):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    response = patch_user(client, owner, member["id"], {"email": "x@cabinet-exemple.fr"})
    assert error_fields(assert_problem(response, 422, "validation_error")) == {"email"}


def test_deactivated_user_tokens_stop_working_at_once_and_login_fails(client):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    pair = login_as(client, member)
    assert client.get("/v1/me", headers=bearer(pair["access_token"])).status_code == 200

    response = patch_user(client, owner, member["id"], {"active": False})
    assert response.status_code == 200, response.text
    assert response.json()["active"] is False

    assert_unauthorized(client.get("/v1/me", headers=bearer(pair["access_token"])))
    assert_unauthorized(client.get("/v1/clients", headers=bearer(pair["access_token"])))
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_unauthorized(refreshed, "invalid_refresh_token")
    login = client.post("/v1/auth/token", data={"username": member["email"], "password": PASSWORD})
    assert_unauthorized(login, "invalid_credentials")


def test_reactivated_user_logs_in_again_but_old_refresh_tokens_stay_revoked(client):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    pair = login_as(client, member)
    assert patch_user(client, owner, member["id"], {"active": False}).status_code == 200
    response = patch_user(client, owner, member["id"], {"active": True})
    assert response.status_code == 200, response.text
    assert response.json()["active"] is True
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_unauthorized(refreshed, "invalid_refresh_token")
    fresh = login_as(client, member)
    assert client.get("/v1/me", headers=bearer(fresh["access_token"])).status_code == 200


def test_refresh_is_refused_for_an_inactive_user_even_if_the_token_was_not_revoked(client, session):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    pair = login_as(client, member)
    # Deactivated behind the API's back: the refresh must still check the user.
    user = session.get(User, uuid.UUID(member["id"]))
    user.active = False
    session.add(user)
    session.commit()
    refreshed = client.post("/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert_unauthorized(refreshed, "invalid_refresh_token")


def test_deactivated_user_login_answers_like_a_wrong_password(client):
    _, owner = firm_headers(client)
    member = create_user(client, owner)
    patch_user(client, owner, member["id"], {"active": False})
    deactivated = client.post(
        "/v1/auth/token", data={"username": member["email"], "password": PASSWORD}
    )
    wrong = client.post(
        "/v1/auth/token", data={"username": member["email"], "password": "not the password"}
    )
    assert_unauthorized(deactivated, "invalid_credentials")
    assert deactivated.json() == wrong.json()


def test_last_active_owner_cannot_be_demoted_409_last_owner(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    for role in ("admin", "member"):
        assert_problem(patch_user(client, owner, owner_id, {"role": role}), 409, "last_owner")
    assert client.get(f"/v1/users/{owner_id}", headers=owner).json()["role"] == "owner"


def test_last_active_owner_cannot_be_deactivated_409_last_owner(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    assert_problem(patch_user(client, owner, owner_id, {"active": False}), 409, "last_owner")
    assert client.get("/v1/me", headers=owner).status_code == 200


def test_with_two_active_owners_one_can_be_demoted_then_the_other_is_the_last(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    second = create_user(client, owner, "owner")
    response = patch_user(client, owner, second["id"], {"role": "admin"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"
    assert_problem(patch_user(client, owner, owner_id, {"role": "admin"}), 409, "last_owner")


def test_with_two_active_owners_one_can_demote_itself(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    create_user(client, owner, "owner")
    response = patch_user(client, owner, owner_id, {"role": "member"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "member"


def test_a_deactivated_owner_does_not_count_as_an_active_owner(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    second = create_user(client, owner, "owner")
    assert patch_user(client, owner, second["id"], {"active": False}).status_code == 200
    assert_problem(patch_user(client, owner, owner_id, {"role": "admin"}), 409, "last_owner")
    assert_problem(patch_user(client, owner, owner_id, {"active": False}), 409, "last_owner")


def test_admin_cannot_create_an_owner_403(client):
    _, owner = firm_headers(client)
    admin = headers_of(client, create_user(client, owner, "admin"))
    response = client.post("/v1/users", json=user_payload("owner"), headers=admin)
    assert_problem(response, 403, "forbidden")
    assert len(client.get("/v1/users", headers=owner).json()["items"]) == 2


def test_admin_can_create_admins_and_members(client):
    _, owner = firm_headers(client)
    admin = headers_of(client, create_user(client, owner, "admin"))
    for role in ("admin", "member"):
        response = client.post("/v1/users", json=user_payload(role), headers=admin)
        assert response.status_code == 201, response.text


def test_admin_cannot_change_an_owner_403(client):
    _, owner = firm_headers(client)
    owner_id = me_of(client, owner)["user"]["id"]
    create_user(client, owner, "owner")  # so last_owner cannot be the reason of a refusal
    admin = headers_of(client, create_user(client, owner, "admin"))
    for body in ({"role": "member"}, {"active": False}):
        assert_problem(patch_user(client, admin, owner_id, body), 403, "forbidden")
    current = client.get(f"/v1/users/{owner_id}", headers=owner).json()
    assert (current["role"], current["active"]) == ("owner", True)


def test_admin_cannot_promote_anyone_to_owner_403(client):
    _, owner = firm_headers(client)
    admin_user = create_user(client, owner, "admin")
    admin = headers_of(client, admin_user)
    member = create_user(client, owner)
    assert_problem(patch_user(client, admin, member["id"], {"role": "owner"}), 403, "forbidden")
    assert_problem(patch_user(client, admin, admin_user["id"], {"role": "owner"}), 403, "forbidden")


def test_admin_can_change_a_member(client):
    _, owner = firm_headers(client)
    admin = headers_of(client, create_user(client, owner, "admin"))
    member = create_user(client, owner)
    response = patch_user(client, admin, member["id"], {"role": "admin"})
    assert response.status_code == 200, response.text
    assert response.json()["role"] == "admin"


def test_member_has_no_users_scope_403(client):
    _, owner = firm_headers(client)
    member_user = create_user(client, owner)
    member = headers_of(client, member_user)
    assert_problem(client.get("/v1/users", headers=member), 403, "forbidden")
    assert_problem(client.get(f"/v1/users/{member_user['id']}", headers=member), 403, "forbidden")
    assert_problem(client.post("/v1/users", json=user_payload(), headers=member), 403, "forbidden")
    response = patch_user(client, member, member_user["id"], {"role": "admin"})
    assert_problem(response, 403, "forbidden")


def test_another_firms_user_is_404_on_get_and_patch_like_a_missing_one_r4(client):
    _, owner = firm_headers(client)
    _, other_owner = firm_headers(client)
    foreign = create_user(client, other_owner)
    missing_id = uuid.uuid4()

    got = client.get(f"/v1/users/{foreign['id']}", headers=owner)
    body = assert_problem(got, 404, "not_found")
    assert body == client.get(f"/v1/users/{missing_id}", headers=owner).json()

    patched = patch_user(client, owner, foreign["id"], {"active": False})
    body = assert_problem(patched, 404, "not_found")
    assert body == patch_user(client, owner, str(missing_id), {"active": False}).json()
    # And nothing changed in the other firm.
    still = client.get(f"/v1/users/{foreign['id']}", headers=other_owner).json()
    assert still["active"] is True
    assert (
        client.post(
            "/v1/auth/token", data={"username": foreign["email"], "password": PASSWORD}
        ).status_code
        == 200
    )


# --- me and firm ---------------------------------------------------------------------------


def test_me_returns_user_firm_and_token_scopes(client):
    firm, owner = firm_headers(client)
    body = me_of(client, owner)
    assert set(body) == {"user", "firm", "scopes"}
    assert body["user"]["email"] == firm["owner_email"]
    assert body["user"]["role"] == "owner"
    assert set(body["user"]) == USER_FIELDS
    assert body["firm"]["id"] == firm["id"]
    assert body["firm"]["email"] == firm["email"]
    assert body["scopes"] == sorted(ROLE_SCOPES["owner"])


def test_me_lists_only_the_scopes_of_a_narrowed_token(client):
    firm = signup(client)
    pair = token(client, firm["owner_email"], scope="firm:read clients:read")
    assert me_of(client, bearer(pair["access_token"]))["scopes"] == ["clients:read", "firm:read"]


def test_firm_shows_active_establishments_and_the_limit_r3(client):
    firm, owner = firm_headers(client)
    response = client.get("/v1/firm", headers=owner)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"] == firm["id"]
    assert body["establishments_active"] == 0
    assert body["establishments_limit"] == ESTABLISHMENT_LIMIT == 200
    make_establishment(client, owner, make_client(client, owner))
    assert client.get("/v1/firm", headers=owner).json()["establishments_active"] == 1


def test_owner_can_rename_the_firm(client):
    firm, owner = firm_headers(client)
    response = client.patch("/v1/firm", json={"name": "Cabinet Renommé"}, headers=owner)
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Cabinet Renommé"
    assert response.json()["email"] == firm["email"]
    assert client.get("/v1/firm", headers=owner).json()["name"] == "Cabinet Renommé"


def test_owner_can_change_the_firm_email(client):
    _, owner = firm_headers(client)
    response = client.patch("/v1/firm", json={"email": "New.Apart@Cabinet.fr"}, headers=owner)
    assert response.status_code == 200, response.text
    assert response.json()["email"] == "new.apart@cabinet.fr"


def test_admin_cannot_update_the_firm_403(client):
    firm, owner = firm_headers(client)
    admin = headers_of(client, create_user(client, owner, "admin"))
    assert client.get("/v1/firm", headers=admin).status_code == 200
    response = client.patch("/v1/firm", json={"name": "Coup d'État"}, headers=admin)
    assert_problem(response, 403, "forbidden")
    assert client.get("/v1/firm", headers=owner).json()["name"] == firm["name"]


def test_member_reads_the_firm_but_cannot_update_it_403(client):
    _, owner = firm_headers(client)
    member = headers_of(client, create_user(client, owner))
    assert client.get("/v1/firm", headers=member).status_code == 200
    assert_problem(client.patch("/v1/firm", json={"name": "X"}, headers=member), 403, "forbidden")


def test_firm_email_used_by_another_firm_is_409_duplicate_email(client):
    firm, owner = firm_headers(client)
    other = signup(client)
    response = client.patch("/v1/firm", json={"email": other["email"].upper()}, headers=owner)
    assert_problem(response, 409, "duplicate_email")
    assert client.get("/v1/firm", headers=owner).json()["email"] == firm["email"]


def test_unknown_field_in_firm_patch_is_422(client):
    _, owner = firm_headers(client)
    response = client.patch("/v1/firm", json={"establishments_active": 0}, headers=owner)
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"establishments_active"}


# --- sign-up -------------------------------------------------------------------------------


def test_signup_creates_the_firm_and_its_owner(client):
    payload = firm_payload(siret="732 829 320 00074")
    response = client.post("/v1/firms", json=payload)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["siret"] == "73282932000074"
    assert body["establishments_active"] == 0
    assert body["establishments_limit"] == ESTABLISHMENT_LIMIT
    owner = bearer(token(client, payload["owner"]["email"])["access_token"])
    assert me_of(client, owner)["user"]["role"] == "owner"


@pytest.mark.parametrize("siret", ["73282932000075", "7328293200007", "00000000000000"])
def test_signup_with_invalid_siret_is_422_naming_siret_r1(client, siret):
    response = client.post("/v1/firms", json=firm_payload(siret=siret))
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"siret"}


def test_signup_with_duplicate_firm_email_is_409_duplicate_email(client):
    existing = signup(client)
    response = client.post("/v1/firms", json=firm_payload(email=existing["email"].upper()))
    assert_problem(response, 409, "duplicate_email")


def test_signup_with_duplicate_owner_email_is_409_duplicate_email(client):
    existing = signup(client)
    payload = firm_payload()
    payload["owner"]["email"] = existing["owner_email"]
    assert_problem(client.post("/v1/firms", json=payload), 409, "duplicate_email")
    # Nothing of the refused firm was kept: its e-mail is still free.
    assert client.post("/v1/firms", json=firm_payload(email=payload["email"])).status_code == 201


def test_signup_with_duplicate_owner_email_missed_by_the_precheck_is_still_409(client, monkeypatch):
    existing = signup(client)
    monkeypatch.setattr(firms_service, "_email_taken", never_taken)
    payload = firm_payload()
    payload["owner"]["email"] = existing["owner_email"]
    assert_problem(client.post("/v1/firms", json=payload), 409, "duplicate_email")


def test_signup_with_short_owner_password_is_422_naming_it(client):
    payload = firm_payload()
    payload["owner"]["password"] = "short"
    body = assert_problem(client.post("/v1/firms", json=payload), 422, "validation_error")
    assert error_fields(body) == {"owner.password"}


@pytest.fixture
def signup_disabled_client(settings, clock, connection, portal) -> Iterator[TestClient]:
    closed = settings.model_copy(update={"signup_enabled": False})
    app = create_app(closed, clock=clock, session_factory=RolledBackSessions(connection))
    with portal_client(app, portal) as c:
        yield c


def test_signup_disabled_is_403_signup_disabled(signup_disabled_client):
    payload = firm_payload()
    response = signup_disabled_client.post("/v1/firms", json=payload)
    assert_problem(response, 403, "signup_disabled")
    login = signup_disabled_client.post(
        "/v1/auth/token", data={"username": payload["owner"]["email"], "password": PASSWORD}
    )
    assert_unauthorized(login, "invalid_credentials")
