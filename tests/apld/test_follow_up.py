"""APLD around the agreement: tenancy (R4), ETags, the audit trail (R26), deadlines (R25)."""

from datetime import UTC, datetime

from tests.apld.support import (
    BEFORE_SILENCE,
    apld_claim,
    create_agreement,
    decide,
    decided_agreement,
    file_agreement,
    file_claim,
    file_renewal,
    filed_agreement,
    upload,
)
from tests.support.builders import firm_headers
from tests.support.lifecycle import another_client, ready_establishment
from tests.support.problems import assert_problem

# --- R4: another firm's agreement is a missing one -----------------------------------------------


def test_another_firms_agreement_and_renewal_answer_404(client):
    ctx = ready_establishment(client)
    agreement = filed_agreement(client, ctx)
    decide(client, ctx, agreement["id"], outcome="validated", decided_on="2021-01-12")
    renewal = file_renewal(client, ctx, agreement["id"], "2021-06-20").json()
    _, stranger = firm_headers(client)
    a, r = f"/v1/apld-agreements/{agreement['id']}", f"/v1/apld-renewals/{renewal['id']}"
    for method, url, kwargs in [
        ("get", a, {}),
        ("patch", a, {"json": {"duration_months": 12}}),
        ("get", f"{a}/documents/agreement", {}),
        ("post", f"{a}/decision", {"json": {"outcome": "validated"}}),
        ("post", f"{a}/neutralisation", {"json": {"basis": "amendment"}}),
        ("get", f"{a}/renewals", {}),
        ("get", r, {}),
        ("get", f"{r}/bilan", {}),
        ("post", f"{r}/decision", {"json": {"outcome": "granted"}}),
        ("get", f"/v1/clients/{ctx['client']['id']}/apld-agreements", {}),
        ("post", f"/v1/clients/{ctx['client']['id']}/apld-agreements", {"json": {}}),
    ]:
        response = getattr(client, method)(url, headers=stranger, **kwargs)
        assert_problem(response, 404, "not_found")
    assert client.get("/v1/apld-agreements", headers=stranger).json()["items"] == []


def test_an_agreement_cannot_cover_another_firms_establishment(client):
    ctx = ready_establishment(client)
    other = ready_establishment(client)
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements",
        headers=ctx["headers"],
        json={"establishment_ids": [other["establishment"]["id"]]},
    )
    assert_problem(response, 404, "not_found")


# --- ETags -------------------------------------------------------------------------------------


def test_each_step_takes_if_match_and_answers_the_new_etag(client):
    ctx = ready_establishment(client)
    draft = create_agreement(client, ctx)
    stale = upload(client, ctx, draft["id"], headers={"If-Match": '"7"'})
    assert_problem(stale, 412, "precondition_failed")
    uploaded = upload(client, ctx, draft["id"], headers={"If-Match": '"1"'})
    assert uploaded.headers["ETag"] == '"2"'
    url = f"/v1/apld-agreements/{draft['id']}/file"
    stale_file = client.post(url, headers={**ctx["headers"], "If-Match": '"1"'}, json={})
    assert_problem(stale_file, 412, "precondition_failed")
    filed = client.post(
        url,
        headers={**ctx["headers"], "If-Match": '"2"'},
        json={"filed_at": "2021-01-05T09:30:00+01:00"},
    )
    assert filed.status_code == 200 and filed.headers["ETag"] == '"3"'
    got = client.get(f"/v1/apld-agreements/{draft['id']}", headers=ctx["headers"])
    assert got.headers["ETag"] == '"3"'


# --- R26: the audit trail ----------------------------------------------------------------------


def test_every_step_is_an_event_of_the_firms_trail(client):
    ctx = ready_establishment(client)
    agreement = filed_agreement(client, ctx)
    decide(client, ctx, agreement["id"], outcome="validated", decided_on="2021-01-12")
    renewal = file_renewal(client, ctx, agreement["id"], "2021-06-20").json()
    events = client.get(f"/v1/events?resource_id={agreement['id']}", headers=ctx["headers"]).json()[
        "items"
    ]
    assert [(e["action"], e["status_before"], e["status_after"]) for e in events] == [
        ("apld_agreement.created", None, "draft"),
        ("apld_agreement.agreement_document_attached", "draft", "draft"),
        ("apld_agreement.filed", "draft", "filed"),
        ("apld_agreement.validated", "validated_implicitly", "validated"),
    ]
    feed = client.get("/v1/events?after=0&resource_type=apld_renewal", headers=ctx["headers"])
    assert [(e["resource_id"], e["action"]) for e in feed.json()["items"]] == [
        (renewal["id"], "apld_renewal.filed")
    ]


# --- R25: deadlines ------------------------------------------------------------------------------


def kinds(client, ctx, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = client.get(f"/v1/deadlines?{query}", headers=ctx["headers"])
    assert response.status_code == 200, response.text
    return [
        (d["kind"], d["due_on"], d["overdue"])
        for d in response.json()["items"]
        if d["kind"].startswith("apld_")
    ]


def test_a_draft_agreement_is_due_by_the_entry_deadline_as_it_stood_that_day(client, clock):
    ctx = ready_establishment(client)
    create_agreement(client, ctx)
    clock.current = datetime(2022, 4, 12, 12, tzinfo=UTC)
    assert kinds(client, ctx) == [("apld_entry_deadline", "2022-06-30", False)]
    clock.current = datetime(2022, 4, 13, 12, tzinfo=UTC)
    assert kinds(client, ctx) == [("apld_entry_deadline", "2022-12-31", False)]
    clock.current = datetime(2023, 1, 1, 12, tzinfo=UTC)
    assert kinds(client, ctx, kind="apld_entry_deadline") == [
        ("apld_entry_deadline", "2022-12-31", True)
    ]


def test_a_filed_agreement_shows_its_tacit_decision_then_the_bilan(client, clock):
    ctx = ready_establishment(client)
    clock.current = BEFORE_SILENCE
    agreement = filed_agreement(client, ctx)
    assert kinds(client, ctx) == [("apld_tacit_decision", "2021-01-20", False)]
    clock.current = datetime(2021, 3, 1, 12, tzinfo=UTC)  # validated by silence
    # the claims of January and February are due by the time bar (R21, R41)
    claims = [("apld_claim", "2022-01-03", False)] * 2
    assert kinds(client, ctx, establishment_id=ctx["establishment"]["id"]) == [
        ("apld_bilan", "2021-07-03", False),
        *claims,
    ]
    renewal = file_renewal(client, ctx, agreement["id"], "2021-03-01")
    assert renewal.status_code == 201, renewal.text
    assert kinds(client, ctx) == claims  # the bilan is filed; its decision has no silence rule


def test_deadlines_filtered_on_another_client_leave_the_agreement_out(client, clock):
    ctx = ready_establishment(client)
    other = another_client(client, ctx)
    clock.current = BEFORE_SILENCE
    draft = create_agreement(client, ctx)
    upload(client, ctx, draft["id"])
    assert file_agreement(client, ctx, draft["id"]).status_code == 200
    assert kinds(client, ctx, client_id=ctx["client"]["id"]) == [
        ("apld_tacit_decision", "2021-01-20", False)
    ]
    assert kinds(client, ctx, client_id=other["client"]["id"]) == []
    assert kinds(client, ctx, establishment_id=other["establishment"]["id"]) == []


def test_each_elapsed_month_without_an_apld_claim_is_due_by_the_time_bar(client, clock):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)  # authorization 2021-01-04 – 2021-07-03
    clock.current = datetime(2021, 4, 10, 12, tzinfo=UTC)
    claim = apld_claim(client, ctx, agreement["id"], "2021-02", payroll_paid_on="2021-02-26")
    assert file_claim(client, ctx, claim.json()["id"], "2021-03-02").status_code == 200
    apld_claim(client, ctx, agreement["id"], "2021-03")  # a draft is not a claim yet

    def due(**params):
        response = client.get(
            "/v1/deadlines", headers=ctx["headers"], params={"kind": "apld_claim", **params}
        )
        assert response.status_code == 200, response.text
        return [
            (
                d["month"],
                d["due_on"],
                d["overdue"],
                d["establishment_id"],
                "drafts ready" in d["description"],
            )
            for d in response.json()["items"]
        ]

    est = ctx["establishment"]["id"]
    # April has not elapsed; February is filed
    assert due() == [
        ("2021-01", "2022-01-03", False, est, False),
        ("2021-03", "2022-01-03", False, est, True),
    ]
    clock.current = datetime(2022, 1, 3, 12, tzinfo=UTC)
    assert {overdue for _, _, overdue, _, _ in due()} == {False}
    clock.current = datetime(2022, 1, 4, 12, tzinfo=UTC)
    assert {overdue for _, _, overdue, _, _ in due()} == {True}
    assert [m for m, *_ in due()] == [
        "2021-01",
        "2021-03",
        "2021-04",
        "2021-05",
        "2021-06",
        "2021-07",
    ]
