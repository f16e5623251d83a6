"""APLD claims over HTTP (R41): one per covered establishment and month of an authorization,
the claims' lifecycle, the APLD table's amounts, R19–R21 read for APLD."""

from fastapi.testclient import TestClient

from tests.apld.support import apld_claim, decided_agreement
from tests.support.builders import make_establishment
from tests.support.lifecycle import line, ready_establishment, walk_claim
from tests.support.problems import assert_problem

NIR = "1 85 05 78 006 084 91"


def test_an_apld_claim_is_priced_with_the_apld_table(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    response = apld_claim(client, ctx, agreement["id"], "2021-07", [line(nir=NIR)])
    assert response.status_code == 201, response.text
    claim = response.json()
    assert (claim["scheme"], claim["request_id"], claim["apld_agreement_id"]) == (
        "apld",
        None,
        agreement["id"],
    )
    priced = claim["lines"][0]
    # 70 % and 60 % of 12.50 € (the ordinary general regime of 2021-07 pays 60 % and 36 %)
    assert (priced["indemnity_per_hour"], priced["allocation_per_hour"]) == ("8.7500", "7.5000")
    assert (claim["total_indemnity"], claim["total_allocation"]) == ("700.00", "600.00")
    assert priced["nir"].startswith("1 ** ") and "84 91" not in priced["nir"]
    listed = client.get(f"/v1/apld-agreements/{agreement['id']}/claims", headers=ctx["headers"])
    assert [c["id"] for c in listed.json()["items"]] == [claim["id"]]


def test_raised_allocation_from_2020_11_takes_the_higher_ordinary_rate(client: TestClient):
    # R41: the client's protected regime pays 70 % in 2020-11, above APLD's 60 %
    ctx = ready_establishment(client)
    regime = client.post(
        f"/v1/clients/{ctx['client']['id']}/regimes",
        headers=ctx["headers"],
        json={"regime": "protected", "effective_from": "2020-07-01"},
    )
    assert regime.status_code in (200, 201), regime.text
    agreement = decided_agreement(
        client,
        ctx,
        start_on="2020-07-01",
        filed_at="2020-07-10T10:00:00+02:00",
        decided_on="2020-07-20",
    )
    october = apld_claim(client, ctx, agreement["id"], "2020-10", [line()], "2020-10-30").json()
    november = apld_claim(client, ctx, agreement["id"], "2020-11", [line()], "2020-11-30").json()
    assert october["lines"][0]["allocation_per_hour"] == "7.5000"  # not raised yet: 60 %
    assert november["lines"][0]["allocation_per_hour"] == "8.7500"  # raised: 70 %


def test_the_month_is_one_of_an_authorization(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)  # authorization 2021-01-04 – 2021-07-03
    assert apld_claim(client, ctx, agreement["id"], "2021-07").status_code == 201
    after = apld_claim(client, ctx, agreement["id"], "2021-08")
    assert_problem(after, 409, "month_outside_authorization")
    before = apld_claim(client, ctx, agreement["id"], "2020-12")
    assert_problem(before, 409, "month_outside_authorization")
    again = apld_claim(client, ctx, agreement["id"], "2021-07")
    assert_problem(again, 409, "duplicate_claim_month")


def test_only_a_covered_establishment_of_the_firm(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    other = make_establishment(client, ctx["headers"], ctx["client"], n=2)
    response = apld_claim(client, ctx, agreement["id"], "2021-03", establishment_id=other["id"])
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["type"] == "establishment_not_covered"
    claim = apld_claim(client, ctx, agreement["id"], "2021-03").json()
    stranger = ready_establishment(client)
    assert apld_claim(client, stranger, agreement["id"], "2021-03").status_code == 404
    theirs = {"headers": stranger["headers"]}
    assert client.get(f"/v1/claims/{claim['id']}", headers=theirs["headers"]).status_code == 404
    for path in ("claims", "meter"):
        found = client.get(
            f"/v1/apld-agreements/{agreement['id']}/{path}", headers=theirs["headers"]
        )
        assert found.status_code == 404


def test_an_absence_reason_is_an_ordinary_claims_only(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    response = apld_claim(
        client,
        ctx,
        agreement["id"],
        "2021-03",
        [line(absence_reason="vulnerable", specific_absence_days=5)],
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["type"] == "absence_not_apld"


def test_the_lifecycle_is_the_claims_own(client: TestClient):
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    claim = apld_claim(client, ctx, agreement["id"], "2021-07", payroll_paid_on="2021-07-30")
    claim_id = claim.json()["id"]
    h = ctx["headers"]
    walk_claim(
        client,
        h,
        claim_id,
        [
            ("file", {"filed_on": "2021-08-02"}),
            ("validate", {"on": "2021-08-10"}),
            ("paid", {"paid_on": "2021-08-20", "amount": "600.00"}),
        ],
    )
    paid = client.get(f"/v1/claims/{claim_id}", headers=h).json()
    assert (paid["status"], paid["discrepancy"]) == ("paid", "0.00")
    export = client.get(f"/v1/claims/{claim_id}/export", headers=h)
    assert export.status_code == 200 and "600,00" in export.text
    events = client.get("/v1/events", headers=h, params={"resource_id": claim_id})
    assert events.status_code == 200, events.text
    actions = [e["action"] for e in events.json()["items"]]
    assert {"claim.created", "claim.filed", "claim.validated", "claim.paid"} <= set(actions)


def test_filing_waits_for_the_agreements_decision(client: TestClient):
    # Filed 2021-01-05 09:30 and never decided explicitly: validated by silence on 2021-01-20.
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx, decided_on=None)
    claim = apld_claim(client, ctx, agreement["id"], "2021-01", payroll_paid_on="2021-01-15")
    path = f"/v1/claims/{claim.json()['id']}/file"
    early = client.post(path, headers=ctx["headers"], json={"filed_on": "2021-01-19"})
    assert_problem(early, 409, "apld_not_authorized_yet")
    on_time = client.post(path, headers=ctx["headers"], json={"filed_on": "2021-01-20"})
    assert on_time.status_code == 200, on_time.text


def test_the_time_bar_runs_from_the_authorizations_end(client: TestClient):
    # R21: the first authorization ends 2021-07-03, its claims are filed by 2022-01-03
    ctx = ready_establishment(client)
    agreement = decided_agreement(client, ctx)
    claim = apld_claim(client, ctx, agreement["id"], "2021-06", payroll_paid_on="2021-06-30")
    path = f"/v1/claims/{claim.json()['id']}/file"
    late = client.post(path, headers=ctx["headers"], json={"filed_on": "2022-01-04"})
    assert_problem(late, 409, "claim_time_barred")
    last_day = client.post(path, headers=ctx["headers"], json={"filed_on": "2022-01-03"})
    assert last_day.status_code == 200, last_day.text


def test_a_paid_apld_claim_is_corrected_and_clawed_back_like_any_claim(client: TestClient):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    agreement = decided_agreement(client, ctx)
    claim = apld_claim(client, ctx, agreement["id"], "2021-07", payroll_paid_on="2021-07-30")
    claim_id = claim.json()["id"]
    walk_claim(
        client,
        h,
        claim_id,
        [
            ("file", {"filed_on": "2021-08-02"}),
            ("validate", {"on": "2021-08-10"}),
            ("paid", {"paid_on": "2021-08-20", "amount": "600.00"}),
        ],
    )
    clawed = client.post(
        f"/v1/claims/{claim_id}/claw-backs",
        headers=h,
        json={"amount": "50.00", "reason": "Trop-perçu", "noticed_on": "2021-09-01"},
    )
    assert clawed.status_code == 201, clawed.text
    correction = client.post(
        f"/v1/claims/{claim_id}/corrections",
        headers=h,
        json={"lines": [line(hours_not_worked="60")]},
    )
    assert correction.status_code == 201, correction.text
    body = correction.json()
    assert (body["scheme"], body["version"], body["corrects_id"]) == ("apld", 2, claim_id)
    # still the APLD table: 60 h at 7.50 €
    assert body["total_allocation"] == "450.00"
