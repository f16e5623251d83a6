"""Retries racing with one `Idempotency-Key` on a real server (several worker processes, the
suite's database): one request runs, the others get the in-flight answer or its replay, and
nothing is created twice."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.support.builders import bearer, new_siren, signup, token
from tests.support.live_server import live_server
from tests.support.problems import assert_problem

pytestmark = pytest.mark.server

RACERS = 8


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("idempotency"), "idempotency") as base:
        yield base


def at_once(base: str, headers: dict[str, str], body: dict[str, object]) -> list[httpx.Response]:
    barrier = threading.Barrier(RACERS)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=60) as http:
            http.get("/healthz")  # connected beforehand, so that the requests leave together
            barrier.wait()
            return http.post("/v1/clients", json=body, headers=headers)

    with ThreadPoolExecutor(RACERS) as pool:
        return list(pool.map(send, range(RACERS)))


def test_racing_retries_with_one_key_create_one_client(server):
    with httpx.Client(base_url=server, timeout=60) as http:
        headers = bearer(token(http, signup(http)["owner_email"])["access_token"])
    body = {"siren": new_siren(), "legal_name": "Boulangerie Martin", "headcount": 12}

    for attempt in range(3):  # each round a key of its own and a client of its own
        keyed = {**headers, "Idempotency-Key": f"race-{attempt}"}
        payload = {**body, "siren": new_siren()}
        responses = at_once(server, keyed, payload)

        statuses = Counter(r.status_code for r in responses)
        assert set(statuses) <= {201, 409}, [r.text for r in responses]
        created = [r for r in responses if r.status_code == 201]
        originals = [r for r in created if "idempotent-replayed" not in r.headers]
        assert len(originals) == 1, statuses
        assert {r.content for r in created} == {originals[0].content}
        for r in responses:
            if r.status_code == 409:
                assert_problem(r, 409, "idempotency_key_in_flight")
                assert r.headers["retry-after"] == "1"
        # once the first is done, a retry is its replay
        with httpx.Client(base_url=server, timeout=60) as http:
            later = http.post("/v1/clients", json=payload, headers=keyed)
        assert later.status_code == 201
        assert later.headers["idempotent-replayed"] == "true"
        assert later.content == originals[0].content

    with httpx.Client(base_url=server, timeout=60) as http:
        clients = http.get("/v1/clients", headers=headers).json()["items"]
    assert len(clients) == 3
