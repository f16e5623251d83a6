"""Amendments (avenants) of an accepted authorization request over HTTP (R18)."""

import uuid
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import update
from sqlmodel import col

from app.authorizations.models import AuthorizationRequest
from tests.support.lifecycle import (
    accepted_request,
    create_claim,
    create_request,
    file_request,
    ready_establishment,
    request_payload,
)
from tests.support.problems import assert_problem


def request_url(request_id: str, action: str = "") -> str:
    return f"/v1/authorization-requests/{request_id}" + (f"/{action}" if action else "")


def amend(client, ctx, request_id: str, **body: Any):
    return client.post(request_url(request_id, "amendments"), headers=ctx["headers"], json=body)


def new_amendment(client, ctx, request_id: str, **body: Any) -> dict[str, Any]:
    response = amend(client, ctx, request_id, **body)
    assert response.status_code == 201, response.text
    return response.json()


def file_amendment(client, ctx, amendment_id: str, filed_at: str):
    return client.post(
        f"/v1/amendments/{amendment_id}/file", headers=ctx["headers"], json={"filed_at": filed_at}
    )


def must_file(client, ctx, amendment_id: str, filed_at: str) -> dict[str, Any]:
    response = file_amendment(client, ctx, amendment_id, filed_at)
    assert response.status_code == 200, response.text
    return response.json()


def decide_amendment(client, ctx, amendment_id: str, **body: Any):
    return client.post(f"/v1/amendments/{amendment_id}/decision", headers=ctx["headers"], json=body)


def authorized(client, ctx, request_id: str) -> dict[str, Any]:
    return client.get(request_url(request_id), headers=ctx["headers"]).json()["authorized"]


# The accepted request of tests.support.lifecycle: 2020-03-16 – 2020-06-30, 1200 h, 4 employees.
ORIGINAL = {"start_on": "2020-03-16", "end_on": "2020-06-30", "hours": "1200.00", "employees": 4}


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


# --- only on an accepted request -------------------------------------------------------------


def test_r18_a_draft_request_cannot_be_amended(client, ctx):
    draft = create_request(client, ctx)
    body = assert_problem(
        amend(client, ctx, draft["id"], end_on="2020-08-31"), 409, "request_not_accepted"
    )
    assert "draft" in body["detail"]


def test_r18_a_filed_request_not_yet_accepted_cannot_be_amended(client, ctx, clock):
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"], "2020-03-20T10:00:00+01:00").status_code == 200
    clock.current = datetime(2020, 3, 21, 12, tzinfo=UTC)  # silence accepts on 2020-03-22 (R16)
    assert_problem(
        amend(client, ctx, request["id"], additional_hours="100"), 409, "request_not_accepted"
    )


@pytest.mark.parametrize("outcome", ["refused", "invalidated"])
def test_r18_a_refused_or_invalidated_request_cannot_be_amended(client, ctx, outcome):
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"]).status_code == 200
    decided = client.post(
        request_url(request["id"], "decision"),
        headers=ctx["headers"],
        json={"outcome": outcome, "decided_on": "2020-03-21", "reason": "Motif"},
    )
    assert decided.status_code == 200, decided.text
    assert_problem(
        amend(client, ctx, request["id"], additional_hours="100"), 409, "request_not_accepted"
    )


def test_r18_an_implicitly_accepted_request_can_be_amended(client, ctx):
    request = create_request(client, ctx)
    filed = file_request(client, ctx, request["id"])
    assert filed.json()["status"] == "accepted_implicitly"
    amendment = new_amendment(client, ctx, request["id"], additional_employees=1)
    assert amendment["status"] == "draft"
    assert amendment["request_id"] == request["id"]


# --- what an amendment asks ------------------------------------------------------------------


@pytest.mark.parametrize("end_on", ["2020-06-30", "2020-06-01"])
def test_r18_a_new_end_must_extend_the_period(client, ctx, end_on):
    request = accepted_request(client, ctx)
    body = assert_problem(amend(client, ctx, request["id"], end_on=end_on), 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"end_on"}


def test_r18_an_amendment_asks_for_something(client, ctx):
    request = accepted_request(client, ctx)
    assert_problem(amend(client, ctx, request["id"]), 422, "validation_error")
    assert client.get(request_url(request["id"], "amendments"), headers=ctx["headers"]).json() == []


# --- filing and deciding ---------------------------------------------------------------------


def test_r18_an_accepted_amendment_raises_the_authorized_hours_employees_and_end(client, ctx):
    h = ctx["headers"]
    request = accepted_request(client, ctx)
    amendment = new_amendment(
        client,
        ctx,
        request["id"],
        end_on="2020-08-31",
        additional_hours="600",
        additional_employees=2,
    )
    assert authorized(client, ctx, request["id"]) == ORIGINAL  # a draft changes nothing

    filed = file_amendment(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00")
    assert filed.status_code == 200, filed.text
    assert filed.json()["filed_at"] is not None

    decided = decide_amendment(
        client,
        ctx,
        amendment["id"],
        outcome="accepted",
        decided_on="2020-06-16",
        decision_number="AV-1",
        authorized_hours="500",
        authorized_employees=1,
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted"
    assert decided.json()["authorized_hours"] == "500.00"
    assert authorized(client, ctx, request["id"]) == {
        "start_on": "2020-03-16",
        "end_on": "2020-08-31",
        "hours": "1700.00",
        "employees": 5,
    }
    listed = client.get(request_url(request["id"], "amendments"), headers=h).json()
    assert [a["id"] for a in listed] == [amendment["id"]]
    assert client.get(f"/v1/amendments/{amendment['id']}", headers=h).json()["status"] == "accepted"


def test_r18_months_of_the_extension_can_then_be_claimed(client, ctx):
    request = accepted_request(client, ctx)
    assert_problem(
        create_claim(client, ctx, request["id"], month="2020-08", payroll_paid_on="2020-08-31"),
        409,
        "month_outside_authorization",
    )
    amendment = new_amendment(client, ctx, request["id"], end_on="2020-08-31")
    must_file(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00")
    decided = decide_amendment(
        client,
        ctx,
        amendment["id"],
        outcome="accepted",
        decided_on="2020-06-16",
        decision_number="AV-1",
        authorized_hours="0",
        authorized_employees=0,
    )
    assert decided.status_code == 200, decided.text
    claim = create_claim(client, ctx, request["id"], month="2020-08", payroll_paid_on="2020-08-31")
    assert claim.status_code == 201, claim.text


def test_r18_an_amendment_is_decided_only_once_filed(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], additional_hours="100")
    response = decide_amendment(
        client,
        ctx,
        amendment["id"],
        outcome="accepted",
        decided_on="2020-06-16",
        decision_number="AV-1",
        authorized_hours="100",
        authorized_employees=0,
    )
    assert_problem(response, 409, "invalid_transition")


def test_r18_an_amendment_is_filed_only_once(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], additional_hours="100")
    must_file(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00")
    assert_problem(
        file_amendment(client, ctx, amendment["id"], "2020-06-16T10:00:00+02:00"),
        409,
        "invalid_transition",
    )


def test_r18_an_amendment_authorizes_no_more_than_it_asks(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], additional_hours="100")
    must_file(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00")
    response = decide_amendment(
        client,
        ctx,
        amendment["id"],
        outcome="accepted",
        decided_on="2020-06-16",
        decision_number="AV-1",
        authorized_hours="100.01",
        authorized_employees=0,
    )
    body = assert_problem(response, 422, "validation_error")
    assert {e["field"] for e in body["errors"]} == {"authorized_hours"}
    # still the implicit acceptance of what was asked (2 days after filing in 2020, R16)
    assert authorized(client, ctx, request["id"])["hours"] == "1300.00"


def test_r18_a_refused_amendment_leaves_the_authorization_unchanged(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(
        client, ctx, request["id"], end_on="2020-07-31", additional_hours="50"
    )
    must_file(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00")
    response = decide_amendment(
        client, ctx, amendment["id"], outcome="refused", decided_on="2020-06-16", reason="Non"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "refused"
    assert authorized(client, ctx, request["id"]) == ORIGINAL


def test_r18_an_amendment_is_filed_only_while_the_request_is_accepted(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], additional_hours="100")
    invalidated = client.post(
        request_url(request["id"], "decision"),
        headers=ctx["headers"],
        json={"outcome": "invalidated", "decided_on": "2020-04-10", "reason": "Retrait"},
    )
    assert invalidated.status_code == 200, invalidated.text
    assert_problem(
        file_amendment(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00"),
        409,
        "request_not_accepted",
    )


def test_r18_an_extension_may_not_overlap_another_request(client, ctx):
    request = accepted_request(client, ctx)
    create_request(client, ctx, start_on="2020-07-01", end_on="2020-07-31", forecast_hours="500")
    amendment = new_amendment(client, ctx, request["id"], end_on="2020-08-31")
    assert_problem(
        file_amendment(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00"),
        409,
        "overlapping_request",
    )


def test_r18_an_accepted_extension_blocks_an_overlapping_request(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], end_on="2020-08-31")
    must_file(client, ctx, amendment["id"], "2020-06-15T10:00:00+02:00")  # silence accepts it
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(start_on="2020-08-01", end_on="2020-09-30"),
    )
    assert_problem(response, 409, "overlapping_request")


def test_r18_another_firm_cannot_amend_a_request(client, ctx):
    request = accepted_request(client, ctx)
    stranger = ready_establishment(client)
    assert_problem(amend(client, stranger, request["id"], additional_hours="10"), 404, "not_found")


def test_r18_an_extension_keeps_the_length_limit(client, ctx):
    # a start in March 2020 allows 12 months: 2021-03-15 at the latest (R13)
    request = accepted_request(client, ctx)
    too_long = new_amendment(client, ctx, request["id"], end_on="2021-03-16")
    assert_problem(
        file_amendment(client, ctx, too_long["id"], "2020-06-15T10:00:00+02:00"),
        409,
        "period_too_long",
    )
    longest = new_amendment(client, ctx, request["id"], end_on="2021-03-15")
    must_file(client, ctx, longest["id"], "2020-06-15T10:00:00+02:00")


# --- implicit acceptance ---------------------------------------------------------------------


def test_r18_silence_accepts_an_amendment_after_15_days_with_what_it_asked(client, ctx, clock):
    request = accepted_request(client, ctx)
    amendment = new_amendment(
        client,
        ctx,
        request["id"],
        end_on="2020-12-31",
        additional_hours="300",
        additional_employees=1,
    )
    clock.current = datetime(2020, 10, 10, 12, tzinfo=UTC)
    filed = file_amendment(client, ctx, amendment["id"], "2020-10-05T10:00:00+02:00")
    assert filed.status_code == 200, filed.text
    assert filed.json()["status"] == "filed"
    implicit = datetime.fromisoformat(filed.json()["implicit_acceptance_at"].replace("Z", "+00:00"))
    assert implicit == datetime(2020, 10, 20, 8, tzinfo=UTC)
    assert authorized(client, ctx, request["id"]) == ORIGINAL

    clock.current = datetime(2020, 10, 20, 7, 59, tzinfo=UTC)
    got = client.get(f"/v1/amendments/{amendment['id']}", headers=ctx["headers"]).json()
    assert got["status"] == "filed"
    assert authorized(client, ctx, request["id"]) == ORIGINAL

    clock.current = implicit
    got = client.get(f"/v1/amendments/{amendment['id']}", headers=ctx["headers"]).json()
    assert got["status"] == "accepted_implicitly"
    assert authorized(client, ctx, request["id"]) == {
        "start_on": "2020-03-16",
        "end_on": "2020-12-31",
        "hours": "1500.00",
        "employees": 5,
    }


def test_r18_silence_accepts_an_amendment_after_2_days_until_30_september_2020(client, ctx):
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], additional_hours="300")
    filed = file_amendment(client, ctx, amendment["id"], "2020-09-30T10:00:00+02:00")
    assert filed.status_code == 200, filed.text
    assert filed.json()["implicit_acceptance_at"].startswith("2020-10-02T08:00:00")
    assert filed.json()["status"] == "accepted_implicitly"
    assert authorized(client, ctx, request["id"])["hours"] == "1500.00"


# --- R14: a pending extension holds its period -----------------------------------------------


def new_request(client, ctx, start_on: str, end_on: str = "2020-09-30"):
    return client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(start_on=start_on, end_on=end_on, forecast_hours="500"),
    )


@pytest.fixture
def pending_extension(client, ctx, clock) -> dict[str, Any]:
    """The accepted request extended to 2020-08-31 by an amendment filed on 2020-08-20 and not
    decided yet (silence would accept it on 2020-08-22, R16)."""
    request = accepted_request(client, ctx)
    amendment = new_amendment(client, ctx, request["id"], end_on="2020-08-31")
    clock.current = datetime(2020, 8, 21, 10, tzinfo=UTC)
    filed = must_file(client, ctx, amendment["id"], "2020-08-20T10:00:00+02:00")
    assert filed["status"] == "filed"
    return amendment


ACCEPTED = {"outcome": "accepted", "decided_on": "2020-08-21", "decision_number": "AV-9"}


def accept_amendment(client, ctx, amendment_id: str):
    body = ACCEPTED | {"authorized_hours": "0", "authorized_employees": 0}
    return decide_amendment(client, ctx, amendment_id, **body)


def test_r14_a_request_may_not_start_on_the_last_day_of_a_pending_extension(
    client, ctx, pending_extension
):
    body = assert_problem(new_request(client, ctx, "2020-08-31"), 409, "overlapping_request")
    assert "2020-08-31" in body["detail"]


def test_r14_a_request_may_start_the_day_after_a_pending_extension_and_be_filed(
    client, ctx, pending_extension
):
    response = new_request(client, ctx, "2020-09-01")
    assert response.status_code == 201, response.text
    filed = file_request(client, ctx, response.json()["id"], "2020-08-21T09:00:00+02:00")
    assert filed.status_code == 200, filed.text


def test_r14_a_draft_may_not_be_moved_onto_a_pending_extension(client, ctx, pending_extension):
    draft = new_request(client, ctx, "2020-09-01").json()
    response = client.patch(
        request_url(draft["id"]), headers=ctx["headers"], json={"start_on": "2020-08-31"}
    )
    assert_problem(response, 409, "overlapping_request")
    assert client.get(request_url(draft["id"]), headers=ctx["headers"]).json()["start_on"] == (
        "2020-09-01"
    )


def test_r14_a_refused_extension_frees_its_period(client, ctx, pending_extension):
    refused = decide_amendment(
        client, ctx, pending_extension["id"], outcome="refused", decided_on="2020-08-21", reason="N"
    )
    assert refused.status_code == 200, refused.text
    assert new_request(client, ctx, "2020-07-01").status_code == 201


def test_r14_accepting_an_extension_next_to_another_request_is_allowed(
    client, ctx, pending_extension
):
    assert new_request(client, ctx, "2020-09-01").status_code == 201
    response = accept_amendment(client, ctx, pending_extension["id"])
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "accepted"


def test_r14_accepting_an_extension_that_would_overlap_another_live_request_is_refused(
    client, ctx, pending_extension, session
):
    # A request that met the pending extension before R14 counted it: written, then moved back
    # one day in the database, as rows written before this rule may be.
    other = new_request(client, ctx, "2020-09-01").json()
    session.exec(
        update(AuthorizationRequest)
        .where(col(AuthorizationRequest.id) == uuid.UUID(other["id"]))
        .values(start_on=date(2020, 8, 31))
    )

    body = assert_problem(
        accept_amendment(client, ctx, pending_extension["id"]), 409, "overlapping_request"
    )
    assert other["id"] in body["detail"] and "Accepting this amendment" in body["detail"]
    got = client.get(f"/v1/amendments/{pending_extension['id']}", headers=ctx["headers"]).json()
    assert got["status"] == "filed"  # nothing recorded
