"""A payroll integration end to end, as a machine client (issue 13's scenario): it registers a
webhook endpoint, batch-creates the firm's 200 establishments, hears of a decision and a payment
through a receiver that checks every signature with the Standard Webhooks library and fails its
first three deliveries, then catches up with the change feed after a pause. Run on SQLite and
PostgreSQL like the rest of the suite; the worker is the one `python -m app.cli worker` runs."""

from datetime import timedelta
from typing import Any

from app.firms.rules import ESTABLISHMENT_LIMIT
from tests.support.builders import bearer, establishment_payload, firm_headers, make_client
from tests.support.lifecycle import accepted_request, habilitate, line, ok, upload_contract
from tests.webhooks.conftest import SCHEDULE
from tests.webhooks.receiver import receiving

PAYROLL_SCOPES = [
    "firm:read",
    "clients:read",
    "clients:write",
    "establishments:read",
    "establishments:write",
    "contracts:read",
    "contracts:write",
    "authorizations:read",
    "authorizations:write",
    "claims:read",
    "claims:write",
    "events:read",
    "webhooks:read",
    "webhooks:write",
]


def machine_headers(client, owner: dict[str, str]) -> dict[str, str]:
    """An API client of the owner's firm, and the headers of a client-credentials token."""
    created = ok(
        client.post(
            "/v1/api-clients",
            headers=owner,
            json={"name": "Logiciel de paie", "scopes": PAYROLL_SCOPES},
        ),
        201,
    )
    answer = ok(
        client.post(
            "/v1/auth/token",
            data={"grant_type": "client_credentials"},
            auth=(created["client_id"], created["client_secret"]),
        )
    )
    assert "refresh_token" not in answer or answer["refresh_token"] is None
    return bearer(answer["access_token"]) | {"x-client": created["id"]}


def feed(client, headers: dict[str, str], after: str) -> tuple[list[dict[str, Any]], str]:
    """Every event after the cursor `after`, page by page, and the cursor to keep."""
    events: list[dict[str, Any]] = []
    while True:
        page = ok(client.get("/v1/events", headers=headers, params={"after": after, "limit": 500}))
        events += page["items"]
        after = page["next"]
        if len(page["items"]) < 500:
            return events, after


def test_a_payroll_integration_runs_end_to_end_as_a_machine_client(client, clock, deliver):
    _, owner = firm_headers(client)
    h = machine_headers(client, owner)
    api_client_id = h.pop("x-client")
    _, cursor = feed(client, h, "0")  # the integration starts from the firm's present

    with receiving(statuses=[500, 502, 503]) as receiver:
        endpoint = ok(
            client.post(
                "/v1/webhook-endpoints",
                headers=h,
                json={
                    "url": receiver.url,
                    "event_types": ["authorization_request.decided", "claim.paid"],
                },
            ),
            201,
        )
        receiver.secret = endpoint["secret"]

        # The firm's 200 establishments in one batch, all or nothing.
        company = make_client(client, h)
        items = [establishment_payload(company, n) for n in range(1, ESTABLISHMENT_LIMIT + 1)]
        batch = ok(client.post("/v1/establishments/batch", headers=h, json={"items": items}))
        assert batch["created"] == ESTABLISHMENT_LIMIT and batch["failed"] == 0
        assert [item["status"] for item in batch["items"]] == [201] * ESTABLISHMENT_LIMIT
        assert ok(client.get("/v1/firm", headers=h))["establishments_active"] == 200
        first = batch["items"][0]["resource"]

        # One establishment through to a paid claim, every call by the machine client.
        upload_contract(client, h, company["id"])
        habilitate(client, h, first["id"])
        ctx = {"headers": h, "client": company, "establishment": first}
        request = accepted_request(client, ctx)  # drafted, filed and decided (accepted)
        claims = ok(
            client.post(
                "/v1/claims/batch",
                headers=h,
                json={
                    "items": [
                        {
                            "request_id": request["id"],
                            "month": "2020-04",
                            "payroll_paid_on": "2020-04-30",
                            "lines": [line("E1"), line("E2")],
                        }
                    ]
                },
            )
        )
        claim_id = claims["items"][0]["resource"]["id"]
        for action, body in (
            ("file", {"filed_on": "2020-05-04"}),
            ("validate", {"on": "2020-05-10"}),
            ("paid", {"paid_on": "2020-05-15", "amount": "1400.00"}),
        ):
            ok(client.post(f"/v1/claims/{claim_id}/{action}", headers=h, json=body))

        # The receiver fails three times; the worker tries again on the schedule.
        assert deliver() == 2
        for delay in SCHEDULE:
            clock.current += timedelta(seconds=delay)
            deliver()
        assert deliver() == 0

    # Both messages arrived, each signed and checked; the failures were retried, not lost.
    payloads = {p["type"]: p["data"] for p in receiver.verified()}
    assert len(receiver.verified()) == len(receiver.received)
    assert payloads["authorization_request.decided"]["resource_id"] == request["id"]
    assert payloads["claim.paid"]["resource_id"] == claim_id
    statuses = [r.headers["webhook-id"] for r in receiver.received]
    assert len(receiver.received) == 2 + 3 and len(set(statuses)) == 2
    deliveries = ok(client.get(f"/v1/webhook-endpoints/{endpoint['id']}/deliveries", headers=h))
    assert {d["status"] for d in deliveries["items"]} == {"succeeded"}
    assert ok(client.get(f"/v1/webhook-endpoints/{endpoint['id']}", headers=h))["enabled"]

    # After a pause, the change feed has everything since the integration's cursor, once, in
    # order, each change made by the machine client.
    events, cursor = feed(client, h, cursor)
    created = [e for e in events if e["action"] == "establishment.created"]
    assert len(created) == ESTABLISHMENT_LIMIT
    assert {e["resource_id"] for e in created} == {i["resource"]["id"] for i in batch["items"]}
    actions = [e["action"] for e in events if e["resource_id"] == claim_id]
    assert actions == ["claim.created", "claim.filed", "claim.validated", "claim.paid"]
    assert len({e["id"] for e in events}) == len(events)
    ours = [e for e in events if e["action"] != "api_client.created"]
    assert {e["actor_api_client_id"] for e in ours} == {api_client_id}
    assert feed(client, h, cursor) == ([], cursor)  # up to date
