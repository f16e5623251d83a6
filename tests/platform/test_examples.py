"""Every JSON answer of the OpenAPI document shows an example, and every example of the
document (answers, request bodies, problems, headers) is valid against its schema; the amounts
of the examples are the service's own."""

import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from app.openapi_examples import REQUEST_EXAMPLES
from app.openapi_responses import SCHEMA_EXAMPLES
from tests.support.builders import firm_headers

ROOT = Path(__file__).resolve().parents[2]
SPEC: dict[str, Any] = json.loads((ROOT / "openapi.json").read_text())


def _resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node and node["$ref"].startswith("#/components/"):
        _, _, kind, name = node["$ref"].split("/")
        node = SPEC["components"][kind][name]
    return node


def _medias() -> list[tuple[str, str, dict[str, Any]]]:
    """(where, media type, media object) of every request body and answer of the document."""
    found = []
    for path, item in SPEC["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody")
            if body:
                for kind, media in body["content"].items():
                    found.append((f"{method} {path} body", kind, media))
            for code, response in operation["responses"].items():
                for kind, media in _resolve(response).get("content", {}).items():
                    found.append((f"{method} {path} {code}", kind, media))
    return found


MEDIAS = _medias()
JSON_ANSWERS = [
    (where, media)
    for where, kind, media in MEDIAS
    if kind == "application/json" and where.rsplit(" ", 1)[-1].startswith("2")
]


def _examples() -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) of every example of the document: media, schema and header."""
    found = [
        (where, media["schema"], media["example"])
        for where, _, media in MEDIAS
        if "example" in media
    ]

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for example in (
                node.get("examples", []) if isinstance(node.get("examples"), list) else []
            ):
                found.append((where, node, example))
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                walk(value, f"{where}/{i}")

    walk(SPEC["components"], "#/components")
    walk(SPEC["paths"], "#/paths")
    return found


EXAMPLES = _examples()


def _validator(schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(
        {**schema, "components": SPEC["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_every_json_answer_shows_an_example():
    assert len(JSON_ANSWERS) > 60
    missing = [
        where
        for where, media in JSON_ANSWERS
        if "example" not in media
        and "examples" not in media
        and "example" not in _resolve(media["schema"])
        and "examples" not in _resolve(media["schema"])
    ]
    assert missing == []


@pytest.mark.parametrize(("where", "schema", "example"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_every_example_is_valid_against_its_schema(where, schema, example):
    errors = [
        f"{list(e.absolute_path)}: {e.message}" for e in _validator(schema).iter_errors(example)
    ]
    assert errors == []


def test_the_checks_see_a_wrong_example():
    """The validator does reject: a claim example with a number for a decimal text, a missing
    field and a status outside its enum."""
    claim = {k: v for k, v in SCHEMA_EXAMPLES["ClaimPublic"].items() if k != "month"}
    wrong = {**claim, "total_hours": 40, "status": "lost"}
    errors = list(_validator({"$ref": "#/components/schemas/ClaimPublic"}).iter_errors(wrong))
    assert len(errors) == 3
    assert not list(
        _validator({"$ref": "#/components/schemas/ClaimPublic"}).iter_errors(
            SCHEMA_EXAMPLES["ClaimPublic"]
        )
    )


def test_the_examples_amounts_are_the_services(client):
    """The simulation of the README's line answers the example's amounts, the claim's too."""
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/simulations", headers=headers, json=REQUEST_EXAMPLES["simulations-create"]
    )
    assert response.status_code == 200, response.text
    assert response.json() == SCHEMA_EXAMPLES["SimulationResult"]
    claim = SCHEMA_EXAMPLES["ClaimPublic"]
    line = {k: v for k, v in claim["lines"][0].items() if k not in ("employee_name", "nir")}
    assert line == response.json()["lines"][0]
    assert claim["total_allocation"] == response.json()["total_allocation"]
