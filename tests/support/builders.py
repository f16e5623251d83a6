"""Typed builders for test data; each takes **overrides for the fields a test cares about."""

import itertools
from typing import Any

from fastapi.testclient import TestClient

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def luhn_complete(prefix: str) -> str:
    """Append the digit that makes `prefix` pass the Luhn check."""
    for d in "0123456789":
        digits = [int(c) for c in prefix + d][::-1]
        total = sum(
            x if i % 2 == 0 else (x * 2 - 9 if x * 2 > 9 else x * 2) for i, x in enumerate(digits)
        )
        if total % 10 == 0:
            return prefix + d
    raise AssertionError("unreachable")


def new_siren() -> str:
    return luhn_complete(f"{40000000 + next(_seq) * 7919 % 50000000:08d}")


def siret_for(siren: str, n: int = 1) -> str:
    return luhn_complete(f"{siren}{n:04d}")


def firm_payload(**overrides: Any) -> dict[str, Any]:
    n = next(_seq)
    payload: dict[str, Any] = {
        "name": f"Cabinet {n}",
        "siret": "73282932000074",
        "email": f"apart{n}@cabinet-exemple.fr",
        "owner": {
            "email": f"owner{n}@cabinet-exemple.fr",
            "full_name": f"Owner {n}",
            "password": PASSWORD,
        },
    }
    payload.update(overrides)
    return payload


def signup(client: TestClient, **overrides: Any) -> dict[str, Any]:
    payload = firm_payload(**overrides)
    response = client.post("/v1/firms", json=payload)
    assert response.status_code == 201, response.text
    return {**response.json(), "owner_email": payload["owner"]["email"]}


def token(
    client: TestClient, email: str, password: str = PASSWORD, scope: str = ""
) -> dict[str, Any]:
    data = {"username": email, "password": password}
    if scope:
        data["scope"] = scope
    response = client.post("/v1/auth/token", data=data)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def firm_headers(client: TestClient, **overrides: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """A new firm and its owner's authorization headers."""
    firm = signup(client, **overrides)
    return firm, bearer(token(client, firm["owner_email"])["access_token"])


def make_client(client: TestClient, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    payload = {"siren": new_siren(), "legal_name": "Boulangerie Martin", "headcount": 12}
    payload.update(overrides)
    response = client.post("/v1/clients", json=payload, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def establishment_payload(
    client_json: dict[str, Any], n: int = 1, **overrides: Any
) -> dict[str, Any]:
    payload = {
        "client_id": client_json["id"],
        "siret": siret_for(client_json["siren"], n),
        "name": f"Établissement {n}",
        "address": "12 rue de la Paix",
        "postal_code": "75002",
        "city": "Paris",
    }
    payload.update(overrides)
    return payload


def make_establishment(
    client: TestClient,
    headers: dict[str, str],
    client_json: dict[str, Any],
    n: int = 1,
    **overrides: Any,
) -> dict[str, Any]:
    response = client.post(
        "/v1/establishments",
        json=establishment_payload(client_json, n, **overrides),
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()
