"""Claims under real concurrency: simultaneous HTTP requests to a running server with several
worker processes, on the database the suite runs on (SQLite or PostgreSQL). R19, R22."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.support.lifecycle import (
    OVERTIME,
    accepted_request,
    create_request,
    file_request,
    line,
    ready_establishment,
)
from tests.support.live_server import live_server
from tests.support.problems import PROBLEM_JSON

pytestmark = pytest.mark.server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with live_server(tmp_path_factory.mktemp("claims_server"), "claims_concurrency") as base:
        yield base


@pytest.fixture
def http(server):
    with httpx.Client(base_url=server, timeout=60) as c:
        yield c


def simultaneously(
    base: str, headers: dict[str, str], calls: list[tuple[str, dict[str, Any]]]
) -> list[httpx.Response]:
    """POST every (path, body) at the same moment, each from its own connection."""
    barrier = threading.Barrier(len(calls))

    def send(call: tuple[str, dict[str, Any]]) -> httpx.Response:
        path, body = call
        with httpx.Client(base_url=base, headers=headers, timeout=60) as c:
            barrier.wait()
            return c.post(path, json=body)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(send, calls))


def test_r19_ten_racing_claims_for_one_month_create_exactly_one(server, http):
    ctx = ready_establishment(http)
    request = accepted_request(http, ctx)
    path = f"/v1/authorization-requests/{request['id']}/claims"
    body = {"month": "2020-04", "payroll_paid_on": "2020-04-30", "lines": [line("E1")]}

    responses = simultaneously(server, ctx["headers"], [(path, body)] * 10)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 1, 409: 9}, [r.text for r in responses]
    for r in responses:
        if r.status_code == 409:
            assert r.headers["content-type"].startswith(PROBLEM_JSON)
            assert r.json()["code"] == "duplicate_claim_month", r.text
    created = next(r.json() for r in responses if r.status_code == 201)
    listed = http.get(path, headers=ctx["headers"]).json()["items"]
    assert [(c["id"], c["month"], c["version"]) for c in listed] == [(created["id"], "2020-04", 1)]


def test_r22_racing_filings_never_exceed_the_authorized_hours(server, http):
    ctx = ready_establishment(http)
    draft = create_request(http, ctx, end_on="2021-03-15", forecast_hours="5000")
    assert file_request(http, ctx, draft["id"]).status_code == 200
    decided = http.post(
        f"/v1/authorization-requests/{draft['id']}/decision",
        headers=ctx["headers"],
        json={
            "outcome": "accepted",
            "decided_on": "2020-03-25",
            "decision_number": "DEC-1",
            "authorized_hours": "1000",
            "authorized_employees": 4,
        },
    )
    assert decided.status_code == 200, decided.text
    claims = []
    for month in range(3, 13):
        response = http.post(
            f"/v1/authorization-requests/{draft['id']}/claims",
            headers=ctx["headers"],
            json={
                "month": f"2020-{month:02d}",
                "payroll_paid_on": f"2020-{month:02d}-28",
                "lines": [line("E1", hours_not_worked="100"), line("E2", hours_not_worked="100")],
            },
        )
        assert response.status_code == 201, response.text
        claims.append(response.json()["id"])

    responses = simultaneously(
        server,
        ctx["headers"],
        [(f"/v1/claims/{claim_id}/file", {"filed_on": "2021-01-15"}) for claim_id in claims],
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 5, 409: 5}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "hours_exceed_authorized"
    }
    listed = http.get(
        f"/v1/authorization-requests/{draft['id']}/claims",
        headers=ctx["headers"],
        params={"limit": 100},
    ).json()["items"]
    filed = [c for c in listed if c["status"] == "filed"]
    assert len(filed) == 5
    assert sum(Decimal(c["total_hours"]) for c in filed) == Decimal("1000")


def accept(http: httpx.Client, ctx: dict[str, Any], request_id: str, hours: str) -> None:
    response = http.post(
        f"/v1/authorization-requests/{request_id}/decision",
        headers=ctx["headers"],
        json={
            "outcome": "accepted",
            "decided_on": "2020-07-02",
            "decision_number": "DEC-Q",
            "authorized_hours": hours,
            "authorized_employees": 4,
        },
    )
    assert response.status_code == 200, response.text


def test_r22_racing_filings_across_requests_never_exceed_an_employees_annual_quota(server, http):
    # Two requests of one client; seven claims of 400 h for E1 in 2020, whose quota is 1,607 h:
    # filed all at once, exactly four may go through (1,600 h), whichever they are.
    ctx = ready_establishment(http)
    spring = create_request(http, ctx, forecast_hours="2000")
    summer = create_request(
        http, ctx, start_on="2020-07-01", end_on="2020-12-31", forecast_hours="2000"
    )
    assert file_request(http, ctx, spring["id"]).status_code == 200
    assert file_request(http, ctx, summer["id"], "2020-07-01T10:00:00+02:00").status_code == 200
    accept(http, ctx, spring["id"], "2000")
    accept(http, ctx, summer["id"], "2000")
    months = [(spring, m) for m in ("03", "04", "05")] + [
        (summer, m) for m in ("07", "08", "09", "10")
    ]
    claims = []
    for request, month in months:
        response = http.post(
            f"/v1/authorization-requests/{request['id']}/claims",
            headers=ctx["headers"],
            json={
                "month": f"2020-{month}",
                "payroll_paid_on": f"2020-{month}-28",
                "lines": [line("E1", contract_hours="400", hours_not_worked="400", **OVERTIME)],
            },
        )
        assert response.status_code == 201, response.text
        claims.append(response.json()["id"])

    responses = simultaneously(
        server,
        ctx["headers"],
        [(f"/v1/claims/{claim_id}/file", {"filed_on": "2020-11-05"}) for claim_id in claims],
    )

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 4, 409: 3}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "annual_quota_exceeded"
    }


def test_r17_racing_decisions_on_one_request_record_exactly_one(server, http):
    ctx = ready_establishment(http)
    draft = create_request(http, ctx)
    assert file_request(http, ctx, draft["id"]).status_code == 200
    path = f"/v1/authorization-requests/{draft['id']}/decision"
    accepted = {
        "outcome": "accepted",
        "decided_on": "2020-03-25",
        "decision_number": "DEC-R",
        "authorized_hours": "1000",
        "authorized_employees": 4,
    }
    refused = {"outcome": "refused", "decided_on": "2020-03-25", "reason": "Motif insuffisant"}

    responses = simultaneously(server, ctx["headers"], [(path, accepted), (path, refused)] * 4)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 7}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {"invalid_transition"}
    winner = next(r.json() for r in responses if r.status_code == 200)
    now = http.get(f"/v1/authorization-requests/{draft['id']}", headers=ctx["headers"]).json()
    assert now["status"] == winner["status"] in ("accepted", "refused")
    events = http.get(
        "/v1/events",
        headers=ctx["headers"],
        params={"resource_id": draft["id"], "limit": 100},
    ).json()["items"]
    decisions = [
        e
        for e in events
        if e["action"] in ("authorization_request.accepted", "authorization_request.refused")
    ]
    assert len(decisions) == 1, events


def test_racing_steps_with_the_same_if_match_let_exactly_one_through(server, http):
    ctx = ready_establishment(http)
    request = accepted_request(http, ctx)
    created = http.post(
        f"/v1/authorization-requests/{request['id']}/claims",
        headers=ctx["headers"],
        json={"month": "2020-04", "payroll_paid_on": "2020-04-30", "lines": [line("E1")]},
    )
    assert created.status_code == 201, created.text
    path = f"/v1/claims/{created.json()['id']}"
    filed = http.post(f"{path}/file", headers=ctx["headers"], json={"filed_on": "2020-05-04"})
    assert filed.status_code == 200, filed.text
    # Half validate, half reject, all from the same version: one decision only.
    calls = [(f"{path}/validate", {"on": "2020-05-10"})] * 4 + [
        (f"{path}/reject", {"on": "2020-05-10", "reason": "Pièces manquantes"})
    ] * 4

    responses = simultaneously(server, {**ctx["headers"], "If-Match": filed.headers["etag"]}, calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 7}, [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert http.get(path, headers=ctx["headers"]).json()["status"] == winner["status"]


def paid_claim(http: httpx.Client, ctx: dict[str, Any], amount: str) -> str:
    """The id of an April claim of an accepted request, paid `amount` on 2020-05-15."""
    request = accepted_request(http, ctx)
    created = http.post(
        f"/v1/authorization-requests/{request['id']}/claims",
        headers=ctx["headers"],
        json={"month": "2020-04", "payroll_paid_on": "2020-04-30", "lines": [line("E1")]},
    )
    assert created.status_code == 201, created.text
    claim_id = created.json()["id"]
    for action, body in (
        ("file", {"filed_on": "2020-05-04"}),
        ("validate", {"on": "2020-05-10"}),
        ("paid", {"paid_on": "2020-05-15", "amount": amount}),
    ):
        response = http.post(f"/v1/claims/{claim_id}/{action}", headers=ctx["headers"], json=body)
        assert response.status_code == 200, response.text
    return claim_id


def notice(amount: str) -> dict[str, str]:
    return {"amount": amount, "reason": "Trop-perçu", "noticed_on": "2020-09-14"}


def test_r42_racing_claw_backs_of_one_claim_never_exceed_the_amount_paid(server, http):
    ctx = ready_establishment(http)
    claim_id = paid_claim(http, ctx, "1000.00")
    path = f"/v1/claims/{claim_id}/claw-backs"

    responses = simultaneously(server, ctx["headers"], [(path, notice("300.00"))] * 10)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {201: 3, 409: 7}, [r.text for r in responses]
    assert {r.json()["code"] for r in responses if r.status_code == 409} == {
        "claw_back_exceeds_paid"
    }
    listed = http.get(path, headers=ctx["headers"]).json()["items"]
    assert sorted(c["id"] for c in listed) == sorted(
        r.json()["id"] for r in responses if r.status_code == 201
    )
    assert sum(Decimal(c["amount"]) for c in listed) == Decimal("900.00")


def test_r42_racing_issues_and_cancellations_leave_the_claims_net_amount_exact(server, http):
    ctx = ready_establishment(http)
    claim_id = paid_claim(http, ctx, "1000.00")
    made = []
    for _ in range(10):
        response = http.post(
            f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"], json=notice("50.00")
        )
        assert response.status_code == 201, response.text
        made.append(response.json()["id"])
    first, second = made[:5], made[5:]
    for claw_back_id in first:
        response = http.post(
            f"/v1/claw-backs/{claw_back_id}/issue",
            headers=ctx["headers"],
            json={"on": "2020-10-01"},
        )
        assert response.status_code == 200, response.text

    # each transaction changes one claw-back, then recomputes the claim's sum under its lock
    responses = simultaneously(
        server,
        ctx["headers"],
        [(f"/v1/claw-backs/{c}/cancel", {"reason": "OR invalidé"}) for c in first]
        + [(f"/v1/claw-backs/{c}/issue", {"on": "2020-10-02"}) for c in second],
    )

    assert Counter(r.status_code for r in responses) == {200: 10}, [r.text for r in responses]
    claim = http.get(f"/v1/claims/{claim_id}", headers=ctx["headers"]).json()
    assert (claim["clawed_back"], claim["net_amount_received"]) == ("250.00", "750.00")
    events = http.get(
        "/v1/events", headers=ctx["headers"], params={"after": "0", "resource_type": "claw_back"}
    ).json()["items"]
    assert Counter(e["action"] for e in events) == {
        "claw_back.created": 10,
        "claw_back.issued": 10,
        "claw_back.cancelled": 5,
    }


def test_r42_racing_steps_on_one_claw_back_with_the_same_if_match_let_exactly_one_through(
    server, http
):
    ctx = ready_establishment(http)
    claim_id = paid_claim(http, ctx, "1000.00")
    created = http.post(
        f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"], json=notice("100.00")
    )
    assert created.status_code == 201, created.text
    path = f"/v1/claw-backs/{created.json()['id']}"
    calls = [(f"{path}/issue", {"on": "2020-10-01"})] * 4 + [
        (f"{path}/cancel", {"reason": "OR invalidé"})
    ] * 4

    responses = simultaneously(server, {**ctx["headers"], "If-Match": '"1"'}, calls)

    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 412: 7}, [r.text for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert http.get(path, headers=ctx["headers"]).json()["status"] == winner["status"]
    claim = http.get(f"/v1/claims/{claim_id}", headers=ctx["headers"]).json()
    assert claim["clawed_back"] == ("100.00" if winner["status"] == "issued" else "0.00")
