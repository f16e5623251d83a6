"""The deadlines view (R25) and the audit trail (R26) over HTTP."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.builders import make_client, make_establishment
from tests.lifecycle import (
    accepted_request,
    create_claim,
    create_request,
    file_request,
    habilitate,
    line,
    ready_establishment,
    upload_contract,
)

PROBLEM = "application/problem+json"
DEADLINE_FIELDS = {
    "kind",
    "due_on",
    "overdue",
    "establishment_id",
    "resource_type",
    "resource_id",
    "description",
}


def assert_problem(response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body = response.json()
    assert body["code"] == code, body
    return body


def deadlines(client, ctx, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/deadlines", headers=ctx["headers"], params=params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


def summary(items: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(d["kind"], d["due_on"], d["overdue"]) for d in items]


def decide(client, ctx, request_id: str, **body: Any) -> dict[str, Any]:
    response = client.post(
        f"/v1/authorization-requests/{request_id}/decision", headers=ctx["headers"], json=body
    )
    assert response.status_code == 200, response.text
    return response.json()


def filed(client, ctx, filed_at: str, **overrides: Any) -> dict[str, Any]:
    request = create_request(client, ctx, **overrides)
    response = file_request(client, ctx, request["id"], filed_at)
    assert response.status_code == 200, response.text
    return response.json()


def another_client(client, ctx) -> dict[str, Any]:
    """A second client of the same firm, with its own establishment, ready to file."""
    h = ctx["headers"]
    company = make_client(client, h)
    est = make_establishment(client, h, company)
    upload_contract(client, h, company["id"])
    habilitate(client, h, est["id"])
    return {"headers": h, "client": company, "establishment": est}


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


def pay(client, ctx, claim_id: str) -> None:
    """File, validate and pay a draft claim."""
    steps = (
        ("file", {"filed_on": "2020-05-04"}),
        ("validate", {"on": "2020-05-10"}),
        ("paid", {"paid_on": "2020-05-15", "amount": "700.00"}),
    )
    for action, body in steps:
        response = client.post(f"/v1/claims/{claim_id}/{action}", headers=ctx["headers"], json=body)
        assert response.status_code == 200, response.text


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


# --- R25: what each resource owes ------------------------------------------------------------


def test_r25_a_deadline_carries_its_kind_due_date_and_resource(client, ctx):
    draft = create_request(client, ctx)
    [item] = deadlines(client, ctx)
    assert set(item) >= DEADLINE_FIELDS
    assert item["kind"] == "filing_window"
    assert item["due_on"] == "2020-04-30"
    assert item["overdue"] is True  # the clock is years later
    assert item["establishment_id"] == ctx["establishment"]["id"]
    assert item["resource_type"] == "authorization_request"
    assert item["resource_id"] == draft["id"]
    assert item["description"]


def test_r25_a_draft_shows_the_end_of_its_filing_window(client, ctx, clock):
    clock.current = datetime(2020, 3, 18, 12, tzinfo=UTC)
    create_request(client, ctx)
    assert summary(deadlines(client, ctx)) == [("filing_window", "2020-04-30", False)]
    clock.current = datetime(2020, 5, 1, 12, tzinfo=UTC)
    assert summary(deadlines(client, ctx)) == [("filing_window", "2020-04-30", True)]


def test_r25_a_filed_request_shows_its_implicit_acceptance_until_it_happens(client, ctx, clock):
    clock.current = datetime(2020, 3, 21, 12, tzinfo=UTC)
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    [item] = deadlines(client, ctx)
    assert (item["kind"], item["due_on"], item["overdue"]) == (
        "implicit_acceptance",
        "2020-03-22",
        False,
    )
    assert item["resource_id"] == request["id"]

    clock.current = datetime(2020, 3, 23, 12, tzinfo=UTC)  # accepted implicitly by now
    assert deadlines(client, ctx, kind="implicit_acceptance") == []


def test_r25_a_refusal_shows_the_appeal_deadline_for_2_months(client, ctx, clock):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    decide(client, ctx, request["id"], outcome="refused", decided_on="2020-03-21", reason="Non")

    clock.current = datetime(2020, 4, 1, 12, tzinfo=UTC)
    [item] = deadlines(client, ctx)
    assert (item["kind"], item["due_on"], item["overdue"]) == ("appeal", "2020-05-21", False)
    assert item["resource_id"] == request["id"]

    clock.current = datetime(2020, 5, 21, 20, tzinfo=UTC)  # 22:00 in Paris: the last day
    assert summary(deadlines(client, ctx)) == [("appeal", "2020-05-21", False)]

    clock.current = datetime(2020, 5, 21, 22, 30, tzinfo=UTC)  # 22 May in Paris
    assert deadlines(client, ctx) == []


def test_r25_each_elapsed_month_without_a_claim_is_due_by_the_time_bar(client, ctx, clock):
    request = accepted_request(client, ctx)  # 2020-03-16 – 2020-06-30: time bar 2021-06-30

    clock.current = datetime(2020, 5, 15, 12, tzinfo=UTC)
    items = deadlines(client, ctx)
    claims = [(d["month"], d["due_on"], d["overdue"]) for d in items if d["kind"] == "claim"]
    assert claims == [("2020-03", "2021-06-30", False), ("2020-04", "2021-06-30", False)]
    assert all(d["resource_id"] == request["id"] for d in items)
    assert ("authorization_end", "2020-06-30", False) in summary(items)

    draft = create_claim(client, ctx, request["id"], "2020-04")
    assert draft.status_code == 201, draft.text
    items = deadlines(client, ctx, kind="claim")
    assert [d["month"] for d in items] == ["2020-03", "2020-04"]  # a draft is not filed
    assert "draft" in items[1]["description"] and "draft" not in items[0]["description"]

    response = client.post(
        f"/v1/claims/{draft.json()['id']}/file",
        headers=ctx["headers"],
        json={"filed_on": "2020-05-04"},
    )
    assert response.status_code == 200, response.text
    months = [d["month"] for d in deadlines(client, ctx, kind="claim")]
    assert months == ["2020-03"]

    clock.current = datetime(2021, 7, 1, 12, tzinfo=UTC)
    items = deadlines(client, ctx)
    assert [(d["kind"], d["month"], d["overdue"]) for d in items] == [
        ("claim", "2020-03", True),
        ("claim", "2020-05", True),
        ("claim", "2020-06", True),
    ]


def test_r25_an_accepted_extension_adds_its_months(client, ctx):
    request = accepted_request(client, ctx)
    amendment = client.post(
        f"/v1/authorization-requests/{request['id']}/amendments",
        headers=ctx["headers"],
        json={"end_on": "2020-08-31"},
    ).json()
    response = client.post(
        f"/v1/amendments/{amendment['id']}/file",
        headers=ctx["headers"],
        json={"filed_at": "2020-06-15T10:00:00+02:00"},
    )
    assert response.status_code == 200, response.text  # silence accepts it 2 days later
    claims = deadlines(client, ctx, kind="claim")
    assert [d["month"] for d in claims] == [f"2020-{m:02d}" for m in range(3, 9)]
    assert {d["due_on"] for d in claims} == {"2021-02-28"}  # 6 months after 2020-08-31


def test_r25_a_rejected_claim_leaves_its_month_due(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"], "2020-04").json()
    for action, body in (("file", {"filed_on": "2020-05-04"}), ("reject", {"reason": "Erreur"})):
        response = client.post(
            f"/v1/claims/{claim['id']}/{action}", headers=ctx["headers"], json=body
        )
        assert response.status_code == 200, response.text
    months = [d["month"] for d in deadlines(client, ctx, kind="claim")]
    assert months == ["2020-03", "2020-04", "2020-05", "2020-06"]


def test_r25_a_draft_correction_of_a_paid_claim_does_not_make_its_month_due_again(client, ctx):
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"], "2020-04").json()
    pay(client, ctx, claim["id"])
    correction = client.post(
        f"/v1/claims/{claim['id']}/corrections", headers=ctx["headers"], json={}
    )
    assert correction.status_code == 201, correction.text
    assert correction.json()["status"] == "draft"
    months = [d["month"] for d in deadlines(client, ctx, kind="claim")]
    assert months == ["2020-03", "2020-05", "2020-06"]


def test_r25_an_invalidated_request_owes_nothing(client, ctx):
    request = accepted_request(client, ctx)
    assert len(deadlines(client, ctx, kind="claim")) == 4
    decide(client, ctx, request["id"], outcome="invalidated", decided_on="2020-04-01", reason="x")
    assert deadlines(client, ctx) == []


# --- R25: filters, order, pages --------------------------------------------------------------


@pytest.fixture
def agenda(client, ctx, clock) -> dict[str, Any]:
    """Two clients of one firm seen on 2020-07-15: seven deadlines of every kind but two."""
    other = another_client(client, ctx)
    clock.current = datetime(2020, 7, 15, 12, tzinfo=UTC)
    accepted = accepted_request(client, ctx)  # claims of 2020-03 … 2020-06, due 2021-06-30
    late_draft = create_request(
        client,
        ctx,
        motive="economic_downturn",
        sub_motive=None,
        start_on="2020-07-01",
        end_on="2020-07-31",
        forecast_hours="500",
    )  # filing window closed on 2020-07-01
    pending = filed(
        client,
        other,
        "2020-07-14T10:00:00+02:00",
        motive="economic_downturn",
        sub_motive=None,
        start_on="2020-07-20",
        end_on="2020-09-30",
        forecast_hours="1000",
    )  # silence accepts on 2020-07-16
    refused = filed(
        client,
        other,
        "2020-07-14T11:00:00+02:00",
        start_on="2020-10-01",
        end_on="2020-10-31",
        forecast_hours="500",
    )
    decide(client, other, refused["id"], outcome="refused", decided_on="2020-07-15", reason="Non")
    return {
        "ctx": ctx,
        "other": other,
        "accepted": accepted["id"],
        "late_draft": late_draft["id"],
        "pending": pending["id"],
        "refused": refused["id"],
    }


def test_r25_deadlines_are_sorted_by_due_date(client, agenda):
    items = deadlines(client, agenda["ctx"])
    assert summary(items) == [
        ("filing_window", "2020-07-01", True),
        ("implicit_acceptance", "2020-07-16", False),
        ("appeal", "2020-09-15", False),
        ("claim", "2021-06-30", False),
        ("claim", "2021-06-30", False),
        ("claim", "2021-06-30", False),
        ("claim", "2021-06-30", False),
    ]
    assert [d["resource_id"] for d in items[:3]] == [
        agenda["late_draft"],
        agenda["pending"],
        agenda["refused"],
    ]


def test_r25_deadlines_filter_by_kind(client, agenda):
    ctx = agenda["ctx"]
    claims = deadlines(client, ctx, kind="claim")
    assert [d["month"] for d in claims] == ["2020-03", "2020-04", "2020-05", "2020-06"]
    assert {d["resource_id"] for d in claims} == {agenda["accepted"]}
    assert summary(deadlines(client, ctx, kind="appeal")) == [("appeal", "2020-09-15", False)]
    assert deadlines(client, ctx, kind="cse_opinion") == []
    assert_problem(
        client.get("/v1/deadlines", headers=ctx["headers"], params={"kind": "nap"}),
        422,
        "validation_error",
    )


def test_r25_deadlines_filter_by_overdue(client, agenda):
    ctx = agenda["ctx"]
    assert [d["resource_id"] for d in deadlines(client, ctx, overdue="true")] == [
        agenda["late_draft"]
    ]
    assert len(deadlines(client, ctx, overdue="false")) == 6


def test_r25_deadlines_filter_by_establishment_and_client(client, agenda):
    ctx, other = agenda["ctx"], agenda["other"]
    by_establishment = deadlines(client, ctx, establishment_id=other["establishment"]["id"])
    assert [d["kind"] for d in by_establishment] == ["implicit_acceptance", "appeal"]
    assert {d["establishment_id"] for d in by_establishment} == {other["establishment"]["id"]}

    by_client = deadlines(client, ctx, client_id=ctx["client"]["id"])
    assert [d["kind"] for d in by_client] == ["filing_window"] + ["claim"] * 4
    assert {d["establishment_id"] for d in by_client} == {ctx["establishment"]["id"]}
    assert deadlines(client, ctx, client_id=other["client"]["id"], kind="claim") == []


def test_r25_deadlines_filter_by_due_before_strictly(client, agenda):
    ctx = agenda["ctx"]
    assert [d["kind"] for d in deadlines(client, ctx, due_before="2020-09-15")] == [
        "filing_window",
        "implicit_acceptance",
    ]
    assert len(deadlines(client, ctx, due_before="2020-09-16")) == 3
    assert deadlines(client, ctx, due_before="2020-07-01") == []


def test_r25_deadlines_are_paginated_with_limit_and_cursor(client, agenda):
    ctx = agenda["ctx"]
    everything = deadlines(client, ctx)
    pages: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 3} | ({"cursor": cursor} if cursor else {})
        response = client.get("/v1/deadlines", headers=ctx["headers"], params=params)
        assert response.status_code == 200, response.text
        pages.append(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert [d for page in pages for d in page] == everything
    assert_problem(
        client.get("/v1/deadlines", headers=ctx["headers"], params={"cursor": "not-a-cursor"}),
        422,
        "validation_error",
    )


def test_r25_another_firm_sees_none_of_the_deadlines(client, clock, agenda):
    clock.current = datetime.now(UTC)  # tokens are minted on real time
    stranger = ready_establishment(client)
    assert deadlines(client, stranger) == []
    assert deadlines(client, stranger, client_id=agenda["ctx"]["client"]["id"]) == []


# --- R26: one event per state change ---------------------------------------------------------


def me(client, ctx) -> str:
    return client.get("/v1/me", headers=ctx["headers"]).json()["user"]["id"]


def test_r26_each_state_change_of_a_request_writes_one_event(client, ctx, clock):
    user_id = me(client, ctx)
    clock.current = datetime(2020, 3, 21, 12, tzinfo=UTC)
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    decide(
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
    decide(client, ctx, request["id"], outcome="invalidated", decided_on="2020-03-22", reason="x")

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
    pay(client, ctx, claim["id"])
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
    assert one.headers["content-type"].startswith(PROBLEM)
    assert events(client, ctx) == before


def test_r26_a_failed_transition_writes_nothing(client, ctx):
    h = ctx["headers"]
    request = accepted_request(client, ctx)  # authorizes 1200 h for 4 employees
    late = create_request(
        client, ctx, start_on="2020-07-01", end_on="2020-07-31", forecast_hours="500"
    )
    claim = create_claim(client, ctx, request["id"], payroll_paid_on=None).json()
    before = events(client, ctx)

    too_many_hours = [line(f"E{n}", contract_hours="400", hours_not_worked="400") for n in range(4)]
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
        assert response.headers["content-type"].startswith(PROBLEM)

    assert events(client, ctx) == before
    claims = client.get(f"/v1/authorization-requests/{request['id']}/claims", headers=h).json()
    assert [c["id"] for c in claims["items"]] == [claim["id"]]  # the refused claim left no row
    assert client.get(f"/v1/authorization-requests/{late['id']}", headers=h).json()["status"] == (
        "draft"
    )
    assert create_claim(client, ctx, request["id"], "2020-05").status_code == 201
