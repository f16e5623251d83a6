"""Habilitation of the establishment's APART account (R5, R8, R9): three dated steps in order,
dates that never go backwards nor lie in the future, no APART credentials, and no DAP filed for
an establishment that is not habilitated."""

import uuid
from datetime import timedelta
from typing import Any

import pytest

from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.lifecycle import create_request, file_request, upload_contract
from tests.support.problems import assert_problem

STEPS = ("request", "credentials-sent", "habilitated")
STATUS_AFTER = {
    "request": "requested",
    "credentials-sent": "credentials_sent",
    "habilitated": "habilitated",
}


@pytest.fixture
def ctx(client) -> dict[str, Any]:
    """A client with a contract signed 2020-03-02 and an establishment not yet habilitated."""
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    upload_contract(client, headers, company["id"])
    return {"headers": headers, "client": company, "establishment": est}


def step(client, ctx: dict[str, Any], name: str, on: str | None = "2020-03-05", **extra: Any):
    body: dict[str, Any] = {} if on is None else {"on": on}
    body.update(extra)
    return client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/habilitation/{name}",
        headers=ctx["headers"],
        json=body,
    )


def habilitation(client, ctx: dict[str, Any]) -> dict[str, Any]:
    response = client.get(
        f"/v1/establishments/{ctx['establishment']['id']}/habilitation", headers=ctx["headers"]
    )
    assert response.status_code == 200, response.text
    return response.json()


def events(client, ctx: dict[str, Any]) -> list[dict[str, Any]]:
    response = client.get(
        f"/v1/establishments/{ctx['establishment']['id']}/events",
        headers=ctx["headers"],
        params={"limit": 100},
    )
    assert response.status_code == 200, response.text
    return response.json()["items"]


# --- R8: the steps -------------------------------------------------------------------------


def test_new_establishment_is_not_requested(client, ctx):
    assert habilitation(client, ctx) == {
        "establishment_id": ctx["establishment"]["id"],
        "status": "not_requested",
        "requested_on": None,
        "credentials_sent_on": None,
        "habilitated_on": None,
    }


def test_habilitation_of_an_unknown_establishment_is_404(client, ctx):
    response = client.get(f"/v1/establishments/{uuid.uuid4()}/habilitation", headers=ctx["headers"])
    assert_problem(response, 404, "not_found")
    assert_problem(
        client.post(
            f"/v1/establishments/{uuid.uuid4()}/habilitation/request",
            headers=ctx["headers"],
            json={"on": "2020-03-05"},
        ),
        404,
        "not_found",
    )


def test_steps_in_order_each_with_its_date(client, ctx):
    dates = {"request": "2020-03-05", "credentials-sent": "2020-03-07", "habilitated": "2020-03-09"}
    expected = {"requested_on": None, "credentials_sent_on": None, "habilitated_on": None}
    for name, field in zip(STEPS, expected, strict=True):
        response = step(client, ctx, name, dates[name])
        assert response.status_code == 200, response.text
        expected[field] = dates[name]
        body = response.json()
        assert body == {
            "establishment_id": ctx["establishment"]["id"],
            "status": STATUS_AFTER[name],
            **expected,
        }
        assert habilitation(client, ctx) == body


def test_steps_may_share_one_date(client, ctx):
    for name in STEPS:
        assert step(client, ctx, name, "2020-03-05").status_code == 200
    assert habilitation(client, ctx)["status"] == "habilitated"


def test_step_date_defaults_to_today_in_paris(client, ctx, clock):
    response = step(client, ctx, "request", on=None)
    assert response.status_code == 200, response.text
    assert response.json()["requested_on"] == clock.today().isoformat()


@pytest.mark.parametrize(
    ("done", "attempt"),
    [
        pytest.param((), "credentials-sent", id="credentials-before-request"),
        pytest.param((), "habilitated", id="habilitated-before-request"),
        pytest.param(("request",), "habilitated", id="habilitated-before-credentials"),
    ],
)
def test_skipping_a_step_is_409_invalid_transition(client, ctx, done, attempt):
    for name in done:
        assert step(client, ctx, name).status_code == 200
    before = habilitation(client, ctx)
    assert_problem(step(client, ctx, attempt), 409, "invalid_transition")
    assert habilitation(client, ctx) == before


@pytest.mark.parametrize("repeated", STEPS)
def test_repeating_a_step_is_409_invalid_transition(client, ctx, repeated):
    for name in STEPS[: STEPS.index(repeated) + 1]:
        assert step(client, ctx, name, "2020-03-05").status_code == 200
    before = habilitation(client, ctx)
    assert_problem(step(client, ctx, repeated, "2020-03-06"), 409, "invalid_transition")
    assert habilitation(client, ctx) == before


def test_going_back_a_step_is_409_invalid_transition(client, ctx):
    for name in STEPS:
        assert step(client, ctx, name).status_code == 200
    for name in ("request", "credentials-sent"):
        assert_problem(step(client, ctx, name), 409, "invalid_transition")
    assert habilitation(client, ctx)["status"] == "habilitated"


@pytest.mark.parametrize("later", ["credentials-sent", "habilitated"])
def test_date_before_the_previous_step_is_422(client, ctx, later):
    for name in STEPS[: STEPS.index(later)]:
        assert step(client, ctx, name, "2020-03-10").status_code == 200
    before = habilitation(client, ctx)
    body = assert_problem(step(client, ctx, later, "2020-03-09"), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["on"]
    assert habilitation(client, ctx) == before


@pytest.mark.parametrize("name", STEPS)
def test_date_in_the_future_is_422(client, ctx, clock, name):
    today = clock.today()
    for previous in STEPS[: STEPS.index(name)]:
        assert step(client, ctx, previous, today.isoformat()).status_code == 200
    before = habilitation(client, ctx)
    tomorrow = (today + timedelta(days=1)).isoformat()
    body = assert_problem(step(client, ctx, name, tomorrow), 422, "validation_error")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("on", "date_in_future")]
    assert habilitation(client, ctx) == before


def test_malformed_date_is_422(client, ctx):
    body = assert_problem(step(client, ctx, "request", "05/03/2020"), 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["on"]


# --- R6: a contract in force to request -----------------------------------------------------


def test_request_without_any_contract_is_409_contract_required(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    est = make_establishment(client, headers, company)
    no_contract = {"headers": headers, "client": company, "establishment": est}
    assert_problem(step(client, no_contract, "request"), 409, "contract_required")
    assert habilitation(client, no_contract)["status"] == "not_requested"


def test_only_the_request_step_needs_a_contract(client, ctx):
    """Once requested, the later steps are APART's and the client's doing (R8)."""
    assert step(client, ctx, "request", "2020-03-05").status_code == 200
    contracts = client.get(
        f"/v1/clients/{ctx['client']['id']}/contracts", headers=ctx["headers"]
    ).json()["items"]
    terminated = client.post(
        f"/v1/contracts/{contracts[0]['id']}/terminate",
        headers=ctx["headers"],
        json={"on": "2020-03-06"},
    )
    assert terminated.status_code == 200
    assert step(client, ctx, "credentials-sent", "2020-03-07").status_code == 200
    assert step(client, ctx, "habilitated", "2020-03-08").status_code == 200


# --- archived establishments -----------------------------------------------------------------


def test_steps_on_an_archived_establishment_are_409_establishment_archived(client, ctx):
    assert step(client, ctx, "request").status_code == 200
    archived = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/archive", headers=ctx["headers"]
    )
    assert archived.status_code == 200, archived.text
    for name in STEPS:
        assert_problem(step(client, ctx, name), 409, "establishment_archived")
    assert habilitation(client, ctx)["status"] == "requested"
    restored = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/restore", headers=ctx["headers"]
    )
    assert restored.status_code == 200, restored.text
    assert step(client, ctx, "credentials-sent").status_code == 200


def test_request_on_an_archived_establishment_is_409_establishment_archived(client, ctx):
    client.post(f"/v1/establishments/{ctx['establishment']['id']}/archive", headers=ctx["headers"])
    assert_problem(step(client, ctx, "request"), 409, "establishment_archived")
    assert habilitation(client, ctx)["status"] == "not_requested"


# --- R5: no APART credentials -----------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {"password": "x"},
        {"identifier": "jeanne.martin"},
        {"apart_password": "secret"},
        {"login": "jeanne.martin", "password": "secret"},
    ],
)
@pytest.mark.parametrize("name", STEPS)
def test_no_step_accepts_apart_credentials(client, ctx, name, extra):
    for previous in STEPS[: STEPS.index(name)]:
        assert step(client, ctx, previous).status_code == 200
    before = habilitation(client, ctx)
    body = assert_problem(step(client, ctx, name, **extra), 422, "validation_error")
    assert {(e["field"], e["type"]) for e in body["errors"]} == {
        (field, "extra_forbidden") for field in extra
    }
    assert "secret" not in str(body)
    assert habilitation(client, ctx) == before


def test_habilitation_schema_has_no_credential_field(client):
    schemas = client.get("/openapi.json").json()["components"]["schemas"]
    assert set(schemas["HabilitationStep"]["properties"]) == {"on"}
    assert schemas["HabilitationStep"]["additionalProperties"] is False
    assert set(schemas["HabilitationPublic"]["properties"]) == {
        "establishment_id",
        "status",
        "requested_on",
        "credentials_sent_on",
        "habilitated_on",
    }


# --- R9: habilitated before filing a DAP -----------------------------------------------------


@pytest.mark.parametrize(
    "done",
    [
        pytest.param((), id="not_requested"),
        pytest.param(("request",), id="requested"),
        pytest.param(("request", "credentials-sent"), id="credentials_sent"),
    ],
)
def test_filing_for_a_non_habilitated_establishment_is_409_habilitation_required(client, ctx, done):
    for name in done:
        assert step(client, ctx, name, "2020-03-05").status_code == 200
    draft = create_request(client, ctx)
    assert_problem(file_request(client, ctx, draft["id"]), 409, "habilitation_required")
    kept = client.get(f"/v1/authorization-requests/{draft['id']}", headers=ctx["headers"])
    assert kept.json()["status"] == "draft"
    assert kept.json()["filed_at"] is None


def test_filing_before_the_habilitation_date_is_409_habilitation_required(client, ctx):
    for name in STEPS:
        assert step(client, ctx, name, "2020-03-25").status_code == 200
    draft = create_request(client, ctx)
    assert_problem(
        file_request(client, ctx, draft["id"], "2020-03-20T10:00:00+01:00"),
        409,
        "habilitation_required",
    )
    filed = file_request(client, ctx, draft["id"], "2020-03-25T10:00:00+01:00")
    assert filed.status_code == 200, filed.text


def test_filing_once_habilitated_succeeds(client, ctx):
    for name in STEPS:
        assert step(client, ctx, name, "2020-03-05").status_code == 200
    draft = create_request(client, ctx)
    filed = file_request(client, ctx, draft["id"])
    assert filed.status_code == 200, filed.text
    assert filed.json()["filed_at"] is not None


# --- R26: audit events -------------------------------------------------------------------------


def test_each_step_writes_an_event_with_status_before_and_after(client, ctx):
    for name in STEPS:
        assert step(client, ctx, name).status_code == 200
    recorded = [e for e in events(client, ctx) if e["resource_type"] == "habilitation"]
    assert [(e["action"], e["status_before"], e["status_after"]) for e in recorded] == [
        ("habilitation.requested", "not_requested", "requested"),
        ("habilitation.credentials_sent", "requested", "credentials_sent"),
        ("habilitation.habilitated", "credentials_sent", "habilitated"),
    ]
    assert {e["establishment_id"] for e in recorded} == {ctx["establishment"]["id"]}
    assert len({e["resource_id"] for e in recorded}) == 1
    assert all(e["actor_id"] for e in recorded)


def test_refused_steps_write_no_event(client, ctx, clock):
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()
    refused = [
        step(client, ctx, "credentials-sent"),  # skipped a step
        step(client, ctx, "request", tomorrow),  # in the future
        step(client, ctx, "request", "2020-03-01"),  # before the contract was signed
        step(client, ctx, "request", password="x"),  # credentials
    ]
    assert [r.status_code for r in refused] == [409, 422, 409, 422]
    assert [e for e in events(client, ctx) if e["resource_type"] == "habilitation"] == []
