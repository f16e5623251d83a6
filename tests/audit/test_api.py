"""The audit trail (R26) over HTTP: one event per state change, none for a failed one, and a
trail that can be read, filtered and paged but never written."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.lifecycle import (
    OVERTIME,
    accepted_request,
    create_claim,
    create_request,
    decide_request,
    file_request,
    filed,
    line,
    pay_claim,
    ready_establishment,
)
from tests.support.problems import PROBLEM_JSON, assert_problem


def events(client, ctx, **params: Any) -> list[dict[str, Any]]:
    params.setdefault("limit", 100)
    response = client.get("/v1/events", headers=ctx["headers"], params=params)
    assert response.status_code == 200, response.text
    return response.json()["items"]


def trail(client, ctx, resource_id: str) -> list[tuple[str, str | None, str | None]]:
    return [
        (e["action"], e["status_before"], e["status_after"])
        for e in events(client, ctx, resource_id=resource_id)
    ]


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


# --- R26: one event per state change ---------------------------------------------------------


def me(client, ctx) -> str:
    return client.get("/v1/me", headers=ctx["headers"]).json()["user"]["id"]


def test_r26_each_state_change_of_a_request_writes_one_event(client, ctx, clock):
    user_id = me(client, ctx)
    clock.current = datetime(2020, 3, 21, 12, tzinfo=UTC)
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    decide_request(
        client,
        ctx,
        request["id"],
        outcome="accepted",
        decided_on="2020-03-21",
        decision_number="DEC-1",
        authorized_hours="1000",
        authorized_employees=4,
    )
    clock.current = datetime(2020, 3, 22, 12, tzinfo=UTC)
    decide_request(
        client, ctx, request["id"], outcome="invalidated", decided_on="2020-03-22", reason="x"
    )

    written = events(client, ctx, resource_id=request["id"])
    assert [(e["action"], e["status_before"], e["status_after"]) for e in written] == [
        ("authorization_request.created", None, "draft"),
        ("authorization_request.filed", "draft", "filed"),
        ("authorization_request.accepted", "filed", "accepted"),
        ("authorization_request.invalidated", "accepted", "invalidated"),
    ]
    assert {e["actor_id"] for e in written} == {user_id}
    assert {e["resource_type"] for e in written} == {"authorization_request"}
    assert {e["establishment_id"] for e in written} == {ctx["establishment"]["id"]}
    assert datetime.fromisoformat(written[-1]["at"].replace("Z", "+00:00")) == clock.current


def test_r26_a_deferred_cse_opinion_supplied_writes_one_event(client):
    ctx = ready_establishment(client, headcount=60)
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00", cse={"status": "deferred"})
    response = client.post(
        f"/v1/authorization-requests/{request['id']}/cse-opinion",
        headers=ctx["headers"],
        json={"consulted_on": "2020-04-15", "opinion": "favourable"},
    )
    assert response.status_code == 200, response.text
    assert trail(client, ctx, request["id"])[-1] == (
        "authorization_request.cse_opinion_given",
        "deferred",
        "given",
    )


def test_r26_each_state_change_of_an_amendment_writes_one_event(client, ctx, clock):
    user_id = me(client, ctx)
    request = accepted_request(client, ctx)
    clock.current = datetime(2020, 6, 15, 12, tzinfo=UTC)
    amendment = client.post(
        f"/v1/authorization-requests/{request['id']}/amendments",
        headers=ctx["headers"],
        json={"additional_hours": "100"},
    ).json()
    steps = (
        ("file", {"filed_at": "2020-06-15T10:00:00+02:00"}),
        ("decision", {"outcome": "refused", "decided_on": "2020-06-15", "reason": "Non"}),
    )
    for action, body in steps:
        response = client.post(
            f"/v1/amendments/{amendment['id']}/{action}", headers=ctx["headers"], json=body
        )
        assert response.status_code == 200, response.text
    written = events(client, ctx, resource_id=amendment["id"])
    assert [(e["action"], e["status_before"], e["status_after"]) for e in written] == [
        ("amendment.created", None, "draft"),
        ("amendment.filed", "draft", "filed"),
        ("amendment.refused", "filed", "refused"),
    ]
    assert {e["actor_id"] for e in written} == {user_id}


def test_r26_each_state_change_of_a_claim_writes_one_event(client, ctx):
    user_id = me(client, ctx)
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    pay_claim(client, ctx, claim["id"])
    correction = client.post(
        f"/v1/claims/{claim['id']}/corrections", headers=ctx["headers"], json={}
    ).json()

    written = events(client, ctx, resource_type="claim")
    assert [
        (e["resource_id"], e["action"], e["status_before"], e["status_after"]) for e in written
    ] == [
        (claim["id"], "claim.created", None, "draft"),
        (claim["id"], "claim.filed", "draft", "filed"),
        (claim["id"], "claim.validated", "filed", "validated"),
        (claim["id"], "claim.paid", "validated", "paid"),
        (correction["id"], "claim.created", None, "draft"),
    ]
    assert {e["actor_id"] for e in written} == {user_id}


def test_r26_a_rejection_writes_one_event(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    for action, body in (("file", {"filed_on": "2020-05-04"}), ("reject", {"reason": "Erreur"})):
        response = client.post(
            f"/v1/claims/{claim['id']}/{action}", headers=ctx["headers"], json=body
        )
        assert response.status_code == 200, response.text
    assert trail(client, ctx, claim["id"])[-1] == ("claim.rejected", "filed", "rejected")


def test_r26_editing_a_draft_claim_writes_an_updated_event(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    response = client.patch(
        f"/v1/claims/{claim['id']}",
        headers=ctx["headers"],
        json={"lines": [line("E1", hours_not_worked="40")]},
    )
    assert response.status_code == 200, response.text
    assert trail(client, ctx, claim["id"]) == [
        ("claim.created", None, "draft"),
        ("claim.updated", "draft", "draft"),
    ]


def test_r26_editing_a_draft_request_writes_an_updated_event(client, ctx):
    draft = create_request(client, ctx)
    response = client.patch(
        f"/v1/authorization-requests/{draft['id']}",
        headers=ctx["headers"],
        json={"forecast_hours": "120"},
    )
    assert response.status_code == 200, response.text
    assert trail(client, ctx, draft["id"]) == [
        ("authorization_request.created", None, "draft"),
        ("authorization_request.updated", "draft", "draft"),
    ]


def test_r26_editing_an_establishment_writes_an_updated_event(client, ctx):
    est = ctx["establishment"]
    response = client.patch(
        f"/v1/establishments/{est['id']}", headers=ctx["headers"], json={"name": "Atelier"}
    )
    assert response.status_code == 200, response.text
    assert trail(client, ctx, est["id"])[-1] == ("establishment.updated", "active", "active")


def test_r26_an_empty_patch_changes_nothing_and_writes_no_event(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    draft = create_request(client, ctx, start_on="2020-09-01", end_on="2020-09-30")
    est = ctx["establishment"]
    for url, resource_id in (
        (f"/v1/claims/{claim['id']}", claim["id"]),
        (f"/v1/authorization-requests/{draft['id']}", draft["id"]),
        (f"/v1/establishments/{est['id']}", est["id"]),
    ):
        events_before = trail(client, ctx, resource_id)
        before = client.get(url, headers=ctx["headers"]).json()
        response = client.patch(url, headers=ctx["headers"], json={})
        assert response.status_code == 200, response.text
        assert response.json() == before == client.get(url, headers=ctx["headers"]).json()
        assert trail(client, ctx, resource_id) == events_before


def test_r26_deleting_a_draft_claim_writes_one_event(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    assert client.delete(f"/v1/claims/{claim['id']}", headers=ctx["headers"]).status_code == 204
    assert trail(client, ctx, claim["id"]) == [
        ("claim.created", None, "draft"),
        ("claim.deleted", "draft", None),
    ]


def test_r26_deleting_a_draft_request_writes_one_event(client, ctx):
    draft = create_request(client, ctx)
    assert (
        client.delete(
            f"/v1/authorization-requests/{draft['id']}", headers=ctx["headers"]
        ).status_code
        == 204
    )
    assert trail(client, ctx, draft["id"]) == [
        ("authorization_request.created", None, "draft"),
        ("authorization_request.deleted", "draft", None),
    ]


def test_r26_events_filter_by_resource_type_and_id(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()

    by_type = events(client, ctx, resource_type="authorization_request")
    assert {e["resource_type"] for e in by_type} == {"authorization_request"}
    assert {e["resource_id"] for e in by_type} == {request["id"]}
    assert [e["action"] for e in by_type] == [
        "authorization_request.created",
        "authorization_request.filed",
        "authorization_request.accepted",
    ]
    assert [e["action"] for e in events(client, ctx, resource_type="claim")] == ["claim.created"]
    assert [e["resource_id"] for e in events(client, ctx, resource_id=claim["id"])] == [claim["id"]]
    assert events(client, ctx, resource_type="claim", resource_id=request["id"]) == []
    assert len(events(client, ctx)) > len(by_type)  # habilitation steps, contract, …


def test_r26_events_are_paginated(client, ctx):
    accepted_request(client, ctx)
    everything = events(client, ctx)
    first = client.get("/v1/events", headers=ctx["headers"], params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = client.get(
        "/v1/events", headers=ctx["headers"], params={"limit": 100, "cursor": first["next_cursor"]}
    ).json()
    assert first["items"] + rest["items"] == everything


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "POST"])
def test_r26_events_cannot_be_written_changed_or_deleted(client, ctx, method):
    accepted_request(client, ctx)
    before = events(client, ctx)
    response = client.request(method, "/v1/events", headers=ctx["headers"], json={})
    assert_problem(response, 405, "method_not_allowed")

    one = client.request(method, f"/v1/events/{before[0]['id']}", headers=ctx["headers"], json={})
    assert one.status_code in (404, 405), one.text
    assert one.headers["content-type"].startswith(PROBLEM_JSON)
    assert events(client, ctx) == before


def test_r26_a_failed_transition_writes_nothing(client, ctx):
    h = ctx["headers"]
    request = accepted_request(client, ctx)  # authorizes 1200 h for 4 employees
    late = create_request(
        client, ctx, start_on="2020-07-01", end_on="2020-07-31", forecast_hours="500"
    )
    claim = create_claim(client, ctx, request["id"], payroll_paid_on=None).json()
    before = events(client, ctx)

    too_many_hours = [
        line(f"E{n}", contract_hours="400", hours_not_worked="400", **OVERTIME) for n in range(4)
    ]
    failures = [
        (file_request(client, ctx, late["id"], "2020-08-15T10:00:00+02:00"), 409),
        (
            client.post(
                f"/v1/authorization-requests/{request['id']}/decision",
                headers=h,
                json={"outcome": "refused", "decided_on": "2020-04-01", "reason": "x"},
            ),
            409,
        ),
        (client.patch(f"/v1/authorization-requests/{request['id']}", headers=h, json={}), 409),
        (create_claim(client, ctx, request["id"], "2020-05", lines=too_many_hours), 409),
        (client.post(f"/v1/claims/{claim['id']}/file", headers=h, json={}), 409),
        (client.post(f"/v1/claims/{claim['id']}/validate", headers=h, json={}), 409),
        (client.post(f"/v1/claims/{claim['id']}/corrections", headers=h, json={}), 409),
        (
            client.post(
                f"/v1/authorization-requests/{request['id']}/amendments",
                headers=h,
                json={"end_on": "2020-05-31"},
            ),
            422,
        ),
    ]
    for response, status in failures:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith(PROBLEM_JSON)

    assert events(client, ctx) == before
    claims = client.get(f"/v1/authorization-requests/{request['id']}/claims", headers=h).json()
    assert [c["id"] for c in claims["items"]] == [claim["id"]]  # the refused claim left no row
    assert client.get(f"/v1/authorization-requests/{late['id']}", headers=h).json()["status"] == (
        "draft"
    )
    assert create_claim(client, ctx, request["id"], "2020-05").status_code == 201
