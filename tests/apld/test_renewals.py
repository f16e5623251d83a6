"""APLD authorizations over HTTP: the first 6 months, renewals on a bilan, the caps (R37, R38)."""

import hashlib

from tests.apld.support import decide, file_renewal, filed_agreement, grant
from tests.support.lifecycle import ready_establishment
from tests.support.pdf import PDF
from tests.support.problems import assert_problem


def validated(client, ctx, decided_on: str, **overrides):
    body = filed_agreement(client, ctx, **overrides)
    response = decide(client, ctx, body["id"], outcome="validated", decided_on=decided_on)
    assert response.status_code == 200, response.text
    return response.json()


def test_the_first_authorization_runs_6_months_from_the_start(client):
    ctx = ready_establishment(client)
    body = validated(client, ctx, "2021-01-15")
    assert body["authorizations"] == [
        {"sequence": 1, "start_on": "2021-01-04", "end_on": "2021-07-03", "renewal_id": None}
    ]
    # decided from mid-December 2020: Jan – Jun 2021 are neutralised, July alone counts
    assert body["neutralisation"]["applies"] and body["neutralisation"]["automatic"]
    assert body["usage"] == {
        "months_used": 1,
        "months_left": 23,
        "cap_months": 24,
        "window_months": 36,
        "window_end_on": "2024-07-03",
        "agreement_end_on": "2023-07-03",
    }


def test_a_bilan_renews_for_6_months_once_granted(client):
    ctx = ready_establishment(client)
    agreement = validated(client, ctx, "2021-01-15")
    response = file_renewal(client, ctx, agreement["id"], "2021-07-03")
    assert response.status_code == 201, response.text
    renewal = response.json()
    assert (renewal["status"], renewal["start_on"], renewal["end_on"]) == (
        "filed",
        "2021-07-04",
        "2022-01-03",
    )
    assert renewal["bilan_sha256"] == hashlib.sha256(PDF).hexdigest()
    assert response.headers["ETag"] == '"1"'
    pending = file_renewal(client, ctx, agreement["id"], "2021-07-03")
    assert_problem(pending, 409, "apld_renewal_pending")
    grant(client, ctx, renewal["id"], "2021-07-10")
    after = client.get(f"/v1/apld-agreements/{agreement['id']}", headers=ctx["headers"]).json()
    assert [a["end_on"] for a in after["authorizations"]] == ["2021-07-03", "2022-01-03"]
    assert after["usage"]["months_used"] == 7  # July 2021 – January 2022
    bilan = client.get(f"/v1/apld-renewals/{renewal['id']}/bilan", headers=ctx["headers"])
    assert bilan.content == PDF


def test_a_bilan_filed_after_the_authorization_ended_is_refused(client):
    ctx = ready_establishment(client)
    agreement = validated(client, ctx, "2021-01-15")
    late = file_renewal(client, ctx, agreement["id"], "2021-07-04")
    body = assert_problem(late, 409, "bilan_too_late")
    assert "2021-07-03" in body["detail"]


def test_a_renewal_needs_a_validated_agreement(client):
    ctx = ready_establishment(client)
    agreement = filed_agreement(client, ctx)
    refused = decide(
        client, ctx, agreement["id"], outcome="refused", reason="Non", decided_on="2021-01-12"
    )
    assert refused.status_code == 200
    response = file_renewal(client, ctx, agreement["id"], "2021-03-01")
    assert_problem(response, 409, "apld_agreement_not_decided")


def test_no_renewal_past_the_agreements_duration(client):
    ctx = ready_establishment(client)
    # decided before mid-December 2020, no neutralisation: 6 months end on 2020-12-31
    agreement = validated(
        client,
        ctx,
        "2020-07-20",
        start_on="2020-07-01",
        duration_months=6,
        filed_at="2020-07-10T10:00:00+02:00",
    )
    assert agreement["neutralisation"]["applies"] is False
    assert agreement["usage"]["agreement_end_on"] == "2020-12-31"
    response = file_renewal(client, ctx, agreement["id"], "2020-12-15")
    assert_problem(response, 409, "apld_duration_exceeded")


def test_the_cap_in_force_on_the_renewals_filing_date_applies(client):
    ctx = ready_establishment(client)
    agreement = validated(
        client,
        ctx,
        "2020-07-20",
        start_on="2020-07-01",
        duration_months=36,
        filed_at="2020-07-10T10:00:00+02:00",
    )
    for bilan_on, decided_on in [
        ("2020-12-15", "2020-12-30"),
        ("2021-06-15", "2021-06-30"),
        ("2021-12-15", "2021-12-30"),
    ]:
        response = file_renewal(client, ctx, agreement["id"], bilan_on)
        assert response.status_code == 201, response.text
        grant(client, ctx, response.json()["id"], decided_on)
    # 24 months authorized (2020-07 – 2022-06): a fifth 6 months fits only under 36 in 48
    before = file_renewal(client, ctx, agreement["id"], "2022-04-07")
    assert (
        "24 authorized months within 36"
        in assert_problem(before, 409, "apld_cap_exceeded")["detail"]
    )
    from_decree = file_renewal(client, ctx, agreement["id"], "2022-04-08")
    assert from_decree.status_code == 201, from_decree.text
    renewal = from_decree.json()
    assert (renewal["cap_months"], renewal["cap_window_months"]) == (36, 48)
    assert (renewal["start_on"], renewal["end_on"]) == ("2022-07-01", "2022-12-31")


def test_a_refused_renewal_leaves_the_authorizations_as_they_were(client):
    ctx = ready_establishment(client)
    agreement = validated(client, ctx, "2021-01-15")
    renewal = file_renewal(client, ctx, agreement["id"], "2021-06-20").json()
    url = f"/v1/apld-renewals/{renewal['id']}/decision"
    no_reason = client.post(
        url, headers=ctx["headers"], json={"outcome": "refused", "decided_on": "2021-06-25"}
    )
    assert assert_problem(no_reason, 422, "validation_error")["errors"][0]["field"] == "reason"
    early = client.post(
        url, headers=ctx["headers"], json={"outcome": "granted", "decided_on": "2021-06-19"}
    )
    assert_problem(early, 422, "validation_error")
    refused = client.post(
        url,
        headers=ctx["headers"],
        json={"outcome": "refused", "decided_on": "2021-06-25", "reason": "Engagements non tenus"},
    )
    assert refused.status_code == 200 and refused.json()["status"] == "refused"
    again = client.post(
        url, headers=ctx["headers"], json={"outcome": "granted", "decided_on": "2021-06-26"}
    )
    assert_problem(again, 409, "invalid_transition")
    after = client.get(f"/v1/apld-agreements/{agreement['id']}", headers=ctx["headers"]).json()
    assert len(after["authorizations"]) == 1
    listed = client.get(f"/v1/apld-agreements/{agreement['id']}/renewals", headers=ctx["headers"])
    assert [r["status"] for r in listed.json()] == ["refused"]


# --- R38: neutralisation of earlier agreements ----------------------------------------------------


def test_an_agreement_decided_on_14_december_2020_is_neutralised_only_once_recorded(client):
    ctx = ready_establishment(client)
    agreement = validated(
        client, ctx, "2020-12-14", start_on="2020-11-02", filed_at="2020-12-01T10:00:00+01:00"
    )
    assert agreement["neutralisation"] == {
        "applies": False,
        "automatic": False,
        "basis": None,
        "recorded_on": None,
        "first_month": "2020-11",
        "last_month": "2021-06",
    }
    assert agreement["usage"]["months_used"] == 7  # November 2020 – May 2021
    url = f"/v1/apld-agreements/{agreement['id']}/neutralisation"
    response = client.post(
        url, headers=ctx["headers"], json={"basis": "activity_stopped", "on": "2021-01-20"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["neutralisation"]["applies"] and not body["neutralisation"]["automatic"]
    assert body["usage"]["months_used"] == 0
    assert body["usage"]["agreement_end_on"] == "2023-07-01"  # 24 months + 8 neutralised
    again = client.post(url, headers=ctx["headers"], json={"basis": "amendment"})
    assert_problem(again, 409, "invalid_transition")


def test_an_agreement_decided_from_15_december_2020_is_neutralised_automatically(client):
    ctx = ready_establishment(client)
    agreement = validated(
        client, ctx, "2020-12-15", start_on="2020-11-02", filed_at="2020-12-01T10:00:00+01:00"
    )
    assert agreement["neutralisation"]["automatic"] is True
    assert agreement["usage"]["months_used"] == 0  # November 2020 – May 2021, all neutralised
    response = client.post(
        f"/v1/apld-agreements/{agreement['id']}/neutralisation",
        headers=ctx["headers"],
        json={"basis": "amendment"},
    )
    assert_problem(response, 409, "invalid_transition")
