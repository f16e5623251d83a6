"""MAX_JSON_BYTES: a body other than an upload (JSON, a login form) larger than the limit is a
413 payload_too_large before it is parsed, announced or sent in chunks; nothing is written."""

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from tests.conftest import RolledBackSessions, portal_client
from tests.support.builders import firm_headers, make_client
from tests.support.lifecycle import (
    create_request,
    decide_request,
    file_request,
    ready_establishment,
)
from tests.support.problems import assert_problem

SMALL_LIMIT = 4096


@pytest.fixture
def small_client(settings, clock, connection, portal) -> Iterator[TestClient]:
    small = settings.model_copy(update={"max_json_bytes": SMALL_LIMIT})
    app = create_app(small, clock=clock, session_factory=RolledBackSessions(connection))
    with portal_client(app, portal) as c:
        yield c


def client_body(size: int) -> bytes:
    """A valid client whose JSON text is `size` bytes long (padded with spaces)."""
    body = json.dumps({"siren": "732829320", "legal_name": "Boulangerie", "headcount": 3})
    return body.encode().ljust(size)


def chunks(body: bytes, size: int = 1000) -> Iterator[bytes]:
    """Sent without Content-Length (chunked)."""
    for start in range(0, len(body), size):
        yield body[start : start + size]


def test_an_announced_json_body_over_the_limit_is_413_before_it_is_parsed(small_client):
    _, headers = firm_headers(small_client)
    json_headers = {**headers, "Content-Type": "application/json"}
    response = small_client.post(
        "/v1/clients", headers=json_headers, content=b"{" * (SMALL_LIMIT + 1)
    )
    body = assert_problem(response, 413, "payload_too_large")
    assert str(SMALL_LIMIT) in body["detail"]
    assert small_client.get("/v1/clients", headers=headers).json()["items"] == []


def test_a_chunked_json_body_over_the_limit_is_413_and_nothing_is_written(small_client):
    _, headers = firm_headers(small_client)
    json_headers = {**headers, "Content-Type": "application/json"}
    response = small_client.post(
        "/v1/clients", headers=json_headers, content=chunks(client_body(SMALL_LIMIT + 1))
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413, "payload_too_large")
    assert small_client.get("/v1/clients", headers=headers).json()["items"] == []


@pytest.mark.parametrize("chunked", [False, True])
def test_a_json_body_of_exactly_the_limit_is_read_control(small_client, chunked):
    _, headers = firm_headers(small_client)
    json_headers = {**headers, "Content-Type": "application/json"}
    body = client_body(SMALL_LIMIT)
    response = small_client.post(
        "/v1/clients", headers=json_headers, content=chunks(body) if chunked else body
    )
    assert response.status_code == 201, response.text


def test_a_login_form_over_the_limit_is_413(small_client):
    response = small_client.post(
        "/v1/auth/token", data={"username": "a@b.fr", "password": "x" * SMALL_LIMIT}
    )
    assert_problem(response, 413, "payload_too_large")


def test_the_largest_claim_allowed_fits_under_the_default_limit(client, settings):
    """2,000 lines, every text at its longest and every letter written as a \\u escape (as
    Python's json.dumps does), indented: the worst a client library would send."""
    ctx = ready_establishment(client)
    request_id = create_request(client, ctx, employees_concerned=2000, forecast_hours="1000000")[
        "id"
    ]
    filed = file_request(client, ctx, request_id)
    assert filed.status_code == 200, filed.text
    decide_request(
        client,
        ctx,
        request_id,
        outcome="accepted",
        decision_number="DEC-1",
        authorized_hours="1000000",
        authorized_employees=2000,
    )
    # the longest kind of line: a forfait (R30) with every optional field of R27–R34
    line: dict[str, Any] = {
        "employee_name": "é" * 200,
        "nir": "2 55 08 14 168 025 38",
        "category": "forfait",
        "contract_hours": "744.00",
        "hourly_rate": "999.9999",
        "regime": "protected",
        "absence_reason": "vulnerable",
        "specific_absence_days": 31,
        "half_days_not_worked": 62,
        "days_not_worked": 31,
        "weeks_not_worked": 5,
        "leave_days": 31,
        "overtime_basis": "collective_agreement",
        "overtime_basis_signed_on": "2020-01-15",
        "usual_net_hourly_pay": "999.9999",
        "net_pay_for_hours_worked": "9999999999.99",
    }
    lines = [{"employee_ref": "é" * 96 + f"{i:04d}", **line} for i in range(2000)]
    # May 2020: the first month of vulnerable absences (R34)
    claim = {"month": "2020-05", "payroll_paid_on": "2020-05-29", "lines": lines}
    text = json.dumps(claim, indent=2).encode()
    assert settings.max_json_bytes * 0.9 < len(text) <= settings.max_json_bytes
    response = client.post(
        f"/v1/authorization-requests/{request_id}/claims",
        headers={**ctx["headers"], "Content-Type": "application/json"},
        content=text,
    )
    assert response.status_code == 201, response.text[:500]
    assert response.json()["employee_count"] == 2000


def test_uploads_keep_their_own_limit_control(small_client):
    """A contract larger than MAX_JSON_BYTES but within MAX_UPLOAD_BYTES is accepted."""
    from tests.support.lifecycle import PDF, upload_contract

    _, headers = firm_headers(small_client)
    company = make_client(small_client, headers)
    content = PDF + b"%" + b"x" * (SMALL_LIMIT * 4)
    upload_contract(small_client, headers, company["id"], content=content)


def test_every_operation_with_a_body_declares_its_413(client):
    document = client.get("/openapi.json").json()
    missing = [
        f"{method} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation and "413" not in operation["responses"]
    ]
    assert missing == []
