"""Invariants under real concurrency: many simultaneous HTTP requests to a running server with
several worker processes, against the database the suite runs on (SQLite or PostgreSQL)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.support.builders import PASSWORD, establishment_payload, firm_payload, new_siren
from tests.support.live_server import live_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("server"), "concurrency") as base:
        yield base


def new_firm(base: str) -> tuple[httpx.Client, dict]:
    http = httpx.Client(base_url=base, timeout=60)
    payload = firm_payload()
    assert http.post("/v1/firms", json=payload).status_code == 201
    tokens = http.post(
        "/v1/auth/token", data={"username": payload["owner"]["email"], "password": PASSWORD}
    ).json()
    http.headers["Authorization"] = f"Bearer {tokens['access_token']}"
    company = http.post(
        "/v1/clients", json={"siren": new_siren(), "legal_name": "Client", "headcount": 10}
    ).json()
    return http, company


def simultaneously(base: str, headers: dict, payloads: list[dict]) -> list[httpx.Response]:
    barrier = threading.Barrier(len(payloads))

    def send(payload: dict) -> httpx.Response:
        with httpx.Client(base_url=base, headers=headers, timeout=60) as http:
            barrier.wait()
            return http.post("/v1/establishments", json=payload)

    with ThreadPoolExecutor(len(payloads)) as pool:
        return list(pool.map(send, payloads))


def test_40_racing_creations_at_190_active_give_exactly_10_successes(server):
    http, company = new_firm(server)
    for n in range(1, 191):
        assert (
            http.post("/v1/establishments", json=establishment_payload(company, n)).status_code
            == 201
        )

    responses = simultaneously(
        server, dict(http.headers), [establishment_payload(company, n) for n in range(191, 231)]
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 10, 409: 30}, [
        r.text for r in responses if r.status_code not in (201, 409)
    ]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "establishment_limit_reached"
    }
    assert http.get("/v1/firm").json()["establishments_active"] == ESTABLISHMENT_LIMIT
    active, cursor = 0, None
    while True:
        params = {"status": "active", "limit": 100} | ({"cursor": cursor} if cursor else {})
        page = http.get("/v1/establishments", params=params).json()
        active += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert active == ESTABLISHMENT_LIMIT


def test_racing_creations_of_one_siret_create_it_once(server):
    http, company = new_firm(server)
    responses = simultaneously(server, dict(http.headers), [establishment_payload(company, 1)] * 12)
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 11}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"duplicate_siret"}
    assert http.get("/v1/firm").json()["establishments_active"] == 1
