"""The deadlines view (R25) over HTTP: what each resource owes, filters, order and pages."""

import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.platform.test_contract import OPERATIONS
from tests.support.lifecycle import (
    accepted_request,
    another_client,
    create_claim,
    create_request,
    decide_request,
    filed,
    pay_claim,
    ready_establishment,
)
from tests.support.problems import assert_problem

DEADLINE_FIELDS = {
    "kind",
    "due_on",
    "overdue",
    "establishment_id",
    "resource_type",
    "resource_id",
    "description",
}


def deadlines(client, ctx, **params: Any) -> list[dict[str, Any]]:
    response = client.get("/v1/deadlines", headers=ctx["headers"], params=params)
    assert response.status_code == 200, response.text
    assert response.json()["next_cursor"] is None
    return response.json()["items"]


def summary(items: list[dict[str, Any]]) -> list[tuple[str, str, bool]]:
    return [(d["kind"], d["due_on"], d["overdue"]) for d in items]


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
    decide_request(
        client, ctx, request["id"], outcome="refused", decided_on="2020-03-21", reason="Non"
    )

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
    pay_claim(client, ctx, claim["id"])
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
    decide_request(
        client, ctx, request["id"], outcome="invalidated", decided_on="2020-04-01", reason="x"
    )
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
    decide_request(
        client, other, refused["id"], outcome="refused", decided_on="2020-07-15", reason="Non"
    )
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


def test_r25_a_deadline_cursor_is_a_position_its_pattern_states(client, agenda):
    """Any value of the cursor's pattern is a position in the order (a forged one included);
    anything else is a 422: the document says the whole rule."""
    ctx = agenda["ctx"]
    first = client.get("/v1/deadlines", headers=ctx["headers"], params={"limit": 3}).json()
    (param,) = [p for p in OPERATIONS["deadlines-list"]["parameters"] if p["name"] == "cursor"]
    pattern = re.compile(param["schema"]["pattern"])
    assert pattern.search(first["next_cursor"])
    forged = f"2000-01-01.claim.{uuid.UUID(int=0)}."
    assert pattern.search(forged)
    response = client.get("/v1/deadlines", headers=ctx["headers"], params={"cursor": forged})
    assert response.json()["items"] == deadlines(client, ctx)  # before everything
    for junk in ("", "2020-04-15.claim", "2020-04-15.nope." + str(uuid.UUID(int=0)) + "."):
        assert not pattern.search(junk)
        response = client.get("/v1/deadlines", headers=ctx["headers"], params={"cursor": junk})
        assert_problem(response, 422, "validation_error")


def test_r25_another_firm_sees_none_of_the_deadlines(client, clock, agenda):
    clock.current = datetime.now(UTC)  # tokens are minted on real time
    stranger = ready_establishment(client)
    assert deadlines(client, stranger) == []
    assert deadlines(client, stranger, client_id=agenda["ctx"]["client"]["id"]) == []


def test_r21_apart_stops_6_months_after_the_end_and_the_view_warns_within_a_12_month_bar(
    client, ctx, clock
):
    accepted_request(client, ctx)  # ends 2020-06-30: time bar 2021-06-30, APART 2020-12-30
    clock.current = datetime(2020, 12, 30, 12, tzinfo=UTC)
    items = deadlines(client, ctx, kind="claim")
    assert items and all(d["warnings"] == [] for d in items)
    assert all("ASP" not in d["description"] for d in items)

    clock.current = datetime(2020, 12, 31, 12, tzinfo=UTC)
    items = deadlines(client, ctx, kind="claim")
    assert items and all(d["warnings"] == ["apart_unblock_needed"] for d in items)
    assert all("2020-12-30" in d["description"] and "R21" in d["description"] for d in items)
    assert all((d["due_on"], d["overdue"]) == ("2021-06-30", False) for d in items)

    clock.current = datetime(2021, 7, 1, 12, tzinfo=UTC)  # past the bar: time-barred, no warning
    items = deadlines(client, ctx, kind="claim")
    assert items and all(d["overdue"] and d["warnings"] == [] for d in items)


def test_r21_no_apart_warning_where_the_time_bar_is_6_months(client, ctx, clock):
    # ended 2020-09-30 (from July 2020): the time bar and APART's limit are both 2021-03-30
    request = filed(
        client, ctx, "2020-07-01T10:00:00+02:00", start_on="2020-07-01", end_on="2020-09-30"
    )
    decide_request(
        client,
        ctx,
        request["id"],
        outcome="accepted",
        decided_on="2020-07-02",
        decision_number="DEC-2020-002",
        authorized_hours="600",
        authorized_employees=4,
    )
    clock.current = datetime(2021, 3, 31, 12, tzinfo=UTC)
    items = deadlines(client, ctx, kind="claim")
    assert items and all(d["warnings"] == [] and d["overdue"] for d in items)
