"""APLD agreements over HTTP: drafts, filing (R35, R6, R9), decisions (R36, R17), documents."""

import hashlib
from datetime import UTC, datetime

from tests.apld.support import (
    BEFORE_SILENCE,
    FILED_AT,
    agreement_payload,
    create_agreement,
    decide,
    file_agreement,
    filed_agreement,
    upload,
)
from tests.support.builders import make_client, make_establishment
from tests.support.lifecycle import ready_establishment
from tests.support.pdf import PDF
from tests.support.problems import assert_problem

# --- drafts ------------------------------------------------------------------------------------


def test_a_draft_may_wait_for_every_field(client):
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements", headers=ctx["headers"], json={}
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "draft"
    assert body["establishment_ids"] == []
    assert body["entry_deadline"] == "2022-12-31"
    assert body["authorizations"] == [] and body["usage"] is None
    assert response.headers["ETag"] == '"1"'
    assert client.get(f"/v1/apld-agreements/{body['id']}", headers=ctx["headers"]).json() == body


def test_covered_establishments_are_the_clients_own(client):
    ctx = ready_establishment(client)
    other = make_client(client, ctx["headers"])
    foreign = make_establishment(client, ctx["headers"], other)
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements",
        headers=ctx["headers"],
        json={"establishment_ids": [ctx["establishment"]["id"], foreign["id"]]},
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "establishment_ids[1]"
    assert body["errors"][0]["type"] == "establishment_of_another_client"


def test_a_draft_is_edited_with_its_etag_and_no_longer_once_filed(client):
    ctx = ready_establishment(client)
    draft = create_agreement(client, ctx)
    url = f"/v1/apld-agreements/{draft['id']}"
    ok = client.patch(
        url, headers={**ctx["headers"], "If-Match": '"1"'}, json={"duration_months": 18}
    )
    assert ok.status_code == 200, ok.text
    assert ok.json()["duration_months"] == 18 and ok.headers["ETag"] == '"2"'
    stale = client.patch(
        url, headers={**ctx["headers"], "If-Match": '"1"'}, json={"duration_months": 12}
    )
    assert_problem(stale, 412, "precondition_failed")
    assert upload(client, ctx, draft["id"]).status_code == 200
    assert file_agreement(client, ctx, draft["id"]).status_code == 200
    late = client.patch(url, headers=ctx["headers"], json={"duration_months": 12})
    assert_problem(late, 409, "invalid_transition")


def test_the_documents_are_kept_byte_for_byte_with_their_sha256(client):
    ctx = ready_establishment(client)
    draft = create_agreement(client, ctx, type="unilateral_document", has_cse=True)
    for kind in ("agreement", "cse_opinion"):
        response = upload(client, ctx, draft["id"], kind)
        assert response.status_code == 200, response.text
    body = response.json()
    digest = hashlib.sha256(PDF).hexdigest()
    assert body["document_sha256"] == body["cse_opinion_sha256"] == digest
    download = client.get(
        f"/v1/apld-agreements/{draft['id']}/documents/cse_opinion", headers=ctx["headers"]
    )
    assert download.status_code == 200
    assert download.content == PDF and download.headers["X-Content-SHA256"] == digest
    not_pdf = upload(client, ctx, draft["id"], content=b"<html>not a pdf</html>")
    assert_problem(not_pdf, 415, "unsupported_file_type")


def test_a_missing_document_answers_404(client):
    ctx = ready_establishment(client)
    draft = create_agreement(client, ctx)
    response = client.get(
        f"/v1/apld-agreements/{draft['id']}/documents/agreement", headers=ctx["headers"]
    )
    assert_problem(response, 404, "not_found")


# --- filing ------------------------------------------------------------------------------------


def test_filing_an_empty_draft_lists_every_missing_item_at_once(client):
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements", headers=ctx["headers"], json={}
    )
    body = assert_problem(
        file_agreement(client, ctx, response.json()["id"]), 422, "incomplete_apld_agreement"
    )
    assert [e["field"] for e in body["errors"]] == [
        "type",
        "establishment_ids",
        "start_on",
        "duration_months",
        "max_reduction",
        "activities",
        "employees_covered",
        "diagnostic",
        "commitments",
        "information",
        "document",
    ]


def test_filing_needs_a_contract_in_force(client):
    ctx = ready_establishment(client)
    draft = create_agreement(client, ctx)
    upload(client, ctx, draft["id"])
    response = file_agreement(client, ctx, draft["id"], "2020-03-01T10:00:00+01:00")
    assert_problem(response, 409, "contract_required")


def test_filing_names_every_covered_establishment_not_habilitated(client):
    ctx = ready_establishment(client)
    second = make_establishment(client, ctx["headers"], ctx["client"], n=2)
    draft = create_agreement(
        client, ctx, establishment_ids=[ctx["establishment"]["id"], second["id"]]
    )
    upload(client, ctx, draft["id"])
    body = assert_problem(file_agreement(client, ctx, draft["id"]), 409, "habilitation_required")
    assert second["siret"] in body["detail"]
    assert ctx["establishment"]["siret"] not in body["detail"]


def test_the_entry_deadline_is_the_last_day_of_2022(client):
    ctx = ready_establishment(client)
    late = create_agreement(client, ctx)
    upload(client, ctx, late["id"])
    body = assert_problem(
        file_agreement(client, ctx, late["id"], "2023-01-01T09:00:00+01:00"),
        409,
        "apld_entry_deadline_passed",
    )
    assert "2022-12-31" in body["detail"]
    assert file_agreement(client, ctx, late["id"], "2022-12-31T09:00:00+01:00").status_code == 200


def test_filing_starts_the_silence_of_15_days_for_an_agreement(client, clock):
    ctx = ready_establishment(client)
    clock.current = BEFORE_SILENCE
    body = filed_agreement(client, ctx)
    assert body["status"] == "filed"
    assert body["tacit_decision_at"] == "2021-01-20T08:30:00Z"
    assert body["entry_deadline"] is None
    clock.current = datetime(2021, 1, 20, 8, 29, 59, tzinfo=UTC)
    url = f"/v1/apld-agreements/{body['id']}"
    assert client.get(url, headers=ctx["headers"]).json()["status"] == "filed"
    clock.current = datetime(2021, 1, 20, 8, 30, tzinfo=UTC)
    silent = client.get(url, headers=ctx["headers"]).json()
    assert silent["status"] == "validated_implicitly"
    assert silent["authorizations"] == [
        {"sequence": 1, "start_on": "2021-01-04", "end_on": "2021-07-03", "renewal_id": None}
    ]


def test_a_unilateral_document_is_homologated_by_silence_after_21_days(client, clock):
    ctx = ready_establishment(client)
    clock.current = BEFORE_SILENCE
    body = filed_agreement(client, ctx, type="unilateral_document", has_cse=False)
    assert body["tacit_decision_at"] == "2021-01-26T08:30:00Z"
    clock.current = datetime(2021, 1, 26, 8, 30, tzinfo=UTC)
    status = client.get(f"/v1/apld-agreements/{body['id']}", headers=ctx["headers"]).json()
    assert status["status"] == "homologated_implicitly"
    listed = client.get(
        "/v1/apld-agreements?status=homologated_implicitly", headers=ctx["headers"]
    ).json()
    assert [a["id"] for a in listed["items"]] == [body["id"]]


# --- decisions (R36, R17) ------------------------------------------------------------------------


def test_an_explicit_validation_is_dated_between_the_filing_and_today(client, clock):
    ctx = ready_establishment(client)
    clock.current = BEFORE_SILENCE
    body = filed_agreement(client, ctx)
    early = decide(client, ctx, body["id"], outcome="validated", decided_on="2021-01-04")
    assert assert_problem(early, 422, "validation_error")["errors"][0]["field"] == "decided_on"
    future = decide(client, ctx, body["id"], outcome="validated", decided_on="2021-01-11")
    assert assert_problem(future, 422, "validation_error")["errors"][0]["type"] == "date_in_future"
    wrong = decide(client, ctx, body["id"], outcome="homologated", decided_on="2021-01-08")
    assert assert_problem(wrong, 422, "validation_error")["errors"][0]["field"] == "outcome"
    done = decide(client, ctx, body["id"], outcome="validated", decided_on="2021-01-08")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "validated" and done.json()["decided_on"] == "2021-01-08"
    again = decide(client, ctx, body["id"], outcome="refused", reason="x", decided_on="2021-01-09")
    assert_problem(again, 409, "invalid_transition")


def test_a_refusal_carries_its_reason_and_is_final(client):
    ctx = ready_establishment(client)
    body = filed_agreement(client, ctx)
    no_reason = decide(client, ctx, body["id"], outcome="refused", decided_on="2021-01-12")
    assert assert_problem(no_reason, 422, "validation_error")["errors"][0]["field"] == "reason"
    refused = decide(
        client,
        ctx,
        body["id"],
        outcome="refused",
        decided_on="2021-01-12",
        reason="Diagnostic insuffisant",
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    assert refused.json()["authorizations"] == []
    again = decide(client, ctx, body["id"], outcome="validated", decided_on="2021-01-13")
    assert_problem(again, 409, "invalid_transition")


def test_after_silence_a_refusal_is_too_late_but_a_confirmation_is_recorded(client):
    ctx = ready_establishment(client)  # the clock is today: silence took effect on 2021-01-20
    body = filed_agreement(client, ctx)
    assert body["status"] == "validated_implicitly"
    # a decision dated 2021-01-20 may still precede it (as R17 reads the day of silence)
    late = decide(client, ctx, body["id"], outcome="refused", reason="x", decided_on="2021-01-21")
    assert_problem(late, 409, "invalid_transition")
    confirmed = decide(client, ctx, body["id"], outcome="validated", decided_on="2021-02-01")
    assert confirmed.status_code == 200 and confirmed.json()["status"] == "validated"


def test_a_refusal_dated_before_silence_may_be_recorded_later(client):
    ctx = ready_establishment(client)
    body = filed_agreement(client, ctx)
    refused = decide(
        client, ctx, body["id"], outcome="refused", reason="Incomplet", decided_on="2021-01-19"
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"


def test_above_40_percent_the_decision_says_whether_it_is_granted(client):
    ctx = ready_establishment(client)
    body = filed_agreement(client, ctx, max_reduction="50.00")
    unsaid = decide(client, ctx, body["id"], outcome="validated", decided_on="2021-01-12")
    assert assert_problem(unsaid, 422, "validation_error")["errors"][0]["field"] == (
        "reduction_granted"
    )
    granted = decide(
        client,
        ctx,
        body["id"],
        outcome="validated",
        decided_on="2021-01-12",
        reduction_granted=False,
    )
    assert granted.json()["max_reduction_granted"] == "40.00"


def test_above_50_percent_is_refused_by_the_schema(client):
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements",
        headers=ctx["headers"],
        json=agreement_payload(ctx, max_reduction="50.01"),
    )
    assert_problem(response, 422, "validation_error")


def test_a_draft_cannot_be_decided(client):
    ctx = ready_establishment(client)
    draft = create_agreement(client, ctx)
    response = decide(client, ctx, draft["id"], outcome="validated", decided_on="2021-01-12")
    assert_problem(response, 409, "invalid_transition")


def test_lists_per_client_and_firm_wide(client):
    ctx = ready_establishment(client)
    first = create_agreement(client, ctx)
    other = make_client(client, ctx["headers"])
    second = client.post(
        f"/v1/clients/{other['id']}/apld-agreements", headers=ctx["headers"], json={}
    ).json()
    per_client = client.get(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements", headers=ctx["headers"]
    ).json()
    assert [a["id"] for a in per_client["items"]] == [first["id"]]
    page = client.get("/v1/apld-agreements?limit=1", headers=ctx["headers"]).json()
    assert [a["id"] for a in page["items"]] == [first["id"]] and page["next_cursor"]
    rest = client.get(
        f"/v1/apld-agreements?limit=1&cursor={page['next_cursor']}", headers=ctx["headers"]
    ).json()
    assert [a["id"] for a in rest["items"]] == [second["id"]] and rest["next_cursor"] is None
    drafts = client.get("/v1/apld-agreements?status=filed", headers=ctx["headers"]).json()
    assert drafts["items"] == []


def test_filed_at_is_never_in_the_future(client, clock):
    ctx = ready_establishment(client)
    clock.current = BEFORE_SILENCE
    draft = create_agreement(client, ctx)
    upload(client, ctx, draft["id"])
    response = file_agreement(client, ctx, draft["id"], "2021-01-11T09:00:00+01:00")
    assert assert_problem(response, 422, "validation_error")["errors"][0]["field"] == "filed_at"
    assert file_agreement(client, ctx, draft["id"], FILED_AT).status_code == 200


def test_patching_the_covered_establishments_replaces_the_list(client):
    ctx = ready_establishment(client)
    second = make_establishment(client, ctx["headers"], ctx["client"], n=2)
    first_id = ctx["establishment"]["id"]
    draft = create_agreement(client, ctx)
    url = f"/v1/apld-agreements/{draft['id']}"
    both = client.patch(
        url, headers=ctx["headers"], json={"establishment_ids": [second["id"], first_id, first_id]}
    )
    assert both.status_code == 200, both.text
    assert sorted(both.json()["establishment_ids"]) == sorted([first_id, second["id"]])
    one = client.patch(url, headers=ctx["headers"], json={"establishment_ids": [second["id"]]})
    assert one.json()["establishment_ids"] == [second["id"]]
    unchanged = client.patch(url, headers=ctx["headers"], json={})
    assert unchanged.json() == one.json() and unchanged.headers["ETag"] == one.headers["ETag"]
