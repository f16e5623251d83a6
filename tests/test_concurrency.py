"""Invariants under real concurrency: many simultaneous HTTP requests to a running server with
several worker processes, against the database the suite runs on (SQLite or PostgreSQL)."""

import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from app.config import Settings
from app.db import make_engine
from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.builders import PASSWORD, establishment_payload, firm_payload, new_siren
from tests.conftest import ROOT, TEST_SECRET, ScratchDatabase, migrate

pytestmark = pytest.mark.server
WORKERS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("server")
    db = ScratchDatabase(tmp, "concurrency")
    engine = make_engine(Settings(database_url=db.url, jwt_secret=TEST_SECRET, data_dir=tmp))
    migrate(engine)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": db.url,
        "JWT_SECRET": TEST_SECRET,
        "DATA_DIR": str(tmp),
        "ENVIRONMENT": "production",
    }
    log = (tmp / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--port",
            str(port),
            "--workers",
            str(WORKERS),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None, (tmp / "server.log").read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.2)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()
        db.drop()


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
