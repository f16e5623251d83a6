"""Claw-backs (ordres de reversement, R42) of a paid claim over HTTP: recorded from the ASP's
notice (`to_issue`), issued or cancelled; never more, together, than the amount paid. The
claim stays paid and shows what it kept; the summary and the deadlines view count them."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from app.claims.claw_backs import rules
from app.claims.claw_backs.errors import ClawBackExceedsPaid
from app.claims.claw_backs.models import ClawBackStatus
from app.errors import InvalidTransition
from tests.claims.test_hot_paths import counting
from tests.support.builders import bearer, firm_headers, token
from tests.support.lifecycle import (
    accepted_request,
    create_claim,
    get_claim,
    line,
    ok,
    ready_establishment,
    walk_claim,
)
from tests.support.problems import assert_problem, error_fields

PAID = "1000.00"
NOTICE = {
    "amount": "250.00",
    "reason": "  Heures de E1 au-delà du contrat  ",
    "noticed_on": "2020-09-14",
}


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    return ready_establishment(client)


@pytest.fixture
def request_id(client, ctx) -> str:
    return accepted_request(client, ctx)["id"]


def paid_claim(client, ctx, request_id: str, month: str = "2020-04", amount: str = PAID) -> str:
    """The id of a claim of `month` (2020), filed on the 4th of the next month, validated on
    the 10th and paid `amount` on the 15th (April: paid 2020-05-15)."""
    claim = ok(create_claim(client, ctx, request_id, month, [line("E1")], f"{month}-28"), 201)
    after = f"2020-{int(month[5:]) + 1:02d}"
    walk_claim(
        client,
        ctx["headers"],
        claim["id"],
        [
            ("file", {"filed_on": f"{after}-04"}),
            ("validate", {"on": f"{after}-10"}),
            ("paid", {"paid_on": f"{after}-15", "amount": amount}),
        ],
    )
    return claim["id"]


@pytest.fixture
def claim_id(client, ctx, request_id) -> str:
    return paid_claim(client, ctx, request_id)


def notify(client, ctx, claim_id: str, headers: dict[str, str] | None = None, **body: Any):
    return client.post(
        f"/v1/claims/{claim_id}/claw-backs",
        headers={**ctx["headers"], **(headers or {})},
        json={**NOTICE, **body},
    )


def step(
    client, ctx, claw_back_id: str, action: str, body: dict[str, Any] | None = None, **headers
):
    return client.post(
        f"/v1/claw-backs/{claw_back_id}/{action}",
        headers={**ctx["headers"], **headers},
        json=body if body is not None else {},
    )


def claw_back(client, ctx, claim_id: str, **body: Any) -> dict[str, Any]:
    return ok(notify(client, ctx, claim_id, **body), 201)


def issued(client, ctx, claim_id: str, amount: str, on: str = "2020-10-01", **body: Any) -> dict:
    created = claw_back(client, ctx, claim_id, amount=amount, **body)
    return ok(step(client, ctx, created["id"], "issue", {"on": on}))


def amounts(client, ctx, claim_id: str) -> tuple[str, Any]:
    claim = get_claim(client, ctx, claim_id)
    return claim["clawed_back"], claim["net_amount_received"]


# --- the pure rules ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "already", "allowed"),
    [
        ("1000.00", "0", True),
        ("1000.01", "0", False),
        ("0.01", "999.99", True),
        ("0.02", "999.99", False),
        ("400.00", "600.00", True),
        ("400.01", "600.00", False),
    ],
)
def test_r42_claw_backs_not_cancelled_never_exceed_the_amount_paid(amount, already, allowed):
    def check() -> None:
        rules.check_amount(Decimal(amount), paid=Decimal(PAID), already=Decimal(already))

    if allowed:
        check()
    else:
        with pytest.raises(ClawBackExceedsPaid) as raised:
            check()
        assert raised.value.remaining == Decimal(PAID) - Decimal(already)


@pytest.mark.parametrize(
    ("status", "step_", "allowed"),
    [
        (ClawBackStatus.to_issue, "issued", True),
        (ClawBackStatus.issued, "issued", False),
        (ClawBackStatus.cancelled, "issued", False),
        (ClawBackStatus.to_issue, "cancelled", True),
        (ClawBackStatus.issued, "cancelled", True),
        (ClawBackStatus.cancelled, "cancelled", False),
    ],
)
def test_r42_to_issue_then_issued_either_may_end_cancelled(status, step_, allowed):
    if allowed:
        rules.check_step(status, step_)
    else:
        with pytest.raises(InvalidTransition):
            rules.check_step(status, step_)


# --- creating ---------------------------------------------------------------------------------


def test_r42_a_paid_claims_claw_back_is_recorded_to_issue(client, ctx, claim_id):
    before = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"])
    response = notify(client, ctx, claim_id)
    body = ok(response, 201)
    assert response.headers["etag"] == '"1"'
    assert body["claim_id"] == claim_id
    assert body["status"] == "to_issue"
    assert (body["amount"], body["reason"]) == ("250.00", "Heures de E1 au-delà du contrat")
    assert (body["noticed_on"], body["issued_on"], body["cancelled_on"]) == (
        "2020-09-14",
        None,
        None,
    )
    assert body["cancel_reason"] is None
    got = client.get(f"/v1/claw-backs/{body['id']}", headers=ctx["headers"])
    assert ok(got) == body and got.headers["etag"] == '"1"'
    # the claim stays paid, and a notice alone takes nothing back
    after = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"])
    assert after.json()["status"] == "paid"
    assert amounts(client, ctx, claim_id) == ("0.00", PAID)
    assert after.headers["etag"] == before.headers["etag"]


def test_r42_the_notice_date_defaults_to_today_in_paris(client, ctx, claim_id, clock):
    clock.current = datetime(2020, 9, 30, 22, 30, tzinfo=UTC)  # 1 October, 00:30 in Paris
    body = {k: v for k, v in NOTICE.items() if k != "noticed_on"}
    response = client.post(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"], json=body)
    assert ok(response, 201)["noticed_on"] == "2020-10-01"


@pytest.mark.parametrize(
    ("amount", "kind"),
    [
        ("0", "greater_than"),
        ("0.00", "greater_than"),
        ("-5.00", "decimal_format"),
        ("12,50", "decimal_comma"),
        ("1.005", "decimal_format"),
        ("10000000000.00", "decimal_format"),
        (None, "missing"),
    ],
)
def test_r42_a_claw_back_amount_is_a_decimal_above_zero(client, ctx, claim_id, amount, kind):
    body = {k: v for k, v in NOTICE.items() if k != "amount"}
    if amount is not None:
        body["amount"] = amount
    response = client.post(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"], json=body)
    problem = assert_problem(response, 422, "validation_error")
    assert error_fields(problem) == {"amount"}
    assert problem["errors"][0]["type"] == kind


def test_r42_one_claw_back_may_take_back_exactly_the_amount_paid_not_a_cent_more(
    client, ctx, claim_id
):
    over = assert_problem(
        notify(client, ctx, claim_id, amount="1000.01"), 409, "claw_back_exceeds_paid"
    )
    assert "at most 1000.00 remain (R42)" in over["detail"]
    assert claw_back(client, ctx, claim_id, amount=PAID)["amount"] == PAID


def test_r42_the_claw_backs_not_cancelled_together_never_exceed_the_amount_paid(
    client, ctx, claim_id
):
    first = claw_back(client, ctx, claim_id, amount="600.00")
    ok(step(client, ctx, first["id"], "issue", {"on": "2020-10-01"}))
    second = claw_back(client, ctx, claim_id, amount="300.00")  # still to issue: it counts too
    over = notify(client, ctx, claim_id, amount="100.01")
    problem = assert_problem(over, 409, "claw_back_exceeds_paid")
    assert problem["detail"] == (
        "This claw-back of 100.01 would bring the claim's claw-backs not cancelled to 1000.01, "
        "above the 1000.00 paid; at most 100.00 remain (R42)"
    )
    assert claw_back(client, ctx, claim_id, amount="100.00")["status"] == "to_issue"
    assert_problem(notify(client, ctx, claim_id, amount="0.01"), 409, "claw_back_exceeds_paid")
    # a cancelled one gives its amount back
    ok(
        step(
            client,
            ctx,
            second["id"],
            "cancel",
            {"reason": "Invalidé par l'ASP", "on": "2020-10-02"},
        )
    )
    assert claw_back(client, ctx, claim_id, amount="300.00")["amount"] == "300.00"
    listed = ok(client.get(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"]))["items"]
    assert [(c["amount"], c["status"]) for c in listed] == [
        ("600.00", "issued"),
        ("300.00", "cancelled"),
        ("100.00", "to_issue"),
        ("300.00", "to_issue"),
    ]


def test_r42_a_claim_paid_nothing_cannot_be_clawed_back(client, ctx, request_id):
    claim_id = paid_claim(client, ctx, request_id, amount="0.00")
    assert_problem(notify(client, ctx, claim_id, amount="0.01"), 409, "claw_back_exceeds_paid")


@pytest.mark.parametrize("status", ["draft", "filed", "validated", "rejected", "withdrawn"])
def test_r42_only_a_paid_claim_is_clawed_back(client, ctx, request_id, status):
    claim = ok(create_claim(client, ctx, request_id), 201)
    steps = {
        "draft": [],
        "filed": [("file", {"filed_on": "2020-05-04"})],
        "validated": [("file", {"filed_on": "2020-05-04"}), ("validate", {"on": "2020-05-10"})],
        "rejected": [("file", {"filed_on": "2020-05-04"}), ("reject", {"reason": "Pièces"})],
        "withdrawn": [("file", {"filed_on": "2020-05-04"}), ("withdraw", {"reason": "Erreur"})],
    }[status]
    walk_claim(client, ctx["headers"], claim["id"], steps)
    problem = assert_problem(notify(client, ctx, claim["id"]), 409, "invalid_transition")
    assert problem["detail"] == (
        f"A claim in status {status} cannot be clawed back (only a paid claim is, R42)"
    )
    assert (
        ok(client.get(f"/v1/claims/{claim['id']}/claw-backs", headers=ctx["headers"]))["items"]
        == []
    )


def test_r42_a_notice_is_never_dated_in_the_future_nor_before_the_payment(
    client, ctx, claim_id, clock
):
    clock.current = datetime(2020, 9, 20, 10, tzinfo=UTC)
    future = notify(client, ctx, claim_id, noticed_on="2020-09-21")
    assert assert_problem(future, 422, "validation_error")["errors"][0]["type"] == "date_in_future"
    early = assert_problem(
        notify(client, ctx, claim_id, noticed_on="2020-05-14"), 422, "validation_error"
    )
    assert early["errors"][0]["field"] == "noticed_on"
    assert "2020-05-15" in early["errors"][0]["message"]
    assert claw_back(client, ctx, claim_id, noticed_on="2020-05-15")["noticed_on"] == "2020-05-15"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reason": "   "}, "reason"),
        ({"reason": None}, "reason"),
        ({"noticed_on": "15/09/2020"}, "noticed_on"),
        ({"status": "issued"}, "status"),
    ],
)
def test_r42_a_notice_without_a_reason_or_with_an_unknown_field_is_422(
    client, ctx, claim_id, body, field
):
    problem = assert_problem(notify(client, ctx, claim_id, **body), 422, "validation_error")
    assert error_fields(problem) == {field}


# --- issuing and cancelling -------------------------------------------------------------------


def test_r42_issuing_takes_the_amount_off_the_net_received_and_makes_a_new_claim_version(
    client, ctx, claim_id
):
    assert amounts(client, ctx, claim_id) == ("0.00", PAID)
    etag = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"]).headers["etag"]
    created = claw_back(client, ctx, claim_id)
    response = step(
        client, ctx, created["id"], "issue", {"on": "2020-10-01"}, **{"If-Match": '"1"'}
    )
    body = ok(response)
    assert (body["status"], body["issued_on"]) == ("issued", "2020-10-01")
    assert response.headers["etag"] == '"2"'
    assert amounts(client, ctx, claim_id) == ("250.00", "750.00")
    claim = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"])
    assert claim.json()["status"] == "paid"
    assert int(claim.headers["etag"].strip('"')) == int(etag.strip('"')) + 1
    issued(client, ctx, claim_id, "100.50")
    assert amounts(client, ctx, claim_id) == ("350.50", "649.50")
    claim_to_issue = claw_back(client, ctx, claim_id, amount="10.00")  # not yet issued: not counted
    assert claim_to_issue["status"] == "to_issue"
    assert amounts(client, ctx, claim_id) == ("350.50", "649.50")


def test_r42_cancelling_an_issued_claw_back_gives_its_amount_back(client, ctx, claim_id):
    first = issued(client, ctx, claim_id, "250.00")
    issued(client, ctx, claim_id, "50.00")
    body = ok(
        step(client, ctx, first["id"], "cancel", {"on": "2020-10-05", "reason": "  OR invalidé  "})
    )
    assert (body["status"], body["cancelled_on"], body["cancel_reason"]) == (
        "cancelled",
        "2020-10-05",
        "OR invalidé",
    )
    assert body["issued_on"] == "2020-10-01"  # the issue stays recorded
    assert amounts(client, ctx, claim_id) == ("50.00", "950.00")


def test_r42_a_claw_back_to_issue_may_be_cancelled_and_never_issued_then(client, ctx, claim_id):
    created = claw_back(client, ctx, claim_id)
    cancelled = ok(step(client, ctx, created["id"], "cancel", {"reason": "Erreur de l'ASP"}))
    assert (cancelled["status"], cancelled["issued_on"]) == ("cancelled", None)
    for action, body in (("issue", {"on": "2020-10-01"}), ("cancel", {"reason": "Encore"})):
        problem = assert_problem(
            step(client, ctx, created["id"], action, body), 409, "invalid_transition"
        )
        assert problem["detail"].startswith("A claw-back in status cancelled cannot be")
    assert amounts(client, ctx, claim_id) == ("0.00", PAID)


def test_r42_an_issued_claw_back_is_not_issued_again(client, ctx, claim_id):
    done = issued(client, ctx, claim_id, "250.00")
    problem = assert_problem(
        step(client, ctx, done["id"], "issue", {"on": "2020-10-02"}), 409, "invalid_transition"
    )
    assert problem["detail"] == "A claw-back in status issued cannot be issued"
    assert amounts(client, ctx, claim_id) == ("250.00", "750.00")


def test_r42_the_issue_date_defaults_to_today_and_needs_no_body(client, ctx, claim_id, clock):
    created = claw_back(client, ctx, claim_id)
    clock.current = datetime(2020, 10, 3, 9, tzinfo=UTC)
    response = client.post(f"/v1/claw-backs/{created['id']}/issue", headers=ctx["headers"])
    assert ok(response)["issued_on"] == "2020-10-03"


def test_r42_steps_follow_one_another_in_time_and_never_lie_in_the_future(
    client, ctx, claim_id, clock
):
    created = claw_back(client, ctx, claim_id)  # noticed 2020-09-14
    clock.current = datetime(2020, 10, 10, 10, tzinfo=UTC)
    for action, body, field in (
        ("issue", {"on": "2020-09-13"}, "on"),
        ("cancel", {"on": "2020-09-13", "reason": "x"}, "on"),
    ):
        problem = assert_problem(
            step(client, ctx, created["id"], action, body), 422, "validation_error"
        )
        assert error_fields(problem) == {field}
        assert "2020-09-14" in problem["errors"][0]["message"]
    future = step(client, ctx, created["id"], "issue", {"on": "2020-10-11"})
    assert assert_problem(future, 422, "validation_error")["errors"][0]["type"] == "date_in_future"
    ok(step(client, ctx, created["id"], "issue", {"on": "2020-09-20"}))
    early = step(client, ctx, created["id"], "cancel", {"on": "2020-09-19", "reason": "x"})
    assert "2020-09-20" in assert_problem(early, 422, "validation_error")["errors"][0]["message"]
    late = step(client, ctx, created["id"], "cancel", {"on": "2020-10-11", "reason": "x"})
    assert assert_problem(late, 422, "validation_error")["errors"][0]["type"] == "date_in_future"
    assert (
        ok(step(client, ctx, created["id"], "cancel", {"on": "2020-09-20", "reason": "x"}))[
            "status"
        ]
        == "cancelled"
    )


def test_r42_a_cancellation_needs_its_reason(client, ctx, claim_id):
    created = claw_back(client, ctx, claim_id)
    problem = assert_problem(
        step(client, ctx, created["id"], "cancel", {"on": "2020-10-01"}), 422, "validation_error"
    )
    assert error_fields(problem) == {"reason"}
    assert (
        ok(client.get(f"/v1/claw-backs/{created['id']}", headers=ctx["headers"]))["status"]
        == "to_issue"
    )


# --- optimistic concurrency and tenancy -------------------------------------------------------


def test_a_stale_if_match_on_a_step_is_412_and_writes_nothing(client, ctx, claim_id):
    created = claw_back(client, ctx, claim_id)
    ok(step(client, ctx, created["id"], "issue", {"on": "2020-10-01"}, **{"If-Match": '"1"'}))
    stale = step(client, ctx, created["id"], "cancel", {"reason": "x"}, **{"If-Match": '"1"'})
    assert_problem(stale, 412, "precondition_failed")
    current = client.get(f"/v1/claw-backs/{created['id']}", headers=ctx["headers"])
    assert (current.json()["status"], current.headers["etag"]) == ("issued", '"2"')
    assert amounts(client, ctx, claim_id) == ("250.00", "750.00")


def test_a_claw_back_created_on_a_stale_version_of_its_claim_is_412(client, ctx, claim_id):
    etag = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"]).headers["etag"]
    issued(client, ctx, claim_id, "100.00")  # a new version of the claim
    stale = notify(client, ctx, claim_id, headers={"If-Match": etag})
    assert_problem(stale, 412, "precondition_failed")
    fresh = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"]).headers["etag"]
    assert (
        ok(notify(client, ctx, claim_id, headers={"If-Match": fresh}), 201)["status"] == "to_issue"
    )
    listed = ok(client.get(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"]))["items"]
    assert len(listed) == 2


def test_r4_another_firms_claims_and_claw_backs_answer_like_missing_ones(client, ctx, claim_id):
    created = claw_back(client, ctx, claim_id)
    _, other = firm_headers(client)
    for method, path, body in (
        ("GET", f"/v1/claw-backs/{created['id']}", None),
        ("GET", f"/v1/claims/{claim_id}/claw-backs", None),
        ("POST", f"/v1/claims/{claim_id}/claw-backs", NOTICE),
        ("POST", f"/v1/claw-backs/{created['id']}/issue", {"on": "2020-10-01"}),
        ("POST", f"/v1/claw-backs/{created['id']}/cancel", {"reason": "x"}),
    ):
        response = client.request(method, path, headers=other, json=body)
        assert_problem(response, 404, "not_found")
    unknown = "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e5f"
    assert_problem(
        client.get(f"/v1/claw-backs/{unknown}", headers=ctx["headers"]), 404, "not_found"
    )
    mine = ok(client.get(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"]))["items"]
    assert [(c["id"], c["status"]) for c in mine] == [(created["id"], "to_issue")]


def test_claw_backs_need_the_claims_scopes(client, ctx, claim_id):
    created = claw_back(client, ctx, claim_id)
    email = ok(client.get("/v1/me", headers=ctx["headers"]))["user"]["email"]
    reader = bearer(token(client, email, scope="claims:read")["access_token"])
    assert ok(client.get(f"/v1/claw-backs/{created['id']}", headers=reader))["id"] == created["id"]
    for path, body in (
        (f"/v1/claims/{claim_id}/claw-backs", NOTICE),
        (f"/v1/claw-backs/{created['id']}/issue", {}),
        (f"/v1/claw-backs/{created['id']}/cancel", {"reason": "x"}),
    ):
        assert_problem(client.post(path, headers=reader, json=body), 403, "forbidden")


def test_a_claims_claw_backs_are_listed_by_keyset_pages(client, ctx, claim_id):
    made = [claw_back(client, ctx, claim_id, amount=f"{n}.00")["id"] for n in (1, 2, 3)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = ok(
            client.get(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"], params=params)
        )
        seen += [c["id"] for c in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == made


# --- the claim, its lists, the summary --------------------------------------------------------


def test_r42_a_claim_not_yet_paid_has_no_net_amount(client, ctx, request_id):
    claim = ok(create_claim(client, ctx, request_id), 201)
    assert (claim["clawed_back"], claim["net_amount_received"]) == ("0.00", None)


def test_r42_claim_lists_show_what_each_claim_kept(client, ctx, request_id, claim_id):
    issued(client, ctx, claim_id, "250.00")
    may = paid_claim(client, ctx, request_id, "2020-05", amount="500.00")
    june = ok(create_claim(client, ctx, request_id, "2020-06", [line("E1")], "2020-06-29"), 201)
    for path in ("/v1/claims", f"/v1/authorization-requests/{request_id}/claims"):
        items = ok(client.get(path, headers=ctx["headers"]))["items"]
        shown = {c["id"]: (c["clawed_back"], c["net_amount_received"]) for c in items}
        assert shown == {
            claim_id: ("250.00", "750.00"),
            may: ("0.00", "500.00"),
            june["id"]: ("0.00", None),
        }


def test_r42_the_claims_list_takes_the_same_statements_with_claw_backs(
    client, ctx, request_id, claim_id, connection
):
    paid_claim(client, ctx, request_id, "2020-05", amount="500.00")
    with counting(connection) as without:
        ok(client.get("/v1/claims", headers=ctx["headers"]))
    issued(client, ctx, claim_id, "250.00")
    claw_back(client, ctx, claim_id, amount="10.00")
    with counting(connection) as with_them:
        items = ok(client.get("/v1/claims", headers=ctx["headers"]))["items"]
    assert with_them.count == without.count, (without.seen, with_them.seen)
    assert {c["clawed_back"] for c in items} == {"250.00", "0.00"}


def test_r42_the_summary_counts_claw_backs_per_authorization_and_in_all(
    client, ctx, request_id, claim_id, connection
):
    summary_path = f"/v1/establishments/{ctx['establishment']['id']}/summary"
    with counting(connection) as before:
        ok(client.get(summary_path, headers=ctx["headers"]))
    paid_claim(client, ctx, request_id, "2020-05", amount="500.00")
    issued(client, ctx, claim_id, "250.00")
    issued(client, ctx, claim_id, "100.00")
    cancelled = issued(client, ctx, claim_id, "300.00")
    ok(step(client, ctx, cancelled["id"], "cancel", {"reason": "OR invalidé"}))
    claw_back(client, ctx, claim_id, amount="5.00")  # to issue: not taken yet
    # a second authorization of the establishment, paid and clawed back
    other = accepted_request(client, ctx, start_on="2020-08-01", end_on="2020-10-31")
    september = paid_claim(client, ctx, other["id"], "2020-09", amount="200.00")
    issued(client, ctx, september, "20.00", on="2020-11-03", noticed_on="2020-11-02")
    with counting(connection) as after:
        summary = ok(client.get(summary_path, headers=ctx["headers"]))
    assert after.count == before.count, (before.seen, after.seen)
    per_request = {
        a["request_id"]: (a["paid_amount"], a["clawed_back"], a["net_amount_received"])
        for a in summary["authorizations"]
    }
    assert per_request == {
        request_id: ("1500.00", "350.00", "1150.00"),
        other["id"]: ("200.00", "20.00", "180.00"),
    }
    assert (summary["paid_amount"], summary["clawed_back"], summary["net_amount_received"]) == (
        "1700.00",
        "370.00",
        "1330.00",
    )


def test_r42_a_correction_of_a_clawed_back_claim_counts_in_its_place(
    client, ctx, request_id, claim_id
):
    """The summary counts the latest version of each month (R24): once a correction of a
    clawed-back claim is filed, the first version's payment and claw-backs leave the sums."""
    issued(client, ctx, claim_id, "250.00")
    correction = ok(
        client.post(f"/v1/claims/{claim_id}/corrections", headers=ctx["headers"], json={}), 201
    )
    summary_path = f"/v1/establishments/{ctx['establishment']['id']}/summary"
    (item,) = ok(client.get(summary_path, headers=ctx["headers"]))["authorizations"]
    assert (item["paid_amount"], item["clawed_back"]) == (
        PAID,
        "250.00",
    )  # a draft replaces nothing
    walk_claim(client, ctx["headers"], correction["id"], [("file", {"filed_on": "2020-10-05"})])
    (item,) = ok(client.get(summary_path, headers=ctx["headers"]))["authorizations"]
    assert (item["paid_amount"], item["clawed_back"], item["net_amount_received"]) == (
        "0.00",
        "0.00",
        "0.00",
    )
    # the first version keeps its own
    assert amounts(client, ctx, claim_id) == ("250.00", "750.00")


# --- the deadlines view and the change feed ---------------------------------------------------


def claw_back_deadlines(client, ctx, **params: Any) -> list[dict[str, Any]]:
    params = {"kind": "claw_back", **params}
    return ok(client.get("/v1/deadlines", headers=ctx["headers"], params=params))["items"]


def test_r25_open_claw_backs_are_listed_by_their_latest_date_never_overdue(client, ctx, claim_id):
    to_issue = claw_back(client, ctx, claim_id, amount="10.00", noticed_on="2020-09-20")
    done = issued(client, ctx, claim_id, "250.00", on="2020-10-01")  # noticed 2020-09-14
    gone = issued(client, ctx, claim_id, "20.00")
    ok(step(client, ctx, gone["id"], "cancel", {"reason": "OR invalidé"}))
    found = claw_back_deadlines(client, ctx)
    assert [(d["resource_id"], d["due_on"], d["overdue"]) for d in found] == [
        (to_issue["id"], "2020-09-20", False),
        (done["id"], "2020-10-01", False),
    ]
    first, second = found
    assert first == {
        "kind": "claw_back",
        "due_on": "2020-09-20",
        "overdue": False,
        "establishment_id": ctx["establishment"]["id"],
        "client_id": ctx["client"]["id"],
        "resource_type": "claw_back",
        "resource_id": to_issue["id"],
        "month": "2020-04",
        "description": "Claw-back (OR) of 10.00 € on the claim for 2020-04 announced: record "
        "its issue or its cancellation (R42)",
        "warnings": [],
    }
    assert second["description"] == (
        "Claw-back (OR) of 250.00 € on the claim for 2020-04 issued: repay it (R42)"
    )
    # in the whole view too, among the other kinds, and by page
    everything = ok(client.get("/v1/deadlines", headers=ctx["headers"], params={"limit": 100}))
    assert [d for d in everything["items"] if d["kind"] == "claw_back"] == found
    one = ok(
        client.get(
            "/v1/deadlines", headers=ctx["headers"], params={"kind": "claw_back", "limit": 1}
        )
    )
    assert one["items"] == [first]
    rest = ok(
        client.get(
            "/v1/deadlines",
            headers=ctx["headers"],
            params={"kind": "claw_back", "limit": 1, "cursor": one["next_cursor"]},
        )
    )
    assert rest["items"] == [second] and rest["next_cursor"] is None
    assert claw_back_deadlines(client, ctx, overdue="true") == []
    assert claw_back_deadlines(client, ctx, due_before="2020-10-01") == [first]


def test_r25_claw_back_deadlines_follow_the_client_and_establishment_filters(client, ctx, claim_id):
    mine = claw_back(client, ctx, claim_id)
    assert [
        d["resource_id"] for d in claw_back_deadlines(client, ctx, client_id=ctx["client"]["id"])
    ] == [mine["id"]]
    by_est = claw_back_deadlines(client, ctx, establishment_id=ctx["establishment"]["id"])
    assert [d["resource_id"] for d in by_est] == [mine["id"]]
    other = ready_establishment(client)  # another firm: nothing of ours
    assert claw_back_deadlines(client, other) == []
    assert claw_back_deadlines(client, ctx, client_id=other["client"]["id"]) == []
    assert claw_back_deadlines(client, ctx, establishment_id=other["establishment"]["id"]) == []


def test_r26_each_claw_back_step_is_an_event_of_the_change_feed(client, ctx, claim_id):
    start = ok(client.get("/v1/events", headers=ctx["headers"], params={"after": "0"}))["next"]
    kept = issued(client, ctx, claim_id, "250.00")
    ok(step(client, ctx, kept["id"], "cancel", {"reason": "OR invalidé"}))
    dropped = claw_back(client, ctx, claim_id, amount="1.00")
    ok(step(client, ctx, dropped["id"], "cancel", {"reason": "Erreur"}))
    feed = ok(client.get("/v1/events", headers=ctx["headers"], params={"after": start}))["items"]
    assert [
        (e["action"], e["resource_id"], e["status_before"], e["status_after"]) for e in feed
    ] == [
        ("claw_back.created", kept["id"], None, "to_issue"),
        ("claw_back.issued", kept["id"], "to_issue", "issued"),
        ("claw_back.cancelled", kept["id"], "issued", "cancelled"),
        ("claw_back.created", dropped["id"], None, "to_issue"),
        ("claw_back.cancelled", dropped["id"], "to_issue", "cancelled"),
    ]
    assert {(e["resource_type"], e["establishment_id"]) for e in feed} == {
        ("claw_back", ctx["establishment"]["id"])
    }
    trail = ok(
        client.get(
            f"/v1/establishments/{ctx['establishment']['id']}/events",
            headers=ctx["headers"],
            params={"limit": 100},
        )
    )["items"]
    assert [e["action"] for e in trail if e["resource_type"] == "claw_back"] == [
        e["action"] for e in feed
    ]


def test_r26_a_refused_step_records_no_event(client, ctx, claim_id):
    start = ok(client.get("/v1/events", headers=ctx["headers"], params={"after": "0"}))["next"]
    assert_problem(notify(client, ctx, claim_id, amount="1000.01"), 409, "claw_back_exceeds_paid")
    feed = ok(client.get("/v1/events", headers=ctx["headers"], params={"after": start}))
    assert feed["items"] == [] and feed["next"] == start


def test_a_retried_notice_with_its_idempotency_key_records_one_claw_back(client, ctx, claim_id):
    headers = {"Idempotency-Key": "or-2020-09-14-e1"}
    first = notify(client, ctx, claim_id, headers=headers)
    again = notify(client, ctx, claim_id, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["idempotent-replayed"] == "true"
    assert again.headers["etag"] == first.headers["etag"]
    listed = ok(client.get(f"/v1/claims/{claim_id}/claw-backs", headers=ctx["headers"]))["items"]
    assert [c["id"] for c in listed] == [first.json()["id"]]


def test_r42_an_issued_claw_back_brings_its_claim_into_updated_since(client, ctx, claim_id, clock):
    created = claw_back(client, ctx, claim_id)
    clock.current += timedelta(days=1)  # after every write so far
    since = {"updated_since": clock.current.isoformat()}
    assert ok(client.get("/v1/claims", headers=ctx["headers"], params=since))["items"] == []
    ok(step(client, ctx, created["id"], "issue", {"on": "2020-10-01"}))
    items = ok(client.get("/v1/claims", headers=ctx["headers"], params=since))["items"]
    assert [(c["id"], c["net_amount_received"]) for c in items] == [(claim_id, "750.00")]
