"""R3: an establishment with a filing still pending (an undecided request or amendment, an
unpaid claim) cannot be archived; once nothing is pending it is archived and frees its slot."""

from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.lifecycle import (
    accepted_request,
    create_claim,
    create_request,
    file_request,
    ok,
    ready_establishment,
    upload_contract,
    walk_claim,
)
from tests.support.problems import assert_problem

# --- R3: archiving waits for pending filings --------------------------------------------------


def recent_filed_request(client: TestClient, ctx: dict[str, Any], clock) -> dict[str, Any]:
    """A request filed an hour ago: silence has not yet accepted it (R16: 15 days)."""
    today = clock.today()
    created = create_request(
        client,
        ctx,
        start_on=today.isoformat(),
        end_on=(today + timedelta(days=60)).isoformat(),
        forecast_hours="500",
    )
    filed = ok(
        file_request(client, ctx, created["id"], (clock.current - timedelta(hours=1)).isoformat())
    )
    assert filed["status"] == "filed", filed
    return filed


def archive(client: TestClient, ctx: dict[str, Any]):
    return client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/archive", headers=ctx["headers"]
    )


def establishment_status(client: TestClient, ctx: dict[str, Any]) -> str:
    est = ok(client.get(f"/v1/establishments/{ctx['establishment']['id']}", headers=ctx["headers"]))
    return est["status"]


def active_count(client: TestClient, ctx: dict[str, Any]) -> int:
    return ok(client.get("/v1/firm", headers=ctx["headers"]))["establishments_active"]


def test_establishment_with_an_undecided_request_cannot_be_archived(client, clock):
    ctx = ready_establishment(client)
    recent_filed_request(client, ctx, clock)
    assert_problem(archive(client, ctx), 409, "establishment_busy")
    assert establishment_status(client, ctx) == "active"
    assert active_count(client, ctx) == 1


@pytest.mark.parametrize(
    "decision",
    [
        pytest.param(
            {
                "outcome": "accepted",
                "decision_number": "DEC-1",
                "authorized_hours": "400",
                "authorized_employees": 4,
            },
            id="accepted",
        ),
        pytest.param({"outcome": "refused", "reason": "Motif insuffisant."}, id="refused"),
        pytest.param({"outcome": "invalidated", "reason": "Dossier retiré."}, id="invalidated"),
    ],
)
def test_establishment_can_be_archived_once_its_request_is_decided(client, clock, decision):
    ctx = ready_establishment(client)
    filed = recent_filed_request(client, ctx, clock)
    assert_problem(archive(client, ctx), 409, "establishment_busy")
    decided = client.post(
        f"/v1/authorization-requests/{filed['id']}/decision",
        headers=ctx["headers"],
        json={**decision, "decided_on": clock.today().isoformat()},
    )
    assert ok(decided)["status"] == decision["outcome"]
    archived = ok(archive(client, ctx))
    assert archived["status"] == "archived"
    assert active_count(client, ctx) == 0


def test_establishment_can_be_archived_once_silence_has_accepted_its_request(client, clock):
    ctx = ready_establishment(client)
    filed = recent_filed_request(client, ctx, clock)
    assert_problem(archive(client, ctx), 409, "establishment_busy")
    clock.current = clock.current + timedelta(days=15)  # R16: accepted 15 days after filing
    response = client.get(f"/v1/authorization-requests/{filed['id']}", headers=ctx["headers"])
    assert ok(response)["status"] == "accepted_implicitly"
    assert ok(archive(client, ctx))["status"] == "archived"


def test_establishment_with_an_undecided_amendment_cannot_be_archived(client, clock):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    accepted = accepted_request(client, ctx)
    amendment = ok(
        client.post(
            f"/v1/authorization-requests/{accepted['id']}/amendments",
            headers=h,
            json={"additional_hours": "50"},
        ),
        201,
    )
    filed = client.post(
        f"/v1/amendments/{amendment['id']}/file",
        headers=h,
        json={"filed_at": (clock.current - timedelta(hours=1)).isoformat()},
    )
    assert ok(filed)["status"] == "filed"
    assert_problem(archive(client, ctx), 409, "establishment_busy")
    decided = client.post(
        f"/v1/amendments/{amendment['id']}/decision",
        headers=h,
        json={
            "outcome": "accepted",
            "decided_on": clock.today().isoformat(),
            "decision_number": "AV-1",
            "authorized_hours": "50",
            "authorized_employees": 0,
        },
    )
    assert ok(decided)["status"] == "accepted"
    assert ok(archive(client, ctx))["status"] == "archived"


def test_establishment_with_an_unpaid_claim_cannot_be_archived_until_it_is_paid(client):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    accepted = accepted_request(client, ctx)
    claim = ok(create_claim(client, ctx, accepted["id"]), 201)
    walk_claim(client, h, claim["id"], [("file", {"filed_on": "2020-05-04"})])
    assert_problem(archive(client, ctx), 409, "establishment_busy")
    walk_claim(client, h, claim["id"], [("validate", {"on": "2020-05-10"})])
    assert_problem(archive(client, ctx), 409, "establishment_busy")
    walk_claim(client, h, claim["id"], [("paid", {"paid_on": "2020-05-15", "amount": "700.00"})])
    assert ok(archive(client, ctx))["status"] == "archived"


def test_establishment_without_pending_filings_is_archived_and_frees_its_slot(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    upload_contract(client, headers, company["id"])
    ctx = {"headers": headers, "client": company, "establishment": est}
    assert active_count(client, ctx) == 1
    assert ok(archive(client, ctx))["status"] == "archived"
    assert active_count(client, ctx) == 0
