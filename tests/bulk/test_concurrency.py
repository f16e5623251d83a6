"""R3 under real concurrency: batches racing each other and single creates for the firm's last
slots, on a running server with several worker processes, on the database the suite runs on
(SQLite or PostgreSQL). Never more than 200 active establishments, never a 5xx, and a batch
without `partial` is written whole or not at all."""

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.support.builders import establishment_payload, firm_headers, make_client
from tests.support.live_server import live_server

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("bulk_server"), "bulk_concurrency") as base:
        yield base


def simultaneously(
    base: str, headers: dict[str, str], calls: list[tuple[str, dict[str, Any], dict[str, str]]]
) -> list[httpx.Response]:
    """POST every (path, body, query) at the same moment, each from its own connection."""
    barrier = threading.Barrier(len(calls))

    def send(call: tuple[str, dict[str, Any], dict[str, str]]) -> httpx.Response:
        path, body, params = call
        with httpx.Client(base_url=base, headers=headers, timeout=120) as c:
            barrier.wait()
            return c.post(path, json=body, params=params)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def active(http: httpx.Client, headers: dict[str, str]) -> tuple[int, int]:
    """The firm's counter of active establishments, and the active ones listed."""
    counter = http.get("/v1/firm", headers=headers).json()["establishments_active"]
    listed, cursor = 0, None
    while True:
        params = {"limit": 100, "status": "active", **({"cursor": cursor} if cursor else {})}
        page = http.get("/v1/establishments", headers=headers, params=params).json()
        listed += len(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return counter, listed


def firm_at(http: httpx.Client, used: int) -> tuple[dict[str, str], dict[str, Any]]:
    _, headers = firm_headers(http)
    company = make_client(http, headers)
    items = [establishment_payload(company, n) for n in range(1, used + 1)]
    filled = http.post("/v1/establishments/batch", headers=headers, json={"items": items})
    assert filled.status_code == 200, filled.text
    return headers, company


@pytest.mark.parametrize("partial", [False, True])
def test_batches_and_single_creates_racing_for_the_last_slots_never_pass_200(server, partial):
    with httpx.Client(base_url=server, timeout=120) as http:
        free = 6
        headers, company = firm_at(http, ESTABLISHMENT_LIMIT - free)
        n = ESTABLISHMENT_LIMIT - free
        # Four batches of four, the last two sharing two SIRETs (the same rows wanted by two
        # writers), and four single creates: 20 establishments asked for, 6 slots.
        batches = [
            [establishment_payload(company, n + k) for k in range(1, 5)],
            [establishment_payload(company, n + k) for k in range(5, 9)],
            [establishment_payload(company, n + k) for k in range(9, 13)],
            [establishment_payload(company, n + k) for k in range(11, 15)],
        ]
        singles = [establishment_payload(company, n + k) for k in range(15, 19)]
        params = {"partial": "true"} if partial else {}
        calls = [("/v1/establishments/batch", {"items": b}, params) for b in batches]
        calls += [("/v1/establishments", s, {}) for s in singles]
        answers = simultaneously(server, headers, calls)
        assert [a.status_code for a in answers if a.status_code >= 500] == [], [
            a.text for a in answers if a.status_code >= 500
        ]
        created = 0
        for answer in answers[: len(batches)]:
            if answer.status_code == 422:
                assert answer.json()["code"] == "batch_rejected", answer.text
                assert not partial
                continue
            assert answer.status_code == 200, answer.text
            outcomes = answer.json()["items"]
            if not partial:
                assert {o["status"] for o in outcomes} == {201}
            codes = {o["problem"]["code"] for o in outcomes if o["problem"]}
            assert codes <= {"establishment_limit_reached", "duplicate_siret"}, codes
            created += answer.json()["created"]
        for answer in answers[len(batches) :]:
            assert answer.status_code in (201, 409), answer.text
            if answer.status_code == 409:
                assert answer.json()["code"] in ("establishment_limit_reached", "duplicate_siret")
            created += answer.status_code == 201
        assert active(http, headers) == (ESTABLISHMENT_LIMIT - free + created,) * 2
        assert created <= free
        if partial:
            assert created == free  # every slot taken by someone
