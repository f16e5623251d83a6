"""R14 under real concurrency: simultaneous HTTP requests to a running server with several
worker processes, on the database the suite runs on (SQLite or PostgreSQL)."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.support.lifecycle import (
    accepted_request,
    create_request,
    ready_establishment,
    request_payload,
)
from tests.support.live_server import live_server
from tests.support.problems import assert_problem

pytestmark = pytest.mark.server

FILED_AT = "2020-06-15T10:00:00+02:00"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("r14_server"), "r14_concurrency") as base:
        yield base


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def simultaneously_as(
    base: str, headers: list[dict[str, str]], calls: list[tuple[str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    """Send every (method, path, body) at the same moment, each from its own connection with
    its own headers."""
    barrier = threading.Barrier(len(calls))

    def send(call: tuple[dict[str, str], tuple[str, str, dict[str, Any]]]) -> httpx.Response:
        own_headers, (method, path, body) = call
        with httpx.Client(base_url=base, headers=own_headers, timeout=60) as c:
            c.get("/healthz")  # connected beforehand, so that the requests leave together
            barrier.wait()
            return c.request(method, path, json=body)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, zip(headers, calls, strict=True)))


def simultaneously(
    base: str, headers: dict[str, str], calls: list[tuple[str, str, dict[str, Any]]]
) -> list[httpx.Response]:
    return simultaneously_as(base, [headers] * len(calls), calls)


def live_requests(http: httpx.Client, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    listed = http.get(
        "/v1/authorization-requests",
        headers=ctx["headers"],
        params={"establishment_id": ctx["establishment"]["id"], "limit": 100},
    ).json()["items"]
    return [r for r in listed if r["status"] not in ("refused", "invalidated")]


def test_r14_ten_racing_creations_of_overlapping_drafts_leave_exactly_one_live(server, http):
    # Four establishments, ten creations each, all sent at once: a race that lets a second
    # overlapping draft in shows on one of them at least.
    contexts = [ready_establishment(http) for _ in range(4)]
    calls = []
    for ctx in contexts:
        path = f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests"
        # ten different periods, every one of which overlaps every other
        calls += [
            ("POST", path, request_payload(start_on=f"2020-03-{16 + n:02d}", end_on="2020-06-30"))
            for n in range(10)
        ]

    responses = simultaneously_as(
        server, [c["headers"] for c in contexts for _ in range(10)], calls
    )

    for n, ctx in enumerate(contexts):
        mine = responses[10 * n : 10 * n + 10]
        statuses = Counter(r.status_code for r in mine)
        assert statuses == {201: 1, 409: 9}, [r.text for r in mine]
        for r in mine:
            if r.status_code == 409:
                assert_problem(r, 409, "overlapping_request")
        created = next(r.json() for r in mine if r.status_code == 201)
        assert [r["id"] for r in live_requests(http, ctx)] == [created["id"]]


def test_r14_ten_racing_edits_onto_one_period_let_exactly_one_through(server, http):
    ctx = ready_establishment(http)
    drafts = [create_request(http, ctx, start_on=None, end_on=None) for _ in range(10)]
    period = {"start_on": "2020-04-01", "end_on": "2020-05-31"}
    calls = [("PATCH", f"/v1/authorization-requests/{d['id']}", period) for d in drafts]

    responses = simultaneously(server, ctx["headers"], calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 9}, [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert_problem(r, 409, "overlapping_request")
    with_period = [r for r in live_requests(http, ctx) if r["start_on"] is not None]
    assert len(with_period) == 1
    assert (with_period[0]["start_on"], with_period[0]["end_on"]) == ("2020-04-01", "2020-05-31")


def test_r14_racing_extension_filings_and_creations_over_them_let_one_through_each(server, http):
    # On four establishments at once: an amendment extending the accepted request to
    # 2020-08-31 is filed while three requests starting on that day are created.
    contexts = [ready_establishment(http) for _ in range(4)]
    calls, headers = [], []
    for ctx in contexts:
        request = accepted_request(http, ctx)  # 2020-03-16 – 2020-06-30
        amendment = http.post(
            f"/v1/authorization-requests/{request['id']}/amendments",
            headers=ctx["headers"],
            json={"end_on": "2020-08-31"},
        ).json()
        path = f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests"
        over_it = request_payload(start_on="2020-08-31", end_on="2020-09-30", forecast_hours="500")
        calls += [("POST", f"/v1/amendments/{amendment['id']}/file", {"filed_at": FILED_AT})]
        calls += [("POST", path, over_it)] * 3
        headers += [ctx["headers"]] * 4

    responses = simultaneously_as(server, headers, calls)

    for n in range(4):
        mine = responses[4 * n : 4 * n + 4]
        statuses = Counter(r.status_code for r in mine)
        assert statuses[409] == 3 and statuses[200] + statuses[201] == 1, [r.text for r in mine]
        for r in mine:
            if r.status_code == 409:
                assert_problem(r, 409, "overlapping_request")


def test_ten_racing_edits_with_the_same_if_match_let_exactly_one_through(server, http):
    ctx = ready_establishment(http)
    draft = create_request(http, ctx)
    path = f"/v1/authorization-requests/{draft['id']}"
    etag = http.get(path, headers=ctx["headers"]).headers["etag"]
    calls = [("PATCH", path, {"employees_concerned": n}) for n in range(1, 11)]

    responses = simultaneously(server, {**ctx["headers"], "If-Match": etag}, calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 9}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 412} == {"precondition_failed"}
    winner = next(r for r in responses if r.status_code == 200)
    current = http.get(path, headers=ctx["headers"])
    assert current.json()["employees_concerned"] == winner.json()["employees_concerned"]
    assert current.headers["etag"] == winner.headers["etag"] != etag
