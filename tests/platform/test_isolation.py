"""R4: another firm's resources answer exactly like missing ones and never show in its lists:
its clients and establishments, and across the filing lifecycle its contracts, habilitations,
requests, amendments, claims and events."""

import uuid
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.support.builders import (
    establishment_payload,
    firm_headers,
    make_client,
    make_establishment,
)
from tests.support.lifecycle import (
    PDF,
    accepted_request,
    create_claim,
    create_request,
    line,
    ok,
    ready_establishment,
    walk_claim,
)
from tests.support.problems import PROBLEM_JSON, assert_problem

# --- R4: clients and establishments ------------------------------------------------------------


@pytest.fixture
def two_firms(client):
    _, mine = firm_headers(client)
    _, theirs = firm_headers(client)
    company = make_client(client, mine)
    est = make_establishment(client, mine, company)
    return mine, theirs, company, est


def test_other_firms_resources_answer_like_missing_ones(client, two_firms):
    mine, theirs, company, est = two_firms
    missing = str(uuid.uuid4())
    calls = [
        ("GET", "/v1/clients/{}", None),
        ("PATCH", "/v1/clients/{}", {"legal_name": "X"}),
        ("DELETE", "/v1/clients/{}", None),
        ("GET", "/v1/establishments/{}", None),
        ("PATCH", "/v1/establishments/{}", {"name": "X"}),
        ("POST", "/v1/establishments/{}/archive", None),
        ("POST", "/v1/establishments/{}/restore", None),
    ]
    for method, path, body in calls:
        target = company["id"] if "clients" in path else est["id"]
        foreign = client.request(method, path.format(target), headers=theirs, json=body)
        absent = client.request(method, path.format(missing), headers=theirs, json=body)
        assert foreign.status_code == 404, (method, path)
        assert foreign.json()["code"] == absent.json()["code"] == "not_found"
        assert foreign.json()["detail"] == absent.json()["detail"]
    # nothing changed for the owner
    assert (
        client.get(f"/v1/clients/{company['id']}", headers=mine).json()["legal_name"]
        == company["legal_name"]
    )
    assert client.get(f"/v1/establishments/{est['id']}", headers=mine).json() == est


def test_lists_never_show_other_firms_rows(client, two_firms):
    mine, theirs, company, est = two_firms
    assert [e["id"] for e in client.get("/v1/establishments", headers=mine).json()["items"]] == [
        est["id"]
    ]
    assert client.get("/v1/clients", headers=theirs).json()["items"] == []
    assert client.get("/v1/establishments", headers=theirs).json()["items"] == []
    for params in (
        {"siret_prefix": est["siret"]},
        {"client_id": company["id"]},
        {"q": est["name"]},
    ):
        assert client.get("/v1/establishments", headers=theirs, params=params).json()["items"] == []


def test_establishment_cannot_be_attached_to_another_firms_client(client, two_firms):
    _, theirs, company, _ = two_firms
    response = client.post(
        "/v1/establishments", headers=theirs, json=establishment_payload(company, 2)
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_two_firms_can_manage_the_same_siret(client, two_firms):
    mine, theirs, company, est = two_firms
    their_company = make_client(client, theirs, siren=company["siren"])
    response = client.post(
        "/v1/establishments", headers=theirs, json=establishment_payload(their_company, 1)
    )
    assert response.status_code == 201
    assert response.json()["siret"] == est["siret"]
    assert response.json()["id"] != est["id"]
    assert client.get("/v1/firm", headers=mine).json()["establishments_active"] == 1
    assert client.get("/v1/firm", headers=theirs).json()["establishments_active"] == 1


# --- R4: a lifecycle per firm, in every state the routes act on ------------------------------


def all_items(
    client: TestClient, url: str, headers: dict[str, str], **params: Any
) -> list[dict[str, Any]]:
    """Every item of a paginated list, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = {"limit": 100, **params, **({"cursor": cursor} if cursor else {})}
        page = ok(client.get(url, headers=headers, params=query))
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


def lifecycle(client: TestClient, **client_overrides: Any) -> dict[str, Any]:
    """A firm with one resource in every state the routes act on."""
    ctx = ready_establishment(client, **client_overrides)
    h = ctx["headers"]
    company, est = ctx["client"], ctx["establishment"]
    contract = all_items(client, f"/v1/clients/{company['id']}/contracts", h)[0]
    # a second establishment with its habilitation still to do
    est2 = make_establishment(client, h, company, 2)
    # an accepted request with a deferred CSE opinion, and a draft for a later period
    accepted = accepted_request(client, ctx, cse={"status": "deferred"})
    draft = create_request(
        client, ctx, start_on="2020-09-01", end_on="2020-09-30", forecast_hours="500"
    )
    # a draft amendment and a filed (by now implicitly accepted) one
    amendments_url = f"/v1/authorization-requests/{accepted['id']}/amendments"
    draft_amendment = ok(client.post(amendments_url, headers=h, json={"end_on": "2020-07-31"}), 201)
    filed_amendment = ok(
        client.post(amendments_url, headers=h, json={"additional_hours": "100"}), 201
    )
    ok(
        client.post(
            f"/v1/amendments/{filed_amendment['id']}/file",
            headers=h,
            json={"filed_at": "2020-06-01T10:00:00+02:00"},
        )
    )
    # claims: paid (March), filed (April), draft (May)
    paid = ok(
        create_claim(client, ctx, accepted["id"], "2020-03", payroll_paid_on="2020-03-31"), 201
    )
    walk_claim(
        client,
        h,
        paid["id"],
        [
            ("file", {"filed_on": "2020-04-02"}),
            ("validate", {"on": "2020-04-10"}),
            ("paid", {"paid_on": "2020-04-15", "amount": "700.00"}),
        ],
    )
    filed = ok(create_claim(client, ctx, accepted["id"], "2020-04"), 201)
    walk_claim(client, h, filed["id"], [("file", {"filed_on": "2020-05-04"})])
    draft_claim = ok(
        create_claim(client, ctx, accepted["id"], "2020-05", payroll_paid_on="2020-05-31"), 201
    )
    notice = {"amount": "70.00", "reason": "Trop-perçu", "noticed_on": "2020-09-14"}
    claw_back = ok(client.post(f"/v1/claims/{paid['id']}/claw-backs", headers=h, json=notice), 201)
    return {
        **ctx,
        "establishments": [est["id"], est2["id"]],
        "contract": contract["id"],
        "requests": [accepted["id"], draft["id"]],
        "amendments": [draft_amendment["id"], filed_amendment["id"]],
        "claims": [paid["id"], filed["id"], draft_claim["id"]],
        "claw_backs": [claw_back["id"]],
    }


def ids_of(firm: dict[str, Any]) -> set[str]:
    return {
        firm["client"]["id"],
        firm["contract"],
        *firm["establishments"],
        *firm["requests"],
        *firm["amendments"],
        *firm["claims"],
        *firm["claw_backs"],
    }


def snapshot(client: TestClient, firm: dict[str, Any]) -> dict[str, Any]:
    """Everything the owner can read about its lifecycle."""
    h = firm["headers"]
    state: dict[str, Any] = {
        "contracts": all_items(client, f"/v1/clients/{firm['client']['id']}/contracts", h),
        "document": client.get(f"/v1/contracts/{firm['contract']}/document", headers=h).content,
        "requests": all_items(client, "/v1/authorization-requests", h),
        "claims": [ok(client.get(f"/v1/claims/{c}", headers=h)) for c in firm["claims"]],
        "claw_backs": [all_items(client, f"/v1/claims/{c}/claw-backs", h) for c in firm["claims"]],
        "amendments": [
            ok(client.get(f"/v1/amendments/{a}", headers=h)) for a in firm["amendments"]
        ],
        "deadlines": all_items(client, "/v1/deadlines", h),
        "events": all_items(client, "/v1/events", h),
    }
    for est in firm["establishments"]:
        state[est] = ok(client.get(f"/v1/establishments/{est}/habilitation", headers=h))
        state[f"{est}/events"] = all_items(client, f"/v1/establishments/{est}/events", h)
    return state


@pytest.fixture
def firms(client):
    mine = lifecycle(client)
    # the other firm manages the same SIREN and SIRET, with a lifecycle of its own (R4)
    theirs = lifecycle(client, siren=mine["client"]["siren"])
    assert theirs["establishment"]["siret"] == mine["establishment"]["siret"]
    return mine, theirs


CLAIM_LINE = [line("E9")]


def foreign_calls(mine: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any] | None]]:
    """(method, path template, target id, JSON body): every route on one resource. Bodies are
    valid, so an unscoped route would have acted on the owner's row."""
    calls: list[tuple[str, str, str, dict[str, Any] | None]] = []
    contract = mine["contract"]
    calls += [
        ("GET", "/v1/contracts/{}", contract, None),
        ("GET", "/v1/contracts/{}/document", contract, None),
        ("POST", "/v1/contracts/{}/terminate", contract, {"on": "2020-12-31"}),
        ("DELETE", "/v1/contracts/{}", contract, None),
        ("GET", "/v1/clients/{}/contracts", mine["client"]["id"], None),
    ]
    for est in mine["establishments"]:
        calls += [
            ("GET", "/v1/establishments/{}/habilitation", est, None),
            ("POST", "/v1/establishments/{}/habilitation/request", est, {"on": "2020-03-05"}),
            (
                "POST",
                "/v1/establishments/{}/habilitation/credentials-sent",
                est,
                {"on": "2020-03-05"},
            ),
            ("POST", "/v1/establishments/{}/habilitation/habilitated", est, {"on": "2020-03-05"}),
            ("GET", "/v1/establishments/{}/events", est, None),
            ("GET", "/v1/establishments/{}/summary", est, None),
            ("GET", "/v1/establishments/{}/authorization-requests", est, None),
            (
                "POST",
                "/v1/establishments/{}/authorization-requests",
                est,
                {"start_on": "2021-01-04", "end_on": "2021-01-31"},
            ),
        ]
    for request in mine["requests"]:
        calls += [
            ("GET", "/v1/authorization-requests/{}", request, None),
            ("PATCH", "/v1/authorization-requests/{}", request, {"justification": "Autre."}),
            ("DELETE", "/v1/authorization-requests/{}", request, None),
            (
                "POST",
                "/v1/authorization-requests/{}/file",
                request,
                {"filed_at": "2020-08-20T10:00:00+02:00"},
            ),
            (
                "POST",
                "/v1/authorization-requests/{}/decision",
                request,
                {"outcome": "invalidated", "decided_on": "2020-05-01", "reason": "Retrait."},
            ),
            (
                "POST",
                "/v1/authorization-requests/{}/cse-opinion",
                request,
                {"consulted_on": "2020-04-01", "opinion": "favourable"},
            ),
            ("GET", "/v1/authorization-requests/{}/amendments", request, None),
            (
                "POST",
                "/v1/authorization-requests/{}/amendments",
                request,
                {"additional_employees": 1},
            ),
            ("GET", "/v1/authorization-requests/{}/claims", request, None),
            (
                "POST",
                "/v1/authorization-requests/{}/claims",
                request,
                {"month": "2020-06", "payroll_paid_on": "2020-06-30", "lines": CLAIM_LINE},
            ),
        ]
    for amendment in mine["amendments"]:
        calls += [
            ("GET", "/v1/amendments/{}", amendment, None),
            (
                "POST",
                "/v1/amendments/{}/file",
                amendment,
                {"filed_at": "2020-06-02T10:00:00+02:00"},
            ),
            (
                "POST",
                "/v1/amendments/{}/decision",
                amendment,
                {
                    "outcome": "accepted",
                    "decided_on": "2020-06-10",
                    "decision_number": "AV-1",
                    "authorized_hours": "100",
                    "authorized_employees": 0,
                },
            ),
        ]
    for claim in mine["claims"]:
        calls += [
            ("GET", "/v1/claims/{}", claim, None),
            ("GET", "/v1/claims/{}/export", claim, None),
            ("GET", "/v1/claims/{}/export?format=json", claim, None),
            ("PATCH", "/v1/claims/{}", claim, {"payroll_paid_on": "2020-05-30"}),
            ("DELETE", "/v1/claims/{}", claim, None),
            ("POST", "/v1/claims/{}/file", claim, {"filed_on": "2020-06-05"}),
            ("POST", "/v1/claims/{}/validate", claim, {"on": "2020-06-10"}),
            ("POST", "/v1/claims/{}/reject", claim, {"reason": "Pièces manquantes."}),
            ("POST", "/v1/claims/{}/paid", claim, {"paid_on": "2020-06-15", "amount": "1.00"}),
            ("POST", "/v1/claims/{}/corrections", claim, {}),
            ("POST", "/v1/claims/{}/withdraw", claim, {"reason": "Erreur"}),
            ("GET", "/v1/claims/{}/claw-backs", claim, None),
            ("POST", "/v1/claims/{}/claw-backs", claim, {"amount": "1.00", "reason": "x"}),
        ]
    for claw_back in mine["claw_backs"]:
        calls += [
            ("GET", "/v1/claw-backs/{}", claw_back, None),
            ("POST", "/v1/claw-backs/{}/issue", claw_back, {"on": "2020-10-01"}),
            ("POST", "/v1/claw-backs/{}/cancel", claw_back, {"reason": "OR invalidé"}),
        ]
    return calls


# --- R4: every route on another firm's lifecycle ----------------------------------------------


def test_other_firms_lifecycle_resources_answer_like_missing_ones(client, firms):
    mine, theirs = firms
    before = snapshot(client, mine)
    calls = foreign_calls(mine)
    assert len({(method, path) for method, path, _, _ in calls}) == 42  # routes covered
    for method, path, target, body in calls:
        missing = str(uuid.uuid4())
        foreign = client.request(method, path.format(target), headers=theirs["headers"], json=body)
        absent = client.request(method, path.format(missing), headers=theirs["headers"], json=body)
        where = (method, path)
        assert foreign.status_code == 404, (where, foreign.text)
        assert foreign.headers["content-type"].startswith(PROBLEM_JSON), where
        assert foreign.json()["code"] == "not_found", where
        assert foreign.json() == absent.json(), where
    assert snapshot(client, mine) == before


def test_contract_upload_for_another_firms_client_answers_like_a_missing_client(client, firms):
    mine, theirs = firms
    before = snapshot(client, mine)
    answers = []
    for client_id in (mine["client"]["id"], str(uuid.uuid4())):
        response = client.post(
            f"/v1/clients/{client_id}/contracts",
            headers=theirs["headers"],
            data={
                "signed_on": "2020-03-02",
                "signatory_name": "Intrus",
                "signatory_role": "Gérant",
            },
            files={"document": ("contrat.pdf", PDF, "application/pdf")},
        )
        answers.append(assert_problem(response, 404, "not_found"))
    assert answers[0] == answers[1]
    assert snapshot(client, mine) == before


def test_the_owner_still_acts_on_its_resources_afterwards(client, firms):
    """The 404s above are not a broken route: the owner's same calls succeed."""
    mine, theirs = firms
    for method, path, target, body in foreign_calls(mine)[:3]:
        client.request(method, path.format(target), headers=theirs["headers"], json=body)
    h = mine["headers"]
    assert client.get(f"/v1/contracts/{mine['contract']}/document", headers=h).content == PDF
    terminated = client.post(
        f"/v1/contracts/{mine['contract']}/terminate", headers=h, json={"on": "2020-12-31"}
    )
    assert ok(terminated)["status"] == "terminated"
    assert ok(client.get(f"/v1/claims/{mine['claims'][2]}", headers=h))["status"] == "draft"
    assert client.delete(f"/v1/claims/{mine['claims'][2]}", headers=h).status_code == 204


def test_firm_wide_lists_never_show_the_other_firms_rows(client, firms):
    mine, theirs = firms
    for me, other in ((mine, theirs), (theirs, mine)):
        h, foreign_ids = me["headers"], ids_of(other)
        requests = all_items(client, "/v1/authorization-requests", h)
        assert {r["id"] for r in requests} == set(me["requests"])
        claims = all_items(client, "/v1/claims", h)
        assert {c["id"] for c in claims} == set(me["claims"])
        deadlines = all_items(client, "/v1/deadlines", h)
        assert deadlines, "each firm has deadlines of its own"
        assert {d["establishment_id"] for d in deadlines} <= set(me["establishments"])
        assert {d["resource_id"] for d in deadlines} <= {*me["requests"], *me["claw_backs"]}
        assert set(me["claw_backs"]) <= {d["resource_id"] for d in deadlines}
        events = all_items(client, "/v1/events", h)
        assert events
        assert not {e["resource_id"] for e in events} & foreign_ids
        assert not {e["establishment_id"] for e in events} & set(other["establishments"])


def test_list_filters_on_the_other_firms_ids_show_nothing(client, firms):
    mine, theirs = firms
    h = theirs["headers"]
    est, request = mine["establishment"]["id"], mine["requests"][0]
    assert all_items(client, "/v1/claims", h, establishment_id=est) == []
    assert all_items(client, "/v1/deadlines", h, establishment_id=est) == []
    assert all_items(client, "/v1/deadlines", h, client_id=mine["client"]["id"]) == []
    assert all_items(client, "/v1/events", h, resource_id=request) == []
    assert all_items(client, "/v1/events", h, resource_id=mine["contract"]) == []
    foreign = client.get("/v1/authorization-requests", headers=h, params={"establishment_id": est})
    absent = client.get(
        "/v1/authorization-requests", headers=h, params={"establishment_id": str(uuid.uuid4())}
    )
    assert_problem(foreign, 404, "not_found")
    assert foreign.json() == absent.json()


def test_the_same_siret_in_two_firms_keeps_separate_lifecycles(client, firms):
    mine, theirs = firms
    for me in (mine, theirs):
        h = me["headers"]
        est = me["establishment"]["id"]
        habilitation = ok(client.get(f"/v1/establishments/{est}/habilitation", headers=h))
        assert habilitation["status"] == "habilitated"
        listed = all_items(client, f"/v1/establishments/{est}/authorization-requests", h)
        assert {r["id"] for r in listed} == set(me["requests"])
        events = all_items(client, f"/v1/establishments/{est}/events", h)
        assert {e["establishment_id"] for e in events} == {est}
