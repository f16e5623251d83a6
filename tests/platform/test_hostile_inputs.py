"""Every operation of openapi.json, every parameter and every body field, sent hostile values
chosen from its schema: a NUL or another control character in a text, a moment without its
UTC offset, integers past 64 and 32 bits, dates in year 1 and 9999, a file name outside
Latin-1. None may be a 5xx. The walk is driven by the document: a new operation or field is
walked without a line here.

The caller is a firm's owner (every scope), and each path id names a real resource of a seeded
firm (a draft and an accepted request, a draft and a paid claim, ...), so that the values reach
the service and the database rather than stopping at a 401 or a 404. Outside the hostile
field, each body holds valid values of its schema's required fields."""

import itertools
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from app.core.routing import CheckedRoute
from tests.support.builders import PASSWORD, firm_headers, make_client, new_siren, siret_for
from tests.support.lifecycle import (
    PDF,
    accepted_request,
    create_claim,
    create_request,
    habilitate,
    ok,
    pay_claim,
    upload_contract,
)

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((ROOT / "openapi.json").read_text())
SCHEMAS = DOCUMENT["components"]["schemas"]
PARAMETERS = DOCUMENT["components"].get("parameters", {})
OPERATIONS = [
    (method.upper(), path, operation)
    for path, operations in DOCUMENT["paths"].items()
    for method, operation in operations.items()
]

TEXTS = ["Boulangerie\u0000Martin", "\u0000", "a\u001bb"]
INTEGERS = [10**20, 2**40, -(2**40), 2**31]
DATES = ["9999-12-20", "0001-01-01", "2020-03-30\u0000"]
MOMENTS = [
    "2020-03-30T10:00:00",
    "9999-12-31T23:59:59+00:00",
    "0001-01-01T00:00:00+00:00",
    "9999-12-31T23:59:59",
]
FILE_NAMES = ["contrat\u0000.pdf", "договор.pdf", "contrat_sœur.pdf"]
NIR = "2 55 08 14 168 025 38"
_seq = itertools.count(1)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: `$ref` followed, an optional value's null alternative dropped."""
    while True:
        if "$ref" in schema:
            named = SCHEMAS[schema["$ref"].rsplit("/", 1)[-1]]
            schema = {**named, **{k: v for k, v in schema.items() if k != "$ref"}}
        elif "anyOf" in schema:
            options = [s for s in schema["anyOf"] if s.get("type") != "null"]
            schema = {**options[0], **{k: v for k, v in schema.items() if k != "anyOf"}}
        else:
            return schema


def is_file(schema: dict[str, Any]) -> bool:
    return schema.get("format") == "binary" or "contentMediaType" in schema


def hostile_values(schema: dict[str, Any]) -> list[Any]:
    schema = resolve(schema)
    kind, form = schema.get("type"), schema.get("format")
    if kind == "integer":
        return INTEGERS
    if kind == "string" and is_file(schema):
        return []  # files: their names, below
    if kind == "string" and form == "date":
        return DATES
    if kind == "string" and form == "date-time":
        return MOMENTS
    if kind in ("string", "number"):
        return TEXTS
    return []


class World:
    """A seeded firm: the ids a path may need, and valid values for the fields whose rules no
    schema can say (a SIREN's checksum, a SIRET of the client's SIREN, a NIR)."""

    def __init__(self, client: TestClient) -> None:
        firm, self.headers = firm_headers(client)
        self.owner_email = firm["owner_email"]
        company = make_client(client, self.headers)
        self.siren = company["siren"]
        est = ok(
            client.post(
                "/v1/establishments",
                headers=self.headers,
                json={"client_id": company["id"], "siret": siret_for(self.siren, 1),
                      "name": "Boulangerie du Port", "address": "3 quai des Indes",
                      "postal_code": "56100", "city": "Lorient"},
            ),
            201,
        )  # fmt: skip
        # Stored under names outside Latin-1: downloading them must work too.
        contract = upload_contract(client, self.headers, company["id"], filename="договор.pdf")
        habilitate(client, self.headers, est["id"])
        ctx = {"headers": self.headers, "client": company, "establishment": est}
        accepted = accepted_request(client, ctx)
        draft = create_request(
            client,
            ctx,
            start_on="2020-09-01",
            end_on="2020-09-30",
            cse={"status": "given", "consulted_on": "2020-08-20", "opinion": "favourable"},
        )
        ok(
            client.post(
                f"/v1/authorization-requests/{draft['id']}/cse-minutes",
                headers=self.headers,
                files={"document": ("протокол.pdf", PDF, "application/pdf")},
            )
        )
        amendment = ok(
            client.post(
                f"/v1/authorization-requests/{accepted['id']}/amendments",
                headers=self.headers,
                json={"additional_hours": "10"},
            ),
            201,
        )
        paid = ok(create_claim(client, ctx, accepted["id"], month="2020-04"), 201)
        pay_claim(client, ctx, paid["id"])
        claw_back = ok(
            client.post(
                f"/v1/claims/{paid['id']}/claw-backs",
                headers=self.headers,
                json={"amount": "10.00", "reason": "Trop-perçu", "noticed_on": "2020-09-14"},
            ),
            201,
        )
        draft_claim = create_claim(
            client, ctx, accepted["id"], month="2020-05", payroll_paid_on="2020-05-29"
        )
        claim = ok(draft_claim, 201)
        user = ok(
            client.post(
                "/v1/users",
                headers=self.headers,
                json={"email": f"m{next(_seq)}@exemple.fr", "full_name": "Marie", "password":
                      PASSWORD, "role": "member"},
            ),
            201,
        )  # fmt: skip
        self.ids: dict[str, list[str]] = {
            "client_id": [company["id"]],
            "establishment_id": [est["id"]],
            "contract_id": [contract["id"]],
            "request_id": [draft["id"], accepted["id"]],
            "amendment_id": [amendment["id"]],
            "claim_id": [claim["id"], paid["id"]],
            "claw_back_id": [claw_back["id"]],
            "user_id": [user["id"]],
            "resource_id": [accepted["id"]],
        }

    def sample(self, name: str, schema: dict[str, Any]) -> Any:
        """A valid value of a field, from its name where the schema cannot tell."""
        schema = resolve(schema)
        named = {
            "siren": new_siren,
            "siret": lambda: siret_for(self.siren, 10 + next(_seq)),
            "nir": lambda: NIR,
            "password": lambda: PASSWORD,
            "username": lambda: self.owner_email,
            "month": lambda: "2020-06",
            "employee_ref": lambda: f"E{next(_seq)}",
            "postal_code": lambda: "56100",
        }
        if name in named:
            return named[name]()
        if name in self.ids:
            return self.ids[name][0]
        if "enum" in schema:
            return schema["enum"][0]
        if "default" in schema and schema["default"] is not None:
            return schema["default"]
        kind, form = schema.get("type"), schema.get("format")
        if kind == "object":
            return {
                key: self.sample(key, sub)
                for key, sub in schema.get("properties", {}).items()
                if key in schema.get("required", ())
            }
        if kind == "array":
            return [self.sample(name, schema["items"]) for _ in range(schema.get("minItems", 1))]
        if kind == "integer":
            return max(schema.get("minimum", 1), 1)
        if kind == "number":
            return 10
        if kind == "boolean":
            return False
        if form == "date":
            return "2020-04-01"
        if form == "date-time":
            return "2020-03-20T10:00:00+01:00"
        if form == "email":
            return f"x{next(_seq)}@exemple.fr"
        if form == "uuid":
            return str(uuid.uuid4())
        if "examples" in schema:
            return schema["examples"][0]
        return "Valeur".ljust(schema.get("minLength", 1), "x")


def leaves(schema: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every field of a body, nested objects and the first item of arrays included."""
    schema = resolve(schema)
    if schema.get("type") == "object":
        for key, sub in schema.get("properties", {}).items():
            yield from leaves(sub, (*path, key))
    elif schema.get("type") == "array":
        yield from leaves(schema["items"], (*path, 0))
    else:
        yield path


def schema_at(schema: dict[str, Any], path: tuple[Any, ...]) -> dict[str, Any]:
    for step in path:
        schema = resolve(schema)
        schema = schema["items"] if isinstance(step, int) else schema["properties"][step]
    return schema


def with_value(world: World, schema: dict[str, Any], path: tuple[Any, ...], value: Any) -> Any:
    """A valid body of `schema` whose field at `path` is `value` (its parents made for it)."""
    if not path:
        return value
    schema = resolve(schema)
    step, rest = path[0], path[1:]
    if isinstance(step, int):
        return [with_value(world, schema["items"], rest, value)]
    body = world.sample("", schema)
    body[step] = with_value(world, schema["properties"][step], rest, value)
    return body


def requests(world: World, method: str, path: str, operation: dict[str, Any]) -> Iterator[Any]:
    """(label, request keywords) of the valid request and of each hostile one."""
    parameters = [
        PARAMETERS[p["$ref"].rsplit("/", 1)[-1]] if "$ref" in p else p
        for p in operation.get("parameters", [])
    ]
    routes = [
        {p["name"]: value for p, value in zip(parameters, values, strict=True)}
        for values in itertools.product(
            *[world.ids.get(p["name"], [None]) if p["in"] == "path" else [None] for p in parameters]
        )
    ]
    content = operation.get("requestBody", {}).get("content", {})
    media, body_schema = next(iter(content.items()), (None, {"schema": {}}))
    body_schema = body_schema["schema"]

    def build(route: dict[str, Any], param: str | None = None, value: Any = None) -> dict[str, Any]:
        url, query, headers = path, {}, dict(world.headers)
        for p in parameters:
            given = value if p["name"] == param else route[p["name"]]
            if p["in"] == "path":
                url = url.replace("{" + p["name"] + "}", quote(str(given), safe=""))
            elif p["in"] == "header":
                if p["name"] == param:
                    headers[p["name"]] = given
            elif p["name"] == param:
                query[p["name"]] = given
            elif p.get("required"):
                query[p["name"]] = world.sample(p["name"], p["schema"])
        return {"method": method, "url": url, "params": query, "headers": headers}

    def body(fields: dict[str, Any], file_name: str = "document.pdf") -> dict[str, Any]:
        if media == "application/json":
            return {"json": fields}
        if media is None:
            return {}
        files = {k: (file_name, PDF, "application/pdf") for k, v in fields.items() if v is PDF}
        data = {k: v for k, v in fields.items() if v is not PDF and v is not None}
        return {"data": data, "files": files or None}

    def form_fields(path_: tuple[Any, ...] | None = None, value: Any = None) -> dict[str, Any]:
        schema = resolve(body_schema) if media else {}
        out: dict[str, Any] = {}
        for key, sub in schema.get("properties", {}).items():
            if is_file(resolve(sub)):
                out[key] = PDF
            elif path_ == (key,):
                out[key] = value
            elif key in schema.get("required", ()):
                out[key] = world.sample(key, sub)
        return out

    for route in routes:
        ids = ",".join(f"{k}={v}" for k, v in route.items() if v)
        for p in parameters:
            for value in hostile_values(p["schema"]):
                if p["in"] == "header" and not sendable_header(value):
                    continue
                yield f"{ids} {p['in']} {p['name']}={value!r}", build(route, p["name"], value)
        if not media:
            continue
        for leaf in leaves(body_schema):
            sub = resolve(schema_at(body_schema, leaf))
            if media != "application/json" and is_file(sub):
                for name in FILE_NAMES:
                    yield f"{ids} file name {name!r}", {**build(route), **body(form_fields(), name)}
            for value in hostile_values(sub):
                label = f"{ids} body {'.'.join(map(str, leaf))}={value!r}"
                if media == "application/json":
                    fields = with_value(world, body_schema, leaf, value)
                    yield label, {**build(route), "json": fields}
                else:
                    yield label, {**build(route), **body(form_fields(leaf, value))}
    # Last: a valid request may change the state the hostile ones need (filing a draft).
    for route in routes:
        ids = ",".join(f"{k}={v}" for k, v in route.items() if v)
        if media == "application/json":
            yield f"{ids} valid", {**build(route), "json": world.sample("", body_schema)}
        else:
            yield f"{ids} valid", {**build(route), **body(form_fields())}


def sendable_header(value: Any) -> bool:
    """A value HTTP can carry in a header at all (no line break, no NUL, Latin-1): the others
    never reach a server."""
    if not isinstance(value, str):
        return False
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return not any(c in value for c in "\r\n\x00")


@pytest.mark.parametrize(
    ("method", "path", "operation"),
    [pytest.param(*op, id=op[2].get("operationId", f"{op[0]} {op[1]}")) for op in OPERATIONS],
)
def test_hostile_values_are_never_a_5xx(client, method, path, operation):
    world = World(client)
    secured = bool(operation.get("security"))
    failures, walked = [], 0
    for label, request in requests(world, method, path, operation):
        walked += 1
        response = client.request(**{"headers": world.headers, **request})
        valid = label.endswith(" valid") or ("file name" in label and "\u0000" not in label)
        if response.status_code >= 500:
            failures.append(f"{label}: {response.status_code} {response.text[:200]}")
        elif secured and response.status_code in (401, 403):
            failures.append(f"{label}: not reached ({response.status_code})")
        elif not valid and not 400 <= response.status_code < 500:
            failures.append(f"{label}: accepted ({response.status_code})")
    assert walked >= 1
    assert failures == []


def test_every_route_checks_its_query_and_form_texts(app):
    """The control-character check of query parameters and form fields lives in the route
    class: every API route must have it."""
    routes = [r for r in app.routes if isinstance(r, APIRoute) and r.include_in_schema]
    assert len(routes) == len(OPERATIONS)
    assert [r.path for r in routes if not isinstance(r, CheckedRoute)] == []
