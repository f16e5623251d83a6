"""Withdrawal of a filed claim (R24, changed): only while it awaits its decision, with a date
and a reason, for good. A withdrawn claim no longer counts (R3, R22), its month is due again
(R25) and may be claimed again, as a new claim or as a correction of the withdrawn one."""

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.support.builders import firm_headers
from tests.support.lifecycle import (
    accepted_request,
    create_claim,
    create_request,
    file_request,
    get_claim,
    line,
    ok,
    ready_establishment,
)
from tests.support.problems import assert_problem, error_fields

WITHDRAWAL = {"on": "2020-05-06", "reason": "  Heures de E1 saisies deux fois  "}


def act(client, ctx, claim_id: str, action: str, body: dict[str, Any] | None = None, **headers):
    return client.post(
        f"/v1/claims/{claim_id}/{action}", headers={**ctx["headers"], **headers}, json=body or {}
    )


def filed_claim(
    client, ctx, request_id: str, month: str = "2020-04", hours: str = "80"
) -> dict[str, Any]:
    """A claim of one line filed on the 4th of the next month."""
    draft = ok(
        create_claim(
            client, ctx, request_id, month, [line("E1", hours_not_worked=hours)], f"{month}-28"
        ),
        201,
    )
    next_month = {"2020-03": "2020-04", "2020-04": "2020-05", "2020-05": "2020-06"}[month]
    return ok(act(client, ctx, draft["id"], "file", {"filed_on": f"{next_month}-04"}))


def authorized(client, ctx, hours: str) -> dict[str, Any]:
    """A request for 2020-03-16 – 2020-06-30 accepted for `hours` and 4 employees."""
    request = create_request(client, ctx, forecast_hours="1500")
    assert file_request(client, ctx, request["id"]).status_code == 200
    decision = {
        "outcome": "accepted",
        "decided_on": "2020-03-25",
        "decision_number": "DEC-W",
        "authorized_hours": hours,
        "authorized_employees": 4,
    }
    url = f"/v1/authorization-requests/{request['id']}/decision"
    return ok(client.post(url, headers=ctx["headers"], json=decision))


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


@pytest.fixture
def request_id(client, ctx) -> str:
    return accepted_request(client, ctx)["id"]


# --- the step itself --------------------------------------------------------------------------


def test_r24_a_filed_claim_is_withdrawn_with_its_date_and_trimmed_reason(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    response = act(client, ctx, claim["id"], "withdraw", WITHDRAWAL)
    body = ok(response)
    assert body["status"] == "withdrawn"
    assert body["withdrawn_on"] == "2020-05-06"
    assert body["withdraw_reason"] == "Heures de E1 saisies deux fois"
    assert body["filed_on"] == "2020-05-04"  # the filing stays recorded
    assert response.headers["etag"] == '"3"'  # created, filed, withdrawn
    assert get_claim(client, ctx, claim["id"]) == body
    listed = ok(client.get("/v1/claims", headers=ctx["headers"], params={"status": "withdrawn"}))
    assert [(c["id"], c["withdrawn_on"]) for c in listed["items"]] == [(claim["id"], "2020-05-06")]


def test_r24_the_withdrawal_date_defaults_to_today_in_paris(client, ctx, request_id, clock):
    claim = filed_claim(client, ctx, request_id)
    clock.current = datetime(2020, 5, 31, 22, 30, tzinfo=UTC)  # 1 June, 00:30 in Paris
    body = ok(act(client, ctx, claim["id"], "withdraw", {"reason": "Erreur"}))
    assert body["withdrawn_on"] == "2020-06-01"


@pytest.mark.parametrize("step", ["draft", "validate", "reject", "paid", "withdraw"])
def test_r24_only_a_filed_claim_awaiting_its_decision_can_be_withdrawn(
    client, ctx, request_id, step
):
    steps = {
        "validate": [("file", {"filed_on": "2020-05-04"}), ("validate", {"on": "2020-05-10"})],
        "reject": [("file", {"filed_on": "2020-05-04"}), ("reject", {"reason": "Pièces"})],
        "withdraw": [("file", {"filed_on": "2020-05-04"}), ("withdraw", WITHDRAWAL)],
        "paid": [
            ("file", {"filed_on": "2020-05-04"}),
            ("validate", {"on": "2020-05-10"}),
            ("paid", {"paid_on": "2020-05-15", "amount": "700.00"}),
        ],
        "draft": [],
    }[step]
    claim = ok(create_claim(client, ctx, request_id), 201)
    for action, body in steps:
        ok(act(client, ctx, claim["id"], action, body))
    before = get_claim(client, ctx, claim["id"])
    problem = assert_problem(
        act(client, ctx, claim["id"], "withdraw", WITHDRAWAL), 409, "invalid_transition"
    )
    assert problem["detail"] == f"A claim in status {before['status']} cannot be withdrawn"
    assert get_claim(client, ctx, claim["id"]) == before


def test_r24_a_withdrawal_is_final(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    ok(act(client, ctx, claim["id"], "withdraw", WITHDRAWAL))
    for action, body in (
        ("validate", {"on": "2020-05-10"}),
        ("reject", {"reason": "Pièces manquantes"}),
        ("paid", {"paid_on": "2020-05-15", "amount": "700.00"}),
        ("file", {"filed_on": "2020-05-10"}),
    ):
        assert_problem(act(client, ctx, claim["id"], action, body), 409, "invalid_transition")
    assert client.delete(f"/v1/claims/{claim['id']}", headers=ctx["headers"]).status_code == 409
    assert get_claim(client, ctx, claim["id"])["status"] == "withdrawn"


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        ({"on": "2020-05-06"}, "reason", "missing"),
        ({"on": "2020-05-06", "reason": "   "}, "reason", "string_too_short"),
        ({"on": "2020-05-06", "reason": "x" * 5001}, "reason", "string_too_long"),
        ({"on": "2999-01-01", "reason": "Erreur"}, "on", "date_out_of_range"),
        ({"on": "06/05/2020", "reason": "Erreur"}, "on", "date_format"),
        ({"reason": "Erreur", "status": "withdrawn"}, "status", "extra_forbidden"),
    ],
)
def test_r24_a_withdrawal_without_a_reason_or_with_a_bad_date_is_422(
    client, ctx, request_id, body, field, kind
):
    claim = filed_claim(client, ctx, request_id)
    problem = assert_problem(
        act(client, ctx, claim["id"], "withdraw", body), 422, "validation_error"
    )
    assert error_fields(problem) == {field}
    assert problem["errors"][0]["type"] == kind
    assert get_claim(client, ctx, claim["id"])["status"] == "filed"


def test_r24_a_withdrawal_is_never_dated_in_the_future_nor_before_the_filing(
    client, ctx, request_id, clock
):
    claim = filed_claim(client, ctx, request_id)
    clock.current = datetime(2020, 5, 20, 10, tzinfo=UTC)
    future = act(client, ctx, claim["id"], "withdraw", {"on": "2020-05-21", "reason": "Erreur"})
    assert assert_problem(future, 422, "validation_error")["errors"][0]["type"] == "date_in_future"
    early = act(client, ctx, claim["id"], "withdraw", {"on": "2020-05-03", "reason": "Erreur"})
    problem = assert_problem(early, 422, "validation_error")
    assert problem["errors"][0]["field"] == "on"
    assert "2020-05-04" in problem["errors"][0]["message"]
    same_day = act(client, ctx, claim["id"], "withdraw", {"on": "2020-05-04", "reason": "Erreur"})
    assert ok(same_day)["withdrawn_on"] == "2020-05-04"


def test_r24_a_stale_if_match_on_the_withdrawal_is_412_and_writes_nothing(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    stale = act(client, ctx, claim["id"], "withdraw", WITHDRAWAL, **{"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition_failed")
    assert get_claim(client, ctx, claim["id"])["status"] == "filed"
    fresh = act(client, ctx, claim["id"], "withdraw", WITHDRAWAL, **{"If-Match": '"2"'})
    assert fresh.headers["etag"] == '"3"'


def test_r4_another_firms_claim_cannot_be_withdrawn(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    _, other = firm_headers(client)
    response = client.post(f"/v1/claims/{claim['id']}/withdraw", headers=other, json=WITHDRAWAL)
    assert_problem(response, 404, "not_found")
    assert get_claim(client, ctx, claim["id"])["status"] == "filed"


def test_r26_the_withdrawal_is_an_event_of_the_change_feed(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    ok(act(client, ctx, claim["id"], "withdraw", WITHDRAWAL))
    feed = ok(
        client.get(
            "/v1/events", headers=ctx["headers"], params={"after": "0", "resource_id": claim["id"]}
        )
    )
    assert [(e["action"], e["status_before"], e["status_after"]) for e in feed["items"]] == [
        ("claim.created", None, "draft"),
        ("claim.filed", "draft", "filed"),
        ("claim.withdrawn", "filed", "withdrawn"),
    ]
    assert feed["items"][-1]["establishment_id"] == ctx["establishment"]["id"]


# --- what a withdrawn claim no longer does ------------------------------------------------------


def test_r22_a_withdrawn_claim_no_longer_uses_the_authorized_hours(client, ctx):
    request = authorized(client, ctx, hours="100")
    april, may = (
        ok(
            create_claim(
                client,
                ctx,
                request["id"],
                month,
                [line("E1", hours_not_worked=hours)],
                f"{month}-28",
            ),
            201,
        )
        for month, hours in (("2020-04", "80"), ("2020-05", "60"))
    )
    ok(act(client, ctx, april["id"], "file", {"filed_on": "2020-05-04"}))
    refused = act(client, ctx, may["id"], "file", {"filed_on": "2020-06-04"})
    assert assert_problem(refused, 409, "hours_exceed_authorized")["detail"].endswith(
        "20.00 h remain authorized (R22)"
    )
    ok(act(client, ctx, april["id"], "withdraw", WITHDRAWAL))
    assert ok(act(client, ctx, may["id"], "file", {"filed_on": "2020-06-04"}))["status"] == "filed"
    summary = ok(
        client.get(
            f"/v1/establishments/{ctx['establishment']['id']}/summary", headers=ctx["headers"]
        )
    )
    (item,) = summary["authorizations"]
    assert (item["hours_claimed"], item["hours_remaining"], item["claims"]) == ("60.00", "40.00", 1)


def test_r3_a_withdrawn_claim_no_longer_keeps_the_establishment_active(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    archive = f"/v1/establishments/{ctx['establishment']['id']}/archive"
    assert_problem(client.post(archive, headers=ctx["headers"]), 409, "establishment_busy")
    ok(act(client, ctx, claim["id"], "withdraw", WITHDRAWAL))
    assert ok(client.post(archive, headers=ctx["headers"]))["status"] == "archived"


def claim_deadline_months(client, ctx) -> list[str]:
    page = ok(
        client.get(
            "/v1/deadlines",
            headers=ctx["headers"],
            params={"kind": "claim", "establishment_id": ctx["establishment"]["id"]},
        )
    )
    return [d["month"] for d in page["items"]]


def test_r25_a_withdrawn_claims_month_is_due_again_until_another_version_is_filed(
    client, ctx, request_id
):
    due = claim_deadline_months(client, ctx)
    assert "2020-04" in due
    claim = filed_claim(client, ctx, request_id)
    assert "2020-04" not in claim_deadline_months(client, ctx)
    ok(act(client, ctx, claim["id"], "withdraw", WITHDRAWAL))
    assert claim_deadline_months(client, ctx) == due
    again = ok(create_claim(client, ctx, request_id, "2020-04", [line("E1")], "2020-04-28"), 201)
    assert again["version"] == 2 and again["corrects_id"] is None
    assert claim_deadline_months(client, ctx) == due  # a draft is not a filing
    ok(act(client, ctx, again["id"], "file", {"filed_on": "2020-05-10"}))
    assert "2020-04" not in claim_deadline_months(client, ctx)


# --- claiming the month again -------------------------------------------------------------------


def test_r24_a_withdrawn_claim_is_corrected_as_its_next_version_with_its_lines(
    client, ctx, request_id
):
    claim = filed_claim(client, ctx, request_id, hours="75")
    ok(act(client, ctx, claim["id"], "withdraw", WITHDRAWAL))
    correction = ok(
        client.post(
            f"/v1/claims/{claim['id']}/corrections",
            headers={**ctx["headers"], "If-Match": '"3"'},
            json={},
        ),
        201,
    )
    assert correction["status"] == "draft"
    assert (correction["version"], correction["corrects_id"]) == (2, claim["id"])
    assert [(ln["employee_ref"], ln["hours_not_worked"]) for ln in correction["lines"]] == [
        ("E1", "75.00")
    ]
    # one next version only: the month now has a live draft
    again = create_claim(client, ctx, request_id, "2020-04", [line("E1")], "2020-04-28")
    assert_problem(again, 409, "duplicate_claim_month")
    twice = client.post(f"/v1/claims/{claim['id']}/corrections", headers=ctx["headers"], json={})
    assert_problem(twice, 409, "duplicate_claim_month")


def test_r24_a_withdrawn_claim_claimed_again_cannot_also_be_corrected(client, ctx, request_id):
    claim = filed_claim(client, ctx, request_id)
    ok(act(client, ctx, claim["id"], "withdraw", WITHDRAWAL))
    ok(create_claim(client, ctx, request_id, "2020-04", [line("E1")], "2020-04-28"), 201)
    response = client.post(f"/v1/claims/{claim['id']}/corrections", headers=ctx["headers"], json={})
    assert_problem(response, 409, "duplicate_claim_month")


@pytest.mark.parametrize("status", ["draft", "filed", "validated", "rejected"])
def test_r24_only_a_paid_or_withdrawn_claim_is_corrected(client, ctx, request_id, status):
    claim = ok(create_claim(client, ctx, request_id), 201)
    steps = {
        "draft": [],
        "filed": [("file", {"filed_on": "2020-05-04"})],
        "validated": [("file", {"filed_on": "2020-05-04"}), ("validate", {"on": "2020-05-10"})],
        "rejected": [("file", {"filed_on": "2020-05-04"}), ("reject", {"reason": "Pièces"})],
    }[status]
    for action, body in steps:
        ok(act(client, ctx, claim["id"], action, body))
    response = client.post(f"/v1/claims/{claim['id']}/corrections", headers=ctx["headers"], json={})
    problem = assert_problem(response, 409, "invalid_transition")
    assert problem["detail"] == (
        f"A claim in status {status} cannot be corrected (only a paid or withdrawn claim is)"
    )


def two_lines(hours: str) -> list[dict[str, Any]]:
    return [line(ref, hours_not_worked=hours) for ref in ("E1", "E2")]


def test_r22_a_correction_chain_counts_only_its_latest_version(client, ctx):
    """A paid claim, its correction filed then withdrawn, corrected again: the paid first
    version is superseded too, so its hours do not count beside the third version's."""
    request = authorized(client, ctx, hours="200")
    first = filed_claim(client, ctx, request["id"], "2020-04", hours="80")
    ok(act(client, ctx, first["id"], "validate", {"on": "2020-05-10"}))
    ok(act(client, ctx, first["id"], "paid", {"paid_on": "2020-05-15", "amount": "700.00"}))
    second = ok(act(client, ctx, first["id"], "corrections", {}), 201)
    ok(act(client, ctx, second["id"], "file", {"filed_on": "2020-05-20"}))
    ok(act(client, ctx, second["id"], "withdraw", {"on": "2020-05-21", "reason": "Erreur"}))
    # two employees: each line within the legal hours of a month
    too_much = act(client, ctx, second["id"], "corrections", {"lines": two_lines("100.50")})
    assert assert_problem(too_much, 409, "hours_exceed_authorized")["detail"].endswith(
        "200.00 h remain authorized (R22)"
    )
    third = ok(act(client, ctx, second["id"], "corrections", {"lines": two_lines("75")}), 201)
    assert third["version"] == 3
    filed = ok(act(client, ctx, third["id"], "file", {"filed_on": "2020-05-25"}))
    assert filed["total_hours"] == "150.00"
