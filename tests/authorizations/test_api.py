"""Authorization requests (DAP) over HTTP: drafts, filing checks and decisions (R10–R17), and
the CSE minutes document kept with the request byte for byte (R15)."""

import hashlib
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.lifecycle import (
    PDF,
    accepted_request,
    create_request,
    file_request,
    filed,
    ready_establishment,
    request_payload,
)
from tests.support.pdf import HOSTILE, blank_pdf
from tests.support.problems import assert_problem, error_fields

MOTIVE_1 = "economic_downturn"
MOTIVE_3 = "disaster_or_weather"


def url(request_id: str, action: str = "") -> str:
    return f"/v1/authorization-requests/{request_id}" + (f"/{action}" if action else "")


def decide(client, ctx, request_id: str, **body: Any):
    return client.post(url(request_id, "decision"), headers=ctx["headers"], json=body)


def acceptance(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "outcome": "accepted",
        "decided_on": "2020-03-25",
        "decision_number": "DEC-2020-001",
        "authorized_hours": "1200",
        "authorized_employees": 4,
    }
    body.update(overrides)
    return body


def motive_1(start_on: str, end_on: str, **overrides: Any) -> dict[str, Any]:
    return {"motive": MOTIVE_1, "sub_motive": None, "start_on": start_on, "end_on": end_on} | (
        overrides
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


# --- R10: drafts -----------------------------------------------------------------------------


def test_r10_a_draft_is_created_edited_and_deleted(client, ctx):
    h = ctx["headers"]
    draft = create_request(client, ctx)
    assert draft["status"] == "draft"
    assert draft["establishment_id"] == ctx["establishment"]["id"]
    assert draft["client_id"] == ctx["client"]["id"]

    patched = client.patch(
        url(draft["id"]), headers=h, json={"forecast_hours": "1000", "employees_concerned": 3}
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["status"] == "draft"
    assert patched.json()["forecast_hours"] == "1000.00"
    assert patched.json()["employees_concerned"] == 3
    again = client.get(url(draft["id"]), headers=h).json()
    assert (again["forecast_hours"], again["employees_concerned"]) == ("1000.00", 3)
    assert again["justification"] == draft["justification"]  # untouched fields are kept

    deleted = client.delete(url(draft["id"]), headers=h)
    assert deleted.status_code == 204, deleted.text
    assert_problem(client.get(url(draft["id"]), headers=h), 404, "not_found")


def test_r10_an_empty_draft_may_be_created(client, ctx):
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json={},
    )
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "draft"
    assert response.json()["motive"] is None


def test_r10_a_filed_request_can_no_longer_be_patched_or_deleted(client, ctx):
    h = ctx["headers"]
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")

    assert_problem(
        client.patch(url(request["id"]), headers=h, json={"forecast_hours": "10"}),
        409,
        "invalid_transition",
    )
    assert_problem(client.delete(url(request["id"]), headers=h), 409, "invalid_transition")
    still = client.get(url(request["id"]), headers=h).json()
    assert still["forecast_hours"] == "1500.00"
    assert still["filed_at"] is not None


def test_r10_a_request_is_filed_only_once(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    assert_problem(file_request(client, ctx, request["id"]), 409, "invalid_transition")


# --- R11: completeness -----------------------------------------------------------------------


def test_r11_filing_an_empty_draft_lists_every_missing_field_at_once(client, ctx):
    h = ctx["headers"]
    empty = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=h,
        json={},
    ).json()

    body = assert_problem(file_request(client, ctx, empty["id"]), 422, "incomplete_request")
    assert error_fields(body) == {
        "motive",
        "scope",
        "start_on",
        "end_on",
        "employees_concerned",
        "weekly_hours",
        "forecast_hours",
        "justification",
        "previous_use",
    }
    assert client.get(url(empty["id"]), headers=h).json()["status"] == "draft"


def test_r11_sub_motive_and_commitments_are_required_when_they_apply(client, ctx):
    request = create_request(client, ctx, sub_motive=None, previous_use=True, commitments=None)
    body = assert_problem(file_request(client, ctx, request["id"]), 422, "incomplete_request")
    assert error_fields(body) == {"sub_motive", "commitments"}


def test_r11_forecast_hours_above_capacity_are_refused(client, ctx):
    # 4 employees × 35 h × 107 days / 7 = 2140 h for 2020-03-16 – 2020-06-30
    over = create_request(client, ctx, forecast_hours="2140.01")
    body = assert_problem(file_request(client, ctx, over["id"]), 422, "incomplete_request")
    assert error_fields(body) == {"forecast_hours"}
    client.delete(url(over["id"]), headers=ctx["headers"])

    exact = create_request(client, ctx, forecast_hours="2140")
    assert file_request(client, ctx, exact["id"]).status_code == 200


# --- R12: filing window ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filed_at", "accepted"),
    [
        ("2020-05-31T09:00:00+02:00", True),
        ("2020-06-01T09:00:00+02:00", True),
        ("2020-06-01T23:30:00+02:00", True),  # still 1 June in Paris
        ("2020-06-01T22:30:00+00:00", False),  # already 2 June in Paris
        ("2020-06-02T09:00:00+02:00", False),
    ],
)
def test_r12_motive_1_is_filed_by_its_start_date(client, ctx, filed_at, accepted):
    request = create_request(client, ctx, **motive_1("2020-06-01", "2020-08-31"))
    assert request["filing_deadline"] == "2020-06-01"
    response = file_request(client, ctx, request["id"], filed_at)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 409, "filing_window_closed")


@pytest.mark.parametrize("motive", [MOTIVE_3, "exceptional_circumstances"])
@pytest.mark.parametrize(
    ("filed_at", "accepted"),
    [("2020-07-01T12:00:00+02:00", True), ("2020-07-02T12:00:00+02:00", False)],
)
def test_r12_motives_3_and_5_are_filed_up_to_30_days_after_the_start(
    client, ctx, motive, filed_at, accepted
):
    request = create_request(client, ctx, motive=motive, start_on="2020-06-01", end_on="2020-08-31")
    assert request["filing_deadline"] == "2020-07-01"
    response = file_request(client, ctx, request["id"], filed_at)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 409, "filing_window_closed")


@pytest.mark.parametrize(
    ("filed_at", "accepted"),
    [("2020-04-30T18:00:00+02:00", True), ("2020-05-01T09:00:00+02:00", False)],
)
def test_r12_spring_2020_starts_are_filed_until_30_april_2020(client, ctx, filed_at, accepted):
    request = create_request(client, ctx, **motive_1("2020-03-16", "2020-06-30"))
    assert request["filing_deadline"] == "2020-04-30"
    response = file_request(client, ctx, request["id"], filed_at)
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 409, "filing_window_closed")


# --- R13: length -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("motive", "end_on", "accepted"),
    [
        (MOTIVE_1, "2021-09-30", True),
        (MOTIVE_1, "2021-10-01", False),
        (MOTIVE_3, "2021-12-31", True),
        (MOTIVE_3, "2022-01-01", False),
    ],
)
def test_r13_from_july_2021_three_months_or_six_for_motive_3(client, ctx, motive, end_on, accepted):
    request = create_request(
        client,
        ctx,
        motive=motive,
        sub_motive=None,
        start_on="2021-07-01",
        end_on=end_on,
        forecast_hours="500",
    )
    response = file_request(client, ctx, request["id"], "2021-07-01T09:00:00+02:00")
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 409, "period_too_long")


@pytest.mark.parametrize(("end_on", "accepted"), [("2021-03-15", True), ("2021-03-16", False)])
def test_r13_twelve_months_for_starts_from_march_2020_to_june_2021(client, ctx, end_on, accepted):
    request = create_request(client, ctx, end_on=end_on)
    response = file_request(client, ctx, request["id"])
    if accepted:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 409, "period_too_long")


def accepted_quarter(client, ctx, start_on: str, end_on: str) -> dict[str, Any]:
    request = filed(
        client,
        ctx,
        f"{start_on}T09:00:00+02:00",
        **motive_1(start_on, end_on, forecast_hours="500"),
    )
    response = decide(
        client,
        ctx,
        request["id"],
        **acceptance(decided_on=start_on, authorized_hours="500", authorized_employees=4),
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_r13_a_third_period_breaks_six_months_in_twelve_from_july_2021(client, ctx):
    accepted_quarter(client, ctx, "2021-07-01", "2021-09-30")
    accepted_quarter(client, ctx, "2022-01-01", "2022-03-31")

    third = create_request(
        client, ctx, **motive_1("2022-04-01", "2022-06-30", forecast_hours="500")
    )
    response = file_request(client, ctx, third["id"], "2022-04-01T09:00:00+02:00")
    body = assert_problem(response, 409, "period_too_long")
    assert "R13" in body["detail"]


def test_r13_two_consecutive_quarters_from_july_2021_are_six_months_in_twelve(client, ctx):
    accepted_quarter(client, ctx, "2021-07-01", "2021-09-30")
    second = create_request(
        client, ctx, **motive_1("2021-10-01", "2021-12-31", forecast_hours="500")
    )
    response = file_request(client, ctx, second["id"], "2021-10-01T09:00:00+02:00")
    assert response.status_code == 200, response.text


def test_r13_periods_before_july_2021_do_not_count_in_six_in_twelve(client, ctx):
    earlier = filed(
        client, ctx, "2021-01-04T09:00:00+01:00", **motive_1("2021-01-04", "2021-06-30")
    )
    response = decide(client, ctx, earlier["id"], **acceptance(decided_on="2021-01-10"))
    assert response.status_code == 200, response.text
    accepted_quarter(client, ctx, "2021-07-01", "2021-09-30")


# --- R14: overlap ----------------------------------------------------------------------------


def test_r14_an_overlapping_draft_is_refused_at_creation(client, ctx):
    create_request(client, ctx, start_on="2020-03-16", end_on="2020-06-30")
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(start_on="2020-06-30", end_on="2020-07-31"),
    )
    assert_problem(response, 409, "overlapping_request")


def test_r14_a_patch_that_makes_periods_overlap_is_refused(client, ctx):
    create_request(client, ctx, start_on="2020-03-16", end_on="2020-06-30")
    later = create_request(client, ctx, start_on="2020-07-01", end_on="2020-07-31")
    response = client.patch(
        url(later["id"]), headers=ctx["headers"], json={"start_on": "2020-06-15"}
    )
    assert_problem(response, 409, "overlapping_request")
    assert client.get(url(later["id"]), headers=ctx["headers"]).json()["start_on"] == "2020-07-01"


def test_r14_another_establishment_may_have_the_same_period(client, ctx):
    create_request(client, ctx)
    other = ready_establishment(client)
    assert create_request(client, other)["status"] == "draft"


@pytest.mark.parametrize("outcome", ["refused", "invalidated"])
def test_r14_a_refused_or_invalidated_request_does_not_block_an_overlapping_one(
    client, ctx, outcome
):
    first = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    response = decide(
        client, ctx, first["id"], outcome=outcome, decided_on="2020-03-21", reason="Dossier vide"
    )
    assert response.status_code == 200, response.text

    second = create_request(client, ctx)
    assert file_request(client, ctx, second["id"], "2020-03-25T10:00:00+01:00").status_code == 200


# --- R15: CSE opinion ------------------------------------------------------------------------


@pytest.mark.parametrize(("headcount", "required"), [(49, False), (50, True), (60, True)])
def test_r15_the_cse_opinion_is_required_from_50_employees(client, headcount, required):
    ctx = ready_establishment(client, headcount=headcount)
    request = create_request(client, ctx, cse={"status": "not_required"})
    response = file_request(client, ctx, request["id"])
    if required:
        assert_problem(response, 409, "cse_opinion_required")
    else:
        assert response.status_code == 200, response.text


def test_r15_a_cse_opinion_given_before_filing_is_accepted(client):
    ctx = ready_establishment(client, headcount=60)
    cse = {"status": "given", "consulted_on": "2020-03-18", "opinion": "favourable"}
    request = create_request(client, ctx, cse=cse)
    response = file_request(client, ctx, request["id"])
    assert response.status_code == 200, response.text
    assert response.json()["cse"] == cse


@pytest.mark.parametrize(
    "cse",
    [
        {"status": "given", "consulted_on": "2020-03-21", "opinion": "favourable"},  # after filing
        {"status": "given", "consulted_on": "2020-03-18"},  # no opinion
    ],
)
def test_r15_a_given_cse_opinion_needs_its_date_and_opinion_before_filing(client, cse):
    ctx = ready_establishment(client, headcount=60)
    request = create_request(client, ctx, cse=cse)
    assert_problem(file_request(client, ctx, request["id"]), 409, "cse_opinion_required")


def test_r15_deferral_is_refused_for_motive_1(client):
    ctx = ready_establishment(client, headcount=60)
    request = create_request(
        client, ctx, **motive_1("2020-03-16", "2020-06-30"), cse={"status": "deferred"}
    )
    assert_problem(file_request(client, ctx, request["id"]), 409, "cse_opinion_required")


def test_r15_a_deferred_opinion_for_motive_5_is_due_2_months_after_filing_then_supplied(client):
    ctx = ready_establishment(client, headcount=60)
    h = ctx["headers"]
    request = create_request(client, ctx, cse={"status": "deferred"})
    response = file_request(client, ctx, request["id"], "2020-03-20T10:00:00+01:00")
    assert response.status_code == 200, response.text
    assert response.json()["cse_due_on"] == "2020-05-20"
    assert response.json()["cse"]["status"] == "deferred"

    due = client.get("/v1/deadlines", headers=h, params={"kind": "cse_opinion"}).json()["items"]
    assert [(d["resource_id"], d["due_on"]) for d in due] == [(request["id"], "2020-05-20")]

    supplied = client.post(
        url(request["id"], "cse-opinion"),
        headers=h,
        json={"consulted_on": "2020-04-15", "opinion": "unfavourable"},
    )
    assert supplied.status_code == 200, supplied.text
    assert supplied.json()["cse"] == {
        "status": "given",
        "consulted_on": "2020-04-15",
        "opinion": "unfavourable",
    }
    due = client.get("/v1/deadlines", headers=h, params={"kind": "cse_opinion"}).json()["items"]
    assert due == []

    again = client.post(
        url(request["id"], "cse-opinion"),
        headers=h,
        json={"consulted_on": "2020-04-16", "opinion": "favourable"},
    )
    assert_problem(again, 409, "invalid_transition")


def test_r15_no_cse_opinion_is_supplied_when_none_is_awaited(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    response = client.post(
        url(request["id"], "cse-opinion"),
        headers=ctx["headers"],
        json={"consulted_on": "2020-04-15", "opinion": "favourable"},
    )
    assert_problem(response, 409, "invalid_transition")


# --- R16: implicit acceptance ----------------------------------------------------------------


def test_r16_silence_accepts_2_days_after_a_filing_until_30_september_2020(client, ctx):
    request = filed(
        client, ctx, "2020-09-30T10:00:00+02:00", **motive_1("2020-10-01", "2020-12-31")
    )
    assert at(request["implicit_acceptance_at"]) == datetime(2020, 10, 2, 8, tzinfo=UTC)


@pytest.mark.parametrize(
    ("filed_at", "implicit"),
    [
        ("2020-09-30T23:30:00+02:00", datetime(2020, 10, 2, 21, 30, tzinfo=UTC)),  # 30 Sept
        ("2020-09-30T22:30:00+00:00", datetime(2020, 10, 15, 22, 30, tzinfo=UTC)),  # 1 Oct
    ],
)
def test_r16_the_filing_day_that_sets_the_delay_is_the_day_in_paris(
    client, ctx, filed_at, implicit
):
    request = filed(client, ctx, filed_at, **motive_1("2020-10-01", "2020-12-31"))
    assert at(request["implicit_acceptance_at"]) == implicit


def test_r16_a_filing_is_never_dated_in_the_future(client, ctx, clock):
    clock.current = datetime(2020, 3, 20, 8, tzinfo=UTC)
    request = create_request(client, ctx)
    body = assert_problem(
        file_request(client, ctx, request["id"], "2020-03-20T10:00:00+01:00"),
        422,
        "validation_error",
    )
    assert error_fields(body) == {"filed_at"}


def test_r16_silence_accepts_15_days_after_a_filing_from_1_october_2020(client, ctx, clock):
    h = ctx["headers"]
    clock.current = datetime(2020, 10, 1, 12, tzinfo=UTC)
    request = filed(
        client, ctx, "2020-10-01T10:00:00+02:00", **motive_1("2020-10-01", "2020-12-31")
    )
    implicit = datetime(2020, 10, 16, 8, tzinfo=UTC)
    assert at(request["implicit_acceptance_at"]) == implicit
    assert request["status"] == "filed"
    assert request["authorized"] is None

    clock.current = datetime(2020, 10, 16, 7, 59, 59, tzinfo=UTC)
    assert client.get(url(request["id"]), headers=h).json()["status"] == "filed"

    clock.current = implicit
    now = client.get(url(request["id"]), headers=h).json()
    assert now["status"] == "accepted_implicitly"
    assert now["authorized"]["start_on"] == "2020-10-01"
    assert now["authorized"]["end_on"] == "2020-12-31"
    assert Decimal(now["authorized"]["hours"]) == Decimal(request["forecast_hours"])
    assert now["authorized"]["employees"] == request["employees_concerned"]


# --- R17: decisions --------------------------------------------------------------------------


def test_r17_an_acceptance_needs_its_number_hours_and_employees(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    response = decide(client, ctx, request["id"], outcome="accepted", decided_on="2020-03-21")
    body = assert_problem(response, 422, "validation_error")
    assert error_fields(body) == {"decision_number", "authorized_hours", "authorized_employees"}


@pytest.mark.parametrize(
    ("field", "value"), [("authorized_hours", "1500.01"), ("authorized_employees", 5)]
)
def test_r17_an_acceptance_authorizes_no_more_than_requested(client, ctx, field, value):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    body = assert_problem(
        decide(client, ctx, request["id"], **acceptance(**{field: value})), 422, "validation_error"
    )
    assert error_fields(body) == {field}


def test_r17_an_acceptance_may_authorize_less_than_requested(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    response = decide(
        client, ctx, request["id"], **acceptance(authorized_hours="900", authorized_employees=3)
    )
    assert response.status_code == 200, response.text
    decided = response.json()
    assert decided["status"] == "accepted"
    assert decided["decision_number"] == "DEC-2020-001"
    assert decided["authorized"] == {
        "start_on": "2020-03-16",
        "end_on": "2020-06-30",
        "hours": "900.00",
        "employees": 3,
    }


def test_r17_a_decision_is_never_dated_before_the_filing(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    body = assert_problem(
        decide(client, ctx, request["id"], **acceptance(decided_on="2020-03-19")),
        422,
        "validation_error",
    )
    assert error_fields(body) == {"decided_on"}


def test_r17_a_draft_cannot_be_decided(client, ctx):
    request = create_request(client, ctx)
    assert_problem(decide(client, ctx, request["id"], **acceptance()), 409, "invalid_transition")


@pytest.mark.parametrize("outcome", ["refused", "invalidated"])
def test_r17_refusal_and_invalidation_need_a_reason(client, ctx, outcome):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    body = assert_problem(
        decide(client, ctx, request["id"], outcome=outcome, decided_on="2020-03-21"),
        422,
        "validation_error",
    )
    assert error_fields(body) == {"reason"}


def test_r17_a_refusal_is_final(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    refused = decide(
        client, ctx, request["id"], outcome="refused", decided_on="2020-03-21", reason="Motif"
    )
    assert refused.status_code == 200, refused.text
    assert refused.json()["status"] == "refused"
    assert refused.json()["appeal_until"] == "2020-05-21"
    assert refused.json()["authorized"] is None

    for body in (
        acceptance(),
        {"outcome": "invalidated", "decided_on": "2020-03-25", "reason": "x"},
        {"outcome": "refused", "decided_on": "2020-03-25", "reason": "x"},
    ):
        assert_problem(decide(client, ctx, request["id"], **body), 409, "invalid_transition")
    assert client.get(url(request["id"]), headers=ctx["headers"]).json()["status"] == "refused"


def test_r17_an_accepted_request_can_be_invalidated_and_that_is_final(client, ctx):
    request = accepted_request(client, ctx)
    response = decide(
        client, ctx, request["id"], outcome="invalidated", decided_on="2020-04-10", reason="Fraude"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "invalidated"
    assert response.json()["authorized"] is None

    for body in (
        acceptance(decided_on="2020-04-11"),
        {"outcome": "invalidated", "decided_on": "2020-04-11", "reason": "x"},
        {"outcome": "refused", "decided_on": "2020-04-11", "reason": "x"},
    ):
        assert_problem(decide(client, ctx, request["id"], **body), 409, "invalid_transition")


def test_r17_an_accepted_request_is_not_accepted_or_refused_again(client, ctx):
    request = accepted_request(client, ctx)
    assert_problem(
        decide(client, ctx, request["id"], **acceptance(decided_on="2020-04-01")),
        409,
        "invalid_transition",
    )
    assert_problem(
        decide(client, ctx, request["id"], outcome="refused", decided_on="2020-04-01", reason="x"),
        409,
        "invalid_transition",
    )


def test_r17_an_implicit_acceptance_can_be_invalidated(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    assert request["status"] == "accepted_implicitly"
    response = decide(
        client, ctx, request["id"], outcome="invalidated", decided_on="2020-04-10", reason="Retrait"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "invalidated"


def test_r17_a_refusal_dated_after_the_implicit_acceptance_is_refused(client, ctx):
    # filed 2020-03-20 10:00 Paris: silence accepts on 2020-03-22 at 10:00 Paris (R16)
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    response = decide(
        client, ctx, request["id"], outcome="refused", decided_on="2020-03-23", reason="Trop tard"
    )
    assert_problem(response, 409, "invalid_transition")
    assert (
        client.get(url(request["id"]), headers=ctx["headers"]).json()["status"]
        == "accepted_implicitly"
    )


def test_r17_a_refusal_dated_before_the_implicit_acceptance_but_recorded_later_stands(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    assert request["status"] == "accepted_implicitly"  # the clock is years later
    response = decide(
        client, ctx, request["id"], outcome="refused", decided_on="2020-03-21", reason="Motif"
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "refused"
    assert response.json()["decided_on"] == "2020-03-21"


def test_r17_an_explicit_acceptance_replaces_the_implicit_terms(client, ctx):
    request = filed(client, ctx, "2020-03-20T10:00:00+01:00")
    assert request["authorized"]["hours"] == "1500.00"
    response = decide(client, ctx, request["id"], **acceptance(authorized_hours="1000"))
    assert response.status_code == 200, response.text
    assert response.json()["authorized"]["hours"] == "1000.00"


# --- lists -----------------------------------------------------------------------------------


@pytest.fixture
def portfolio(client, clock) -> dict[str, Any]:
    """One establishment with a request in each status, seen on 2020-10-05."""
    ctx = ready_establishment(client)
    clock.current = datetime(2020, 10, 5, 12, tzinfo=UTC)
    implicit = filed(
        client,
        ctx,
        "2020-03-20T10:00:00+01:00",
        start_on="2020-03-16",
        end_on="2020-04-30",
        forecast_hours="900",
    )
    accepted = filed(
        client,
        ctx,
        "2020-05-01T10:00:00+02:00",
        start_on="2020-05-01",
        end_on="2020-06-30",
        forecast_hours="1000",
    )
    response = decide(
        client, ctx, accepted["id"], **acceptance(decided_on="2020-05-02", authorized_hours="1000")
    )
    assert response.status_code == 200, response.text
    refused = filed(
        client,
        ctx,
        "2020-07-01T10:00:00+02:00",
        start_on="2020-07-01",
        end_on="2020-07-31",
        forecast_hours="500",
    )
    response = decide(
        client, ctx, refused["id"], outcome="refused", decided_on="2020-07-02", reason="Motif"
    )
    assert response.status_code == 200, response.text
    pending = filed(
        client, ctx, "2020-10-01T10:00:00+02:00", **motive_1("2020-10-01", "2020-12-31")
    )
    draft = create_request(
        client,
        ctx,
        motive="supply_difficulties",
        sub_motive=None,
        start_on="2021-01-01",
        end_on="2021-03-31",
    )
    return {
        "ctx": ctx,
        "accepted_implicitly": implicit["id"],
        "accepted": accepted["id"],
        "refused": refused["id"],
        "filed": pending["id"],
        "draft": draft["id"],
    }


def listed(client, ctx, **params: Any) -> list[str]:
    response = client.get("/v1/authorization-requests", headers=ctx["headers"], params=params)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


@pytest.mark.parametrize("status", ["draft", "filed", "accepted_implicitly", "accepted", "refused"])
def test_list_filters_by_status_as_derived_now(client, portfolio, status):
    items = listed(client, portfolio["ctx"], status=status)
    assert items == [portfolio[status]]


def test_list_items_carry_their_derived_status(client, portfolio):
    response = client.get("/v1/authorization-requests", headers=portfolio["ctx"]["headers"])
    statuses = {item["id"]: item["status"] for item in response.json()["items"]}
    expected = ("draft", "filed", "accepted_implicitly", "accepted", "refused")
    assert statuses == {portfolio[s]: s for s in expected}


def test_list_filters_by_motive(client, portfolio):
    ctx = portfolio["ctx"]
    assert listed(client, ctx, motive="supply_difficulties") == [portfolio["draft"]]
    assert listed(client, ctx, motive=MOTIVE_1) == [portfolio["filed"]]
    assert set(listed(client, ctx, motive="exceptional_circumstances")) == {
        portfolio["accepted_implicitly"],
        portfolio["accepted"],
        portfolio["refused"],
    }


def test_list_filters_by_period(client, portfolio):
    ctx = portfolio["ctx"]
    assert set(listed(client, ctx, period_from="2020-09-01")) == {
        portfolio["filed"],
        portfolio["draft"],
    }
    assert listed(client, ctx, period_to="2020-04-30") == [portfolio["accepted_implicitly"]]
    assert set(listed(client, ctx, period_from="2020-04-01", period_to="2020-05-15")) == {
        portfolio["accepted_implicitly"],
        portfolio["accepted"],
    }
    assert listed(client, ctx, period_from="2021-04-01") == []


def test_list_paginates_with_limit_and_cursor(client, portfolio):
    ctx = portfolio["ctx"]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = client.get("/v1/authorization-requests", headers=ctx["headers"], params=params)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["id"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 5
    expected = ("draft", "filed", "accepted_implicitly", "accepted", "refused")
    assert set(seen) == {portfolio[s] for s in expected}


def test_list_shows_only_the_callers_firm(client, clock, portfolio):
    seen_on, clock.current = clock.current, datetime.now(UTC)  # tokens are minted on real time
    other = ready_establishment(client)
    create_request(client, other)
    clock.current = seen_on
    assert len(listed(client, other)) == 1
    assert len(listed(client, portfolio["ctx"])) == 5


# --- R15: the CSE minutes document -----------------------------------------------------------


def upload(client, ctx, request_id, content=PDF, name="pv-cse.pdf"):
    return client.post(
        f"/v1/authorization-requests/{request_id}/cse-minutes",
        headers=ctx["headers"],
        files={"document": (name, content, "application/pdf")},
    )


def test_cse_minutes_are_kept_and_returned_byte_for_byte(client):
    ctx = ready_establishment(client, headcount=80)
    request = create_request(
        client, ctx, cse={"status": "given", "consulted_on": "2020-03-10", "opinion": "favourable"}
    )
    content = blank_pdf(padding=10_240)
    response = upload(client, ctx, request["id"], content)
    assert response.status_code == 200, response.text
    assert response.json()["cse_minutes_sha256"] == hashlib.sha256(content).hexdigest()
    download = client.get(
        f"/v1/authorization-requests/{request['id']}/cse-minutes", headers=ctx["headers"]
    )
    assert download.status_code == 200
    assert download.content == content
    assert download.headers["x-content-sha256"] == hashlib.sha256(content).hexdigest()


def test_cse_minutes_must_be_a_pdf_whatever_the_file_name(client):
    ctx = ready_establishment(client)
    request = create_request(client, ctx)
    response = upload(client, ctx, request["id"], b"PK\x03\x04 not a pdf", name="pv.pdf")
    assert response.status_code == 415
    assert response.json()["code"] == "unsupported_file_type"
    missing = client.get(
        f"/v1/authorization-requests/{request['id']}/cse-minutes", headers=ctx["headers"]
    )
    assert missing.status_code == 404


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_cse_minutes_with_a_pdf_header_that_are_no_pdf_are_415(client, name):
    ctx = ready_establishment(client)
    request = create_request(client, ctx)
    response = upload(client, ctx, request["id"], HOSTILE[name])
    assert_problem(response, 415, "unsupported_file_type")


def test_encrypted_cse_minutes_are_422_naming_the_rule(client):
    ctx = ready_establishment(client)
    request = create_request(client, ctx)
    response = upload(client, ctx, request["id"], blank_pdf(password="secret"))
    body = assert_problem(response, 422, "validation_error")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("document", "pdf_encrypted")]


def test_cse_minutes_cannot_be_replaced_after_filing_unless_deferred(client):
    ctx = ready_establishment(client)
    request = create_request(client, ctx)
    assert file_request(client, ctx, request["id"]).status_code == 200
    response = upload(client, ctx, request["id"])
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
