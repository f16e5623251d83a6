"""Values a client may send that no column or calendar can hold: a moment without its UTC
offset, a date in year 9999, an integer past 32 bits, a NUL in a text. Each is a 422 naming
the field and its rule, and nothing is written."""

import re
from typing import Any

import pytest

from tests.support.builders import firm_headers, make_client
from tests.support.lifecycle import (
    accepted_request,
    create_request,
    file_request,
    ready_establishment,
    request_payload,
)
from tests.support.problems import assert_problem


def assert_invalid(response: Any, field: str, error_type: str, location: str = "body") -> None:
    body = assert_problem(response, 422, "validation_error")
    errors = [(e["location"], e["field"], e["type"]) for e in body["errors"]]
    assert errors == [(location, field, error_type)], body


# --- moments need their UTC offset ---------------------------------------------------------


@pytest.mark.parametrize("value", ["2020-03-30T10:00:00", "2020-03-30T10:00", "2020-03-30 10:00"])
def test_naive_filed_at_is_422_naming_the_field(client, value):
    ctx = ready_establishment(client)
    draft = create_request(client, ctx)
    url = f"/v1/authorization-requests/{draft['id']}"
    response = client.post(f"{url}/file", headers=ctx["headers"], json={"filed_at": value})
    assert_invalid(response, "filed_at", "datetime_timezone_required")
    assert "UTC offset" in response.json()["errors"][0]["message"]
    assert client.get(url, headers=ctx["headers"]).json()["status"] == "draft"


def test_naive_filed_at_of_an_amendment_is_422_naming_the_field(client):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    amendment = client.post(
        f"/v1/authorization-requests/{request['id']}/amendments",
        headers=ctx["headers"],
        json={"additional_hours": "100"},
    ).json()
    response = client.post(
        f"/v1/amendments/{amendment['id']}/file",
        headers=ctx["headers"],
        json={"filed_at": "2020-04-02T10:00:00"},
    )
    assert_invalid(response, "filed_at", "datetime_timezone_required")


@pytest.mark.parametrize(
    "value", ["2020-03-30T10:00:00Z", "2020-03-30T10:00:00+01:00", "2020-03-30T10:00:00.5+0100"]
)
def test_a_filed_at_with_its_offset_is_accepted_control(client, value):
    ctx = ready_establishment(client)
    draft = create_request(client, ctx)
    response = client.post(
        f"/v1/authorization-requests/{draft['id']}/file",
        headers=ctx["headers"],
        json={"filed_at": value},
    )
    assert response.status_code == 200, response.text


def test_the_schema_says_a_moment_needs_its_offset(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["FileRequest"]
    moment = schema["properties"]["filed_at"]["anyOf"][0]
    assert "UTC offset" in moment["description"]
    assert "[±HH:MM]" not in moment["description"]


def test_a_far_filed_at_is_422_before_any_deadline_is_computed(client):
    ctx = ready_establishment(client)
    draft = create_request(client, ctx)
    response = client.post(
        f"/v1/authorization-requests/{draft['id']}/file",
        headers=ctx["headers"],
        json={"filed_at": "9999-12-31T23:00:00+00:00"},
    )
    assert_invalid(response, "filed_at", "datetime_out_of_range")


# --- dates within 2000..2100 ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["9999-12-20", "0001-01-01", "1999-12-31", "2101-01-01"])
def test_a_far_start_on_is_422_naming_the_field(client, value):
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(start_on=value),
    )
    assert_invalid(response, "start_on", "date_out_of_range")
    listed = client.get("/v1/authorization-requests", headers=ctx["headers"]).json()
    assert listed["items"] == []


@pytest.mark.parametrize("value", ["2000-01-01", "2100-12-31"])
def test_the_first_and_last_days_of_the_range_are_accepted(client, value):
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(start_on=value, end_on=value),
    )
    assert response.status_code == 201, response.text
    assert client.get("/v1/deadlines", headers=ctx["headers"]).status_code == 200


def test_a_far_query_date_is_422_naming_the_parameter(client):
    _, headers = firm_headers(client)
    response = client.get("/v1/deadlines?due_before=9999-12-20", headers=headers)
    assert_invalid(response, "due_before", "date_out_of_range", location="query")


def test_a_far_claim_month_is_422_naming_the_field(client):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    response = client.post(
        f"/v1/authorization-requests/{request['id']}/claims",
        headers=ctx["headers"],
        json={"month": "9999-12", "lines": [{"employee_ref": "E1", "employee_name": "A",
              "contract_hours": "151.67", "hours_not_worked": "10", "hourly_rate": "12"}]},
    )  # fmt: skip
    assert_invalid(response, "month", "month_out_of_range")


def test_the_schema_gives_the_date_range(client):
    schema = client.get("/openapi.json").json()["components"]["schemas"]["RequestCreate"]
    start_on = schema["properties"]["start_on"]["anyOf"][0]
    # formatMinimum/formatMaximum are no OpenAPI keywords: a pattern gives the years instead.
    assert "between 2000-01-01 and 2100-12-31" in start_on["description"]
    pattern = re.compile(start_on["pattern"])
    assert pattern.match("2000-01-01") and pattern.match("2100-12-31")
    assert not pattern.match("1999-12-31") and not pattern.match("2101-01-01")


# --- integers within their columns ---------------------------------------------------------


@pytest.mark.parametrize("value", [10**20, 2**40, 2**31, -1])
def test_a_huge_additional_employees_is_422_naming_the_field(client, value):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    url = f"/v1/authorization-requests/{request['id']}/amendments"
    response = client.post(url, headers=ctx["headers"], json={"additional_employees": value})
    body = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["additional_employees"]
    assert client.get(url, headers=ctx["headers"]).json() == []


@pytest.mark.parametrize("value", [10**20, 2**40])
def test_a_huge_authorized_employees_is_422_naming_the_field(client, value):
    ctx = ready_establishment(client)
    draft = create_request(client, ctx)
    url = f"/v1/authorization-requests/{draft['id']}"
    assert file_request(client, ctx, draft["id"]).status_code == 200
    response = client.post(
        f"{url}/decision",
        headers=ctx["headers"],
        json={"outcome": "accepted", "authorized_hours": "10", "authorized_employees": value},
    )
    body = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["authorized_employees"]
    assert client.get(url, headers=ctx["headers"]).json()["decided_on"] is None


def test_every_integer_input_of_the_schema_has_both_bounds_within_32_bits(client):
    """Body fields, query and form parameters alike: INTEGER is 32-bit on PostgreSQL."""
    document = client.get("/openapi.json").json()
    schemas = document["components"]["schemas"]
    unbounded: list[str] = []
    seen: set[str] = set()

    def visit(schema: Any, where: str) -> None:
        if isinstance(schema, list):
            for i, value in enumerate(schema):
                visit(value, f"{where}[{i}]")
        if not isinstance(schema, dict):
            return
        if (ref := schema.get("$ref")) and ref not in seen:
            seen.add(ref)
            name = ref.rsplit("/", 1)[-1]
            visit(schemas[name], name)
        if schema.get("type") == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            if low is None or high is None or not -(2**31) <= low <= high < 2**31:
                unbounded.append(where)
        for key, value in schema.items():
            visit(value, f"{where}.{key}")

    inputs = 0
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if ref := parameter.get("$ref"):  # a shared one (Idempotency-Key)
                    parameter = document["components"]["parameters"][ref.rsplit("/", 1)[-1]]
                visit(parameter["schema"], f"{method} {path} {parameter['name']}")
            for media in operation.get("requestBody", {}).get("content", {}).values():
                visit(media["schema"], f"{method} {path} body")
                inputs += 1
    assert inputs > 30
    assert unbounded == []


# --- texts without control characters ------------------------------------------------------


@pytest.mark.parametrize("char", ["\u0000", "\u0007", "\u001b", "\u007f"])
def test_a_control_character_in_a_name_is_422_naming_the_field(client, char):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": "732829320", "legal_name": f"Boulangerie{char}Martin", "headcount": 3},
    )
    assert_invalid(response, "legal_name", "control_character")
    assert client.get("/v1/clients", headers=headers).json()["items"] == []


def test_a_nul_in_a_nested_text_is_422_naming_its_path(client):
    ctx = ready_establishment(client)
    request = accepted_request(client, ctx)
    line = {"employee_ref": "E\u00001", "employee_name": "A", "contract_hours": "151.67",
            "hours_not_worked": "10", "hourly_rate": "12"}  # fmt: skip
    response = client.post(
        f"/v1/authorization-requests/{request['id']}/claims",
        headers=ctx["headers"],
        json={"month": "2020-04", "lines": [line]},
    )
    assert_invalid(response, "lines.0.employee_ref", "control_character")


def test_tabs_and_line_breaks_are_kept_in_free_text_control(client):
    ctx = ready_establishment(client)
    text = "Fermeture administrative.\r\n\tMesure 1\nMesure 2"
    draft = create_request(client, ctx, justification=text)
    assert draft["justification"] == text


def test_a_nul_in_a_query_parameter_is_422_naming_it(client):
    _, headers = firm_headers(client)
    make_client(client, headers)
    response = client.get("/v1/establishments", headers=headers, params={"q": "Bou\u0000"})
    assert_invalid(response, "q", "control_character", location="query")


def test_a_nul_in_a_multipart_field_is_422_naming_it(client):
    from tests.support.lifecycle import PDF

    _, headers = firm_headers(client)
    company = make_client(client, headers)
    url = f"/v1/clients/{company['id']}/contracts"
    data = {"signed_on": "2020-03-02", "signatory_name": "Jeanne\u0000", "signatory_role": "G"}
    files = {"document": ("contrat.pdf", PDF, "application/pdf")}
    response = client.post(url, headers=headers, data=data, files=files)
    assert_invalid(response, "signatory_name", "control_character")
    assert client.get(url, headers=headers).json()["items"] == []


def test_a_nul_in_the_login_form_is_422_naming_the_field(client):
    response = client.post(
        "/v1/auth/token", data={"username": "a\u0000@b.fr", "password": "whatever it is"}
    )
    assert_invalid(response, "username", "control_character")


def test_a_control_character_answer_comes_after_the_token_check(client):
    response = client.get("/v1/establishments", params={"q": "Bou\u0000"})
    assert_problem(response, 401, "unauthorized")


def test_a_query_parameter_the_route_does_not_read_is_ignored_whatever_it_holds(client):
    _, headers = firm_headers(client)
    response = client.get("/v1/me", headers=headers, params={"unused": "a\u0000b"})
    assert response.status_code == 200, response.text
