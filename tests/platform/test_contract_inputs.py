"""The request values of openapi.json against the server, where the schemathesis run
(contract/schemathesis/) found them apart: headers, query parameters and texts whose schema
allowed what the server refuses, and decimals the server took in a form the schema refuses."""

import json
import re
from typing import Any

import pytest

from tests.platform.test_contract import OPERATIONS, SCHEMAS, SPEC, prop
from tests.support.builders import firm_headers, make_client
from tests.support.lifecycle import ready_establishment, request_payload
from tests.support.problems import assert_problem


def parameter(op_id: str, name: str) -> dict[str, Any]:
    for param in OPERATIONS[op_id]["parameters"]:
        if "$ref" in param:
            param = SPEC["components"]["parameters"][param["$ref"].rsplit("/", 1)[-1]]
        if param["name"] == name:
            return param["schema"]
    raise KeyError(name)


def test_no_optional_parameter_offers_null():
    """`?cursor=` is an empty text and `If-Match: null` a text: none is how one says none."""
    for op_id in OPERATIONS:
        for param in OPERATIONS[op_id].get("parameters", ()):
            assert "null" not in json.dumps(param.get("schema", {})), (op_id, param["name"])


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        ("*", True),
        ('"1"', True),
        ('W/"3", "1"', True),
        ('"1",', True),
        ("", False),
        ("null", False),
        ('"3" "4"', False),
        ('"3",,"4"', False),
        ("3", False),
    ],
)
def test_if_match_pattern_is_what_the_server_reads(client, value, valid):
    pattern = parameter("clients-update", "If-Match")["pattern"]
    assert bool(re.search(pattern, value)) is valid
    _, headers = firm_headers(client)
    created = make_client(client, headers)
    response = client.patch(
        f"/v1/clients/{created['id']}",
        headers={**headers, "If-Match": value},
        json={"headcount": 14},
    )
    if valid:
        assert response.status_code == 200, response.text
    else:
        assert_problem(response, 422, "validation_error")


@pytest.mark.parametrize(
    ("value", "valid"),
    [("k1", True), ('"a b"', True), ('"', True), ("a\"b", True), ('""', False),
     ('"a"b"', False), ('"a\\b"', False), ("x" * 256, False), ('"' + "x" * 255 + '"', True)],
)  # fmt: skip
def test_idempotency_key_pattern_is_what_the_server_reads(client, value, valid):
    pattern = parameter("clients-create", "Idempotency-Key")["pattern"]
    assert bool(re.search(pattern, value)) is valid
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/clients",
        headers={**headers, "Idempotency-Key": value},
        json={"siren": "732829320", "legal_name": "Boulangerie Martin", "headcount": 12},
    )
    if valid:
        assert response.status_code == 201, response.text
    else:
        assert_problem(response, 422, "validation_error")


def test_events_after_and_cursor_have_the_patterns_the_server_reads(client):
    _, headers = firm_headers(client)
    after, cursor = parameter("events-list", "after"), parameter("events-list", "cursor")
    assert re.search(after["pattern"], "0") and not re.search(after["pattern"], "01")
    assert not re.search(cursor["pattern"], "")
    for name, value in (("after", "01"), ("cursor", "abc")):
        response = client.get("/v1/events", headers=headers, params={name: value})
        body = assert_problem(response, 422, "validation_error")
        assert body["errors"][0]["field"] == name


@pytest.mark.parametrize(
    ("field", "value"), [("legal_name", "Boulangerie\x01"), ("siren", "732\x0b829320")]
)
def test_a_control_character_is_outside_the_pattern_and_refused(client, field, value):
    assert not re.search(prop("ClientCreate", field)["pattern"], value)
    body = {"siren": "732829320", "legal_name": "Boulangerie Martin", "headcount": 12}
    response = client.post(
        "/v1/clients", headers=firm_headers(client)[1], json={**body, field: value}
    )
    assert_problem(response, 422, "validation_error")


def test_every_free_text_of_a_request_refuses_control_characters_in_its_pattern():
    for model in ("TokenForm", "FirmCreate", "OwnerCreate", "UserCreate", "RejectClaim"):
        for name, schema in SCHEMAS[model]["properties"].items():
            schema = prop(model, name)
            if schema.get("type") == "string" and schema.get("format") in (None, "password"):
                assert not re.search(schema["pattern"], "a\x00b"), (model, name)
    assert not re.search(parameter("establishments-list", "q")["pattern"], "port\x1f")


@pytest.mark.parametrize("value", [40, 12.5, 0])
def test_a_decimal_sent_as_a_json_number_is_422_decimal_type(client, value):
    """The document says text; the server no longer takes numbers it would have to guess at."""
    ctx = ready_establishment(client)
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(forecast_hours=value),
    )
    body = assert_problem(response, 422, "validation_error")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [("forecast_hours", "decimal_type")]


def test_an_empty_optional_form_part_is_allowed_by_the_schema_as_the_server_reads_it(client):
    """FastAPI reads an empty form part as one left out: `grant_type=` is no grant type."""
    assert re.search(SCHEMAS["TokenForm"]["properties"]["grant_type"]["pattern"], "")
    # username and password: the password grant's only (the client credentials grant has
    # none), so optional in the form; an empty one is one left out, a 422 naming it
    assert "username" not in SCHEMAS["TokenForm"].get("required", [])
    response = client.post("/v1/auth/token", data={"username": "", "password": "x" * 12})
    body = assert_problem(response, 422, "validation_error")
    assert [e["field"] for e in body["errors"]] == ["username"]
