"""The integrators' contract: openapi.json is a valid OpenAPI 3.1 document, says every rule the
server enforces, and allows nothing the server refuses for its form (checked case by case
against the server below)."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from openapi_spec_validator import validate

from tests.support.builders import firm_headers, make_client
from tests.support.lifecycle import ready_establishment, request_payload
from tests.support.problems import assert_problem

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())
SCHEMAS = SPEC["components"]["schemas"]
OPERATIONS = {
    op["operationId"]: op
    for item in SPEC["paths"].values()
    for op in item.values()
    if isinstance(op, dict) and "operationId" in op
}


def validator(schema: dict[str, Any]) -> Draft202012Validator:
    """A JSON Schema validator of `schema`, whose `$ref`s reach the document's components."""
    return Draft202012Validator({**schema, "components": SPEC["components"]})


def prop(model: str, name: str) -> dict[str, Any]:
    """A model's property, its `null` alternative left out."""
    schema = SCHEMAS[model]["properties"][name]
    options = [o for o in schema.get("anyOf", [schema]) if o.get("type") != "null"]
    return options[0]


def assert_invalid(response: Any, field: str, error_type: str) -> dict[str, Any]:
    body = assert_problem(response, 422, "validation_error")
    assert [(e["field"], e["type"]) for e in body["errors"]] == [(field, error_type)], body
    return body


# --- the document as a whole ----------------------------------------------------------------


def test_the_document_is_valid_openapi_3_1():
    validate(SPEC)


def test_the_document_names_its_server():
    assert SPEC["servers"] == [{"url": "/", "description": "this service"}]


def test_every_operation_declares_its_security_public_ones_as_none():
    assert all("security" in op for op in OPERATIONS.values())
    public = {i for i, op in OPERATIONS.items() if op["security"] == []}
    assert {"firms-create", "auth-token", "auth-refresh", "health-live"} <= public
    assert "clients-create" not in public


def test_steps_link_to_the_steps_their_new_state_allows():
    """For the stateful phase of the contract run: a client leads to a new establishment of
    it (its id in the body), a filed claim to its decision, a paid one to a claw-back."""
    body_link = OPERATIONS["clients-create"]["responses"]["201"]["links"]["CreateEstablishment"]
    assert body_link["operationId"] == "establishments-create"
    assert body_link["requestBody"] == {"client_id": "$response.body#/id"}
    steps = {
        "claims-file": {"claims-validate", "claims-reject", "claims-withdraw"},
        "claims-validate": {"claims-pay"},
        "claims-pay": {"claims-correct", "claw-backs-create"},
        "authorization-requests-file": {"authorization-requests-decide"},
        "authorization-requests-decide": {"amendments-create", "claims-create"},
        "amendments-file": {"amendments-decide"},
    }
    for op_id, targets in steps.items():
        links = OPERATIONS[op_id]["responses"]["200"]["links"].values()
        assert targets <= {link["operationId"] for link in links}, op_id
        for link in links:
            assert list(link["parameters"].values()) == ["$response.body#/id"], op_id


def test_every_create_links_to_the_operations_on_what_it_created():
    creates = [i for i, op in OPERATIONS.items() if "201" in op["responses"]]
    assert len(creates) >= 9
    for op_id in creates:
        links = OPERATIONS[op_id]["responses"]["201"].get("links")
        assert links, f"{op_id} has no links"
        for link in links.values():
            assert link["operationId"] in OPERATIONS
    get_client = OPERATIONS["clients-create"]["responses"]["201"]["links"]["GetClient"]
    assert get_client == {
        "operationId": "clients-get",
        "description": "`clients-get` on what was created",
        "parameters": {"client_id": "$response.body#/id"},
    }


def test_every_request_body_has_an_example_that_its_schema_accepts():
    for op_id, op in OPERATIONS.items():
        if "requestBody" not in op:
            continue
        (media,) = op["requestBody"]["content"].values()
        assert "example" in media, f"{op_id} has no example"
        errors = list(validator(media["schema"]).iter_errors(media["example"]))
        assert errors == [], (op_id, [e.message for e in errors])


def test_main_responses_and_every_422_have_an_example_that_their_schema_accepts():
    for op_id, status in [("clients-create", "201"), ("establishments-create", "201"),
                          ("auth-token", "200"), ("claims-create", "422")]:  # fmt: skip
        (media,) = OPERATIONS[op_id]["responses"][status]["content"].values()
        assert list(validator(media["schema"]).iter_errors(media["example"])) == [], op_id
    for op in OPERATIONS.values():
        if "422" in op["responses"]:
            assert "example" in op["responses"]["422"]["content"]["application/problem+json"]


def test_no_pydantic_keyword_nor_unknown_format_bound_is_left_in_the_document():
    text = json.dumps(SPEC)
    for keyword in ("le", "ge", "lt", "gt", "formatMinimum", "formatMaximum", "contentMediaType"):
        assert f'"{keyword}":' not in text, keyword


def test_body_models_have_names_of_their_own():
    assert not [name for name in SCHEMAS if name.startswith("Body_")]
    assert {"TokenForm", "ContractUpload", "CseMinutesUpload"} <= SCHEMAS.keys()


def _request_models() -> set[str]:
    names, todo = set(), []
    for op in OPERATIONS.values():
        for media in op.get("requestBody", {}).get("content", {}).values():
            todo.append(media["schema"])
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            if "$ref" in node:
                name = node["$ref"].rsplit("/", 1)[-1]
                if name not in names:
                    names.add(name)
                    todo.append(SCHEMAS[name])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return names


def test_no_request_field_with_a_default_is_required():
    for name in _request_models():
        model = SCHEMAS[name]
        defaults = {k for k, v in model.get("properties", {}).items() if "default" in v}
        assert not defaults & set(model.get("required", [])), name


def test_request_models_give_their_defaults_in_words_not_as_default():
    # openapi-typescript types a field with a `default` as required, in a request body too.
    client = SCHEMAS["ClientCreate"]["properties"]["regime"]
    assert "default" not in client and client["description"].endswith('Default: "general"')
    assert "default" not in SCHEMAS["UserCreate"]["properties"]["role"]


def test_closed_values_are_enums():
    assert "overloaded" in SCHEMAS["Problem"]["properties"]["code"]["enum"]
    assert "validation_error" in SCHEMAS["Problem"]["properties"]["code"]["enum"]
    assert SCHEMAS["FieldError"]["properties"]["location"]["enum"][:3] == ["body", "query", "path"]
    assert prop("AuthorizationSummary", "status") == {"$ref": "#/components/schemas/RequestStatus"}


def test_problem_codes_of_the_readme_are_in_the_enum():
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Errors", 1)[1].split("## ", 1)[0]
    codes = set(re.findall(r"^\| \d{3} \| `([a-z_]+)` \|", table, re.M))
    assert codes and codes <= set(SCHEMAS["Problem"]["properties"]["code"]["enum"])


# --- files: uploads and downloads -----------------------------------------------------------


@pytest.mark.parametrize(
    ("op_id", "model"),
    [("contracts-create", "ContractUpload"), ("authorization-requests-cse-minutes-upload",
                                              "CseMinutesUpload")],
)  # fmt: skip
def test_uploads_are_binary_pdf_parts_without_null(op_id, model):
    media = OPERATIONS[op_id]["requestBody"]["content"]["multipart/form-data"]
    assert media["schema"] == {"$ref": f"#/components/schemas/{model}"}
    assert media["encoding"] == {"document": {"contentType": "application/pdf"}}
    properties = SCHEMAS[model]["properties"]
    assert properties["document"]["type"] == "string"
    assert properties["document"]["format"] == "binary"
    assert "null" not in json.dumps(properties)


def test_login_is_a_named_form_without_null_parts():
    media = OPERATIONS["auth-token"]["requestBody"]["content"]
    assert list(media) == ["application/x-www-form-urlencoded"]
    assert "null" not in json.dumps(SCHEMAS["TokenForm"]["properties"])


@pytest.mark.parametrize(
    "op_id", ["contracts-document", "authorization-requests-cse-minutes-download"]
)
def test_documents_download_as_pdf_or_plain_bytes_with_their_digest(op_id):
    # application/octet-stream too: openapi-python-client reads no other binary media type.
    ok = OPERATIONS[op_id]["responses"]["200"]
    assert list(ok["content"]) == ["application/pdf", "application/octet-stream"]
    for media in ok["content"].values():
        assert media["schema"] == {"type": "string", "format": "binary"}
    assert {"Content-Disposition", "X-Content-SHA256", "Repr-Digest"} <= ok["headers"].keys()


def test_the_export_is_csv_text_first_or_the_claim_as_json():
    # A generator that reads one media type only takes the first: CSV, read as text.
    ok = OPERATIONS["claims-export"]["responses"]["200"]
    assert [(kind, media["schema"]) for kind, media in ok["content"].items()] == [
        ("text/csv", {"type": "string"}),
        ("application/json", {"$ref": "#/components/schemas/ClaimPublic"}),
    ]
    assert "Content-Disposition" in ok["headers"]


def test_the_committed_document_keeps_the_order_of_media_types(client):
    served = client.get("/openapi.json").json()
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            live = served["paths"][path][method]
            bodies = {"body": operation.get("requestBody", {}), **operation["responses"]}
            answers = {"body": live.get("requestBody", {}), **live["responses"]}
            assert bodies.keys() == answers.keys()
            for key, committed in bodies.items():
                assert list(committed.get("content", {})) == list(answers[key].get("content", {}))


def test_429_and_503_declare_retry_after():
    login = OPERATIONS["auth-token"]["responses"]["429"]
    assert login["headers"]["Retry-After"] == {"$ref": "#/components/headers/Retry-After"}
    assert "Retry-After" in OPERATIONS["clients-create"]["responses"]["503"]["headers"]
    assert "WWW-Authenticate" in OPERATIONS["clients-create"]["responses"]["401"]["headers"]


# --- the schema and the server agree --------------------------------------------------------


def _pattern(model: str, name: str) -> re.Pattern[str]:
    return re.compile(prop(model, name)["pattern"])


@pytest.fixture
def ctx(client):
    return ready_establishment(client)


def _create_request(client, ctx, **fields):
    return client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(**fields),
    )


def test_a_decimal_as_a_string_with_a_point_is_accepted(client, ctx):
    assert _pattern("RequestCreate", "forecast_hours").match("12.50")
    response = _create_request(client, ctx, forecast_hours="12.50", weekly_hours="35")
    assert response.status_code == 201, response.text
    assert (response.json()["forecast_hours"], response.json()["weekly_hours"]) == (
        "12.50",
        "35.00",
    )


def test_a_decimal_comma_is_422_with_a_hint_to_use_a_point(client, ctx):
    assert prop("RequestCreate", "forecast_hours")["type"] == "string"
    assert not _pattern("RequestCreate", "forecast_hours").match("12,50")
    body = assert_invalid(_create_request(client, ctx, forecast_hours="12,50"), "forecast_hours",
                          "decimal_comma")  # fmt: skip
    assert "point" in body["errors"][0]["message"]


@pytest.mark.parametrize("value", ["", "-5", "1e3", " 12", "12.", ".5", "12.505", "0012"])
def test_a_decimal_the_pattern_refuses_is_refused(client, ctx, value):
    assert not _pattern("RequestCreate", "forecast_hours").match(value)
    assert_invalid(_create_request(client, ctx, forecast_hours=value), "forecast_hours",
                   "decimal_format")  # fmt: skip


def test_weekly_hours_bound_is_json_schema_and_49_is_refused(client, ctx):
    pattern = _pattern("RequestCreate", "weekly_hours")
    assert pattern.match("48") and pattern.match("48.00") and pattern.match("0.01")
    assert not pattern.match("49") and not pattern.match("48.01") and not pattern.match("0")
    assert "le" not in SCHEMAS["RequestCreate"]["properties"]["weekly_hours"]
    assert_invalid(_create_request(client, ctx, weekly_hours="49"), "weekly_hours",
                   "less_than_equal")  # fmt: skip
    assert_invalid(_create_request(client, ctx, weekly_hours="0"), "weekly_hours",
                   "greater_than")  # fmt: skip
    assert _create_request(client, ctx, weekly_hours="48").status_code == 201


def test_claim_hours_above_744_are_outside_the_pattern():
    pattern = _pattern("LineInput", "contract_hours")
    assert pattern.match("744") and pattern.match("743.99") and pattern.match("0")
    assert not pattern.match("744.01") and not pattern.match("745") and not pattern.match("1000")


def test_a_siret_outside_its_pattern_is_refused(client):
    _, headers = firm_headers(client)
    company = make_client(client, headers)
    pattern = _pattern("EstablishmentCreate", "siret")
    siret = company["siren"] + "0001"  # 13 digits
    assert not pattern.match(siret) and pattern.match("732 829 320 00074")
    response = client.post(
        "/v1/establishments",
        headers=headers,
        json={"client_id": company["id"], "siret": siret, "name": "Port", "address": "3 quai",
              "postal_code": "56100", "city": "Lorient"},
    )  # fmt: skip
    assert_invalid(response, "siret", "siret_format")


def test_siren_and_month_patterns():
    assert _pattern("ClientCreate", "siren").match("732 829 320")
    assert not _pattern("ClientCreate", "siren").match("73282932")
    month = _pattern("ClaimCreate", "month")
    assert month.match("2020-04") and not month.match("2020-13") and not month.match("1999-12")


def test_a_field_with_a_default_can_be_left_out(client):
    _, headers = firm_headers(client)
    assert "regime" not in SCHEMAS["ClientCreate"]["required"]
    company = make_client(client, headers)  # no regime
    assert company["regime"] == "general"


@pytest.mark.parametrize("cursor", ["", "abc", "!!" + "A" * 22, "A" * 21 + "!", "A" * 22 + "=="])
def test_a_cursor_outside_its_pattern_is_refused(client, cursor):
    (param,) = [p for p in OPERATIONS["clients-list"]["parameters"] if p["name"] == "cursor"]
    pattern = re.compile(param["schema"]["pattern"])
    assert not pattern.match(cursor)
    _, headers = firm_headers(client)
    response = client.get("/v1/clients", params={"cursor": cursor}, headers=headers)
    assert_problem(response, 422, "validation_error")


def test_a_cursor_of_its_pattern_is_accepted(client):
    _, headers = firm_headers(client)
    make_client(client, headers)
    make_client(client, headers)
    first = client.get("/v1/clients", params={"limit": 1}, headers=headers).json()
    (param,) = [p for p in OPERATIONS["clients-list"]["parameters"] if p["name"] == "cursor"]
    assert re.match(param["schema"]["pattern"], first["next_cursor"])
    response = client.get(
        "/v1/clients", params={"limit": 1, "cursor": first["next_cursor"]}, headers=headers
    )
    assert response.status_code == 200, response.text


def test_a_text_longer_than_its_max_length_with_spaces_around_is_refused(client):
    # The schema's maxLength counts every character sent; stripping came after the check.
    _, headers = firm_headers(client)
    assert SCHEMAS["ClientCreate"]["properties"]["legal_name"]["maxLength"] == 200
    name = " " + "B" * 200
    response = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": "732829320", "legal_name": name, "headcount": 12},
    )
    assert_invalid(response, "legal_name", "string_too_long")


def test_a_blank_text_is_outside_its_pattern_and_refused(client):
    _, headers = firm_headers(client)
    assert not re.search(SCHEMAS["ClientCreate"]["properties"]["legal_name"]["pattern"], "   ")
    response = client.post(
        "/v1/clients",
        headers=headers,
        json={"siren": "732829320", "legal_name": "   ", "headcount": 1},
    )
    assert_invalid(response, "legal_name", "string_too_short")
    padded = client.post(
        "/v1/clients", headers=headers, json={"siren": "732829320", "legal_name": "  Martin  ",
                                              "headcount": 1},
    )  # fmt: skip
    assert padded.status_code == 201 and padded.json()["legal_name"] == "Martin"


def test_a_regime_change_is_dated_the_first_of_a_month_in_the_document_too():
    """R23's first-of-month rule is in the schema, so that a schema-valid change is accepted."""
    pattern = _pattern("RegimeChange", "effective_from")
    assert pattern.search("2021-01-01") and pattern.search("2100-12-01")
    assert not pattern.search("2020-04-15") and not pattern.search("2020-13-01")
