"""Every error is an RFC 9457 problem: type, title, status, detail, code (+ errors for input)."""

import json
import re
from pathlib import Path

import pytest

from tests.support.builders import PASSWORD, bearer, firm_headers, make_client, token
from tests.support.problems import PROBLEM_JSON, assert_problem


def test_401_is_a_problem(client):
    response = client.get("/v1/establishments")
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_403_is_a_problem(client):
    firm, _ = firm_headers(client)
    narrow = token(client, firm["owner_email"], scope="clients:read")["access_token"]
    assert_problem(client.get("/v1/establishments", headers=bearer(narrow)), 403, "forbidden")


def test_404_unknown_route_is_a_problem(client):
    assert_problem(client.get("/v1/nothing-here"), 404, "not_found")


def test_404_malformed_id_is_a_422_naming_the_path_parameter(client):
    _, headers = firm_headers(client)
    body = assert_problem(
        client.get("/v1/clients/not-a-uuid", headers=headers), 422, "validation_error"
    )
    assert body["errors"][0]["location"] == "path"
    assert body["errors"][0]["field"] == "client_id"


def test_405_is_a_problem(client):
    assert_problem(client.put("/v1/firms"), 405, "method_not_allowed")


def test_405_of_a_static_docs_file_does_not_borrow_the_api_routes_methods(client):
    response = client.post("/static/docs/swagger-ui.css")
    assert response.status_code == 405
    assert response.headers.get("allow") in (None, "GET, HEAD")


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PUT", "/v1/clients/00000000-0000-0000-0000-000000000000", {"GET", "PATCH", "DELETE"}),
        ("DELETE", "/v1/clients", {"GET", "POST"}),
        ("PUT", "/v1/firm", {"GET", "PATCH"}),
    ],
)
def test_405_allow_lists_every_method_of_the_path(client, method, path, allowed):
    response = client.request(method, path)
    assert_problem(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].split(", ")) == allowed


# Every path of the document, with each method it does not have.
_DOCUMENT = json.loads((Path(__file__).resolve().parents[2] / "openapi.json").read_text())
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
_UNANSWERED = [
    (method, path, sorted(m.upper() for m in item if m.upper() in _METHODS))
    for path, item in _DOCUMENT["paths"].items()
    for method in _METHODS
    if method.lower() not in item
]


def test_every_path_of_the_document_has_a_method_it_does_not_answer_to():
    assert {path for _, path, _ in _UNANSWERED} == set(_DOCUMENT["paths"])


@pytest.mark.parametrize(("method", "path", "allowed"), _UNANSWERED)
def test_every_path_answers_405_with_its_methods_in_allow(client, method, path, allowed):
    """What the document declares on each operation (`components.responses.MethodNotAllowed`)
    is what the server sends, on every path of the document, without a token."""
    concrete = re.sub(r"\{[^}]+\}", "00000000-0000-0000-0000-000000000000", path)
    response = client.request(method, concrete)
    assert_problem(response, 405, "method_not_allowed")
    assert sorted(response.headers["allow"].split(", ")) == allowed


def test_every_operation_declares_its_405_and_allow():
    components = _DOCUMENT["components"]
    declared = components["responses"]["MethodNotAllowed"]
    assert declared["headers"]["Allow"] == {"$ref": "#/components/headers/Allow"}
    assert "Allow" in components["headers"]
    assert PROBLEM_JSON in declared["content"]
    for item in _DOCUMENT["paths"].values():
        for method, operation in item.items():
            if method.upper() in _METHODS:
                ref = operation["responses"]["405"]
                assert ref == {"$ref": "#/components/responses/MethodNotAllowed"}


def test_409_is_a_problem(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    response = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": company["siren"], "legal_name": "B", "headcount": 1},
    )
    assert_problem(response, 409, "duplicate_siren")


def test_422_lists_every_invalid_field(client):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json={"client_id": "nope", "siret": "123", "postal_code": "ABCDE"},
    )
    body = assert_problem(response, 422, "validation_error")
    fields = {e["field"] for e in body["errors"]}
    assert fields == {"client_id", "siret", "name", "address", "postal_code", "city"}
    assert all(e["location"] == "body" and e["message"] for e in body["errors"])


def test_unknown_fields_are_refused(client):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": "732829320", "legal_name": "A", "headcount": 1, "firm_account_id": "x"},
    )
    body = assert_problem(response, 422, "validation_error")
    assert body["errors"][0]["field"] == "firm_account_id"
    assert body["errors"][0]["type"] == "extra_forbidden"


def test_malformed_json_is_a_4xx_problem(client):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/clients",
        headers={**headers, "content-type": "application/json"},
        content=b'{"siren": ',
    )
    body = assert_problem(response, 422, "validation_error")
    [error] = body["errors"]
    assert (error["location"], error["field"], error["type"]) == ("body", "body", "json_invalid")
    assert error["message"].startswith("the body is not valid JSON at character 10")
    assert body["detail"] == "The request is invalid: body"


@pytest.mark.parametrize("payload", [b'{"siren": "\xff\xfe"}', b"\xc3\x28"])
def test_invalid_utf8_is_a_4xx_problem(client, payload):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/clients", headers={**headers, "content-type": "application/json"}, content=payload
    )
    assert 400 <= response.status_code < 500
    assert response.headers["content-type"].startswith(PROBLEM_JSON)


def test_json_body_that_is_not_an_object_is_a_422(client):
    _, headers = firm_headers(client)
    response = client.post("/v1/clients", headers=headers, json=[1, 2])
    assert_problem(response, 422, "validation_error")


def test_unexpected_exception_is_a_500_problem_without_internals(app, settings, portal):
    from tests.conftest import portal_client

    @app.get("/boom")
    async def boom():
        raise RuntimeError("secret internals")

    with portal_client(app, portal, raise_server_exceptions=False) as c:
        response = c.get("/boom")
    body = assert_problem(response, 500, "internal_error")
    assert "secret" not in response.text
    assert body["title"] == "Internal Server Error"


def test_204_answers_have_no_body_and_no_content_type(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    response = client.delete(f"/v1/clients/{company['id']}", headers=headers)
    assert response.status_code == 204, response.text
    assert response.content == b""
    assert "content-type" not in response.headers


def test_every_error_in_the_openapi_document_is_declared_as_a_problem(app):
    """As sent: application/problem+json with the Problem schema, FastAPI's own 422 included;
    every operation with a body declares the 400 of a body that cannot be read."""
    spec = app.openapi()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    assert "Problem" in spec["components"]["schemas"]
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    errors = 0
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            responses = operation["responses"]
            if "requestBody" in operation:
                assert "400" in responses, (method, path)
            for code, response in responses.items():
                if "$ref" in response:  # a shared one, the 405's: components.responses
                    response = spec["components"]["responses"][response["$ref"].rsplit("/")[-1]]
                if code[0] in "45":
                    # the schema, and for a 422 an example (tests/platform/test_contract.py)
                    content = {
                        kind: {k: v for k, v in media.items() if k != "example"}
                        for kind, media in response["content"].items()
                    }
                    assert content == problem, (method, path, code)
                    errors += 1
    assert errors > 100


BAD_BODIES = [
    ("/v1/clients", "application/json", b'{"siren": '),  # 422 with a usable token
    ("/v1/clients", "application/json", b"\xc3\x28"),  # 400 with a usable token
    ("/v1/clients/{client}/contracts", "multipart/form-data", b"x"),  # 400: no boundary
]


@pytest.mark.parametrize(("path", "content_type", "payload"), BAD_BODIES)
@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"])
def test_a_bad_body_without_a_valid_token_is_401_before_any_word_on_the_body(
    client, path, content_type, payload, authorization
):
    headers = {"content-type": content_type}
    if authorization:
        headers["authorization"] = authorization
    url = path.format(client="00000000-0000-0000-0000-000000000000")
    response = client.post(url, headers=headers, content=payload)
    assert_problem(response, 401, "unauthorized")
    assert response.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize(("path", "content_type", "payload"), BAD_BODIES)
def test_a_bad_body_from_a_caller_who_may_not_use_the_route_is_401_or_403_first(
    client, path, content_type, payload
):
    firm, headers = firm_headers(client)
    company = make_client(client, headers)
    url = path.format(client=company["id"])
    narrow = bearer(token(client, firm["owner_email"], scope="clients:read")["access_token"])
    response = client.post(url, headers={**narrow, "content-type": content_type}, content=payload)
    assert_problem(response, 403, "forbidden")

    member = {"email": "m@cabinet-exemple.fr", "full_name": "M", "password": PASSWORD}
    user = client.post("/v1/users", headers=headers, json={**member, "role": "member"}).json()
    member_headers = bearer(token(client, member["email"])["access_token"])
    client.patch(f"/v1/users/{user['id']}", headers=headers, json={"active": False})
    response = client.post(
        url, headers={**member_headers, "content-type": content_type}, content=payload
    )
    assert_problem(response, 401, "unauthorized")

    # Control: a caller who may use the route hears about the body.
    response = client.post(url, headers={**headers, "content-type": content_type}, content=payload)
    assert response.status_code in (400, 422), response.text


def test_a_bad_body_on_a_public_route_is_still_422(client):
    response = client.post(
        "/v1/firms", headers={"content-type": "application/json"}, content=b'{"name": '
    )
    assert_problem(response, 422, "validation_error")
