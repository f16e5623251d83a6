"""The whole walk, over HTTP: contract → habilitation → request → decision → claim → paid."""

from tests.support.lifecycle import (
    create_claim,
    create_request,
    file_request,
    line,
    ready_establishment,
)


def test_a_client_goes_from_contract_to_a_paid_claim(client):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    est_id = ctx["establishment"]["id"]
    assert (
        client.get(f"/v1/establishments/{est_id}/habilitation", headers=h).json()["status"]
        == "habilitated"
    )

    draft = create_request(client, ctx)
    assert draft["status"] == "draft"
    assert draft["filing_deadline"] == "2020-04-30"  # spring 2020 tolerance (R12)

    filed = file_request(client, ctx, draft["id"])
    assert filed.status_code == 200, filed.text
    filed = filed.json()
    assert filed["status"] == "accepted_implicitly"  # the clock is in 2026: silence long since
    assert filed["implicit_acceptance_at"].startswith("2020-03-22")  # 2 days in 2020 (R16)

    decided = client.post(
        f"/v1/authorization-requests/{draft['id']}/decision",
        headers=h,
        json={
            "outcome": "accepted",
            "decided_on": "2020-03-21",
            "decision_number": "DEC-1",
            "authorized_hours": "1000",
            "authorized_employees": 3,
        },
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "accepted"
    assert decided.json()["authorized"] == {
        "start_on": "2020-03-16", "end_on": "2020-06-30", "hours": "1000.00", "employees": 3,
    }  # fmt: skip

    claim = create_claim(
        client, ctx, draft["id"], lines=[line("E1"), line("E2", nir="1 85 05 78 006 084 91")]
    )
    assert claim.status_code == 201, claim.text
    claim = claim.json()
    assert claim["status"] == "draft"
    assert claim["total_hours"] == "160.00"
    assert claim["lines"][1]["nir"] == "1 ** ** ** *** *** 91"

    steps = [
        ("file", {"filed_on": "2020-05-04"}, "filed"),
        ("validate", {"on": "2020-05-10"}, "validated"),
        ("paid", {"paid_on": "2020-05-15", "amount": "1400.00"}, "paid"),
    ]
    for step, body, status in steps:
        response = client.post(f"/v1/claims/{claim['id']}/{step}", headers=h, json=body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status

    listed = client.get("/v1/claims", headers=h).json()["items"]
    assert [c["id"] for c in listed] == [claim["id"]]
    assert "lines" not in listed[0]
    assert "85 05" not in str(listed)

    events = client.get(
        f"/v1/establishments/{est_id}/events", headers=h, params={"limit": 100}
    ).json()
    actions = [e["action"] for e in events["items"]]
    for expected in (
        "habilitation.requested", "habilitation.credentials_sent", "habilitation.habilitated",
        "authorization_request.created", "authorization_request.filed",
        "authorization_request.accepted", "claim.created", "claim.filed", "claim.validated",
        "claim.paid",
    ):  # fmt: skip
        assert expected in actions, (expected, actions)


def test_r17_a_decision_is_never_dated_before_the_one_it_follows(client):
    from tests.support.lifecycle import accepted_request

    ctx = ready_establishment(client)
    accepted = accepted_request(client, ctx)  # accepted on 2020-03-25
    earlier = client.post(
        f"/v1/authorization-requests/{accepted['id']}/decision",
        headers=ctx["headers"],
        json={"outcome": "invalidated", "decided_on": "2020-03-24", "reason": "Retrait"},
    )
    assert earlier.status_code == 422, earlier.text
    assert earlier.json()["errors"][0]["field"] == "decided_on"
    later = client.post(
        f"/v1/authorization-requests/{accepted['id']}/decision",
        headers=ctx["headers"],
        json={"outcome": "invalidated", "decided_on": "2020-04-02", "reason": "Retrait"},
    )
    assert later.status_code == 200, later.text
    assert later.json()["status"] == "invalidated"
