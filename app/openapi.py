"""Post-processing of the generated OpenAPI document, and the `responses=` helper of routes."""

import json
from http import HTTPStatus
from typing import Any

from app.errors import Problem
from app.openapi_examples import VALIDATION_EXAMPLE
from app.openapi_inputs import exact_inputs
from app.openapi_links import LINKS, link_to

PROBLEM_JSON = "application/problem+json"


# What every route behind a token can answer (503: overloaded, see app/db.py).
AUTH_PROBLEMS = (401, 403, 503)


_PROBLEM_SCHEMA = {"$ref": "#/components/schemas/Problem"}
_WWW_AUTHENTICATE = {
    "description": (
        '`Bearer`; for an expired access token `Bearer error="invalid_token", '
        'error_description="The access token expired"` (RFC 6750): refresh it'
    ),
    "schema": {"type": "string"},
}


_ETAG = {
    "description": (
        "The version of the resource this answer shows (a strong validator): send it back in "
        "`If-Match` to change the resource only if nobody changed it since"
    ),
    "schema": {"type": "string", "examples": ['"3"']},
}
_ETAG_REF = {"$ref": "#/components/headers/ETag"}


def etag_response(status: int = 200) -> dict[int | str, dict[str, Any]]:
    """The `responses=` entry of an answer that carries the resource's `ETag`."""
    return {status: {"headers": {"ETag": dict(_ETAG_REF)}}}


def _takes_if_match(operation: dict[str, Any]) -> bool:
    return any(p.get("name") == "If-Match" for p in operation.get("parameters", ()))


def problem_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """Every error answer of the OpenAPI document as it is sent: `application/problem+json` with
    the `Problem` schema. This also covers the 422 that FastAPI declares by itself (as its
    `HTTPValidationError`, which we never send) and adds the 400 of a body that cannot be read
    (not UTF-8, a multipart body without its boundary) and the 413 of one over its size limit.
    Idempotent."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue  # a path-level `parameters` list or `summary`
            responses = operation["responses"]
            if _takes_if_match(operation):  # app.core.preconditions.IfMatch
                responses.setdefault("412", {"description": HTTPStatus(412).phrase})
                for code, response in responses.items():
                    if code in ("200", "201"):
                        response.setdefault("headers", {})["ETag"] = dict(_ETAG_REF)
            if "requestBody" in operation:
                responses.setdefault("400", {"description": "Bad Request"})
                # Over MAX_JSON_BYTES or MAX_UPLOAD_BYTES (app/core/uploads.py).
                responses.setdefault("413", {"description": HTTPStatus(413).phrase})
            for code, response in responses.items():
                if code[0] in "45" and "$ref" not in response:
                    response["content"] = {PROBLEM_JSON: {"schema": dict(_PROBLEM_SCHEMA)}}
                if code == "401":
                    response.setdefault("headers", {})["WWW-Authenticate"] = {
                        "$ref": "#/components/headers/WWW-Authenticate"
                    }
    headers = schema.setdefault("components", {}).setdefault("headers", {})
    headers["WWW-Authenticate"] = dict(_WWW_AUTHENTICATE)
    headers["ETag"] = dict(_ETAG)
    schemas = schema.get("components", {}).get("schemas", {})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    text = json.dumps(schema)
    dangling = [n for n in ("HTTPValidationError", "ValidationError") if f'schemas/{n}"' in text]
    assert not dangling, f"still referred to: {dangling}"
    return schema


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entries for the problems a route can answer (`problem_openapi`
    then declares each as application/problem+json)."""
    return {
        status: {"model": Problem, "description": HTTPStatus(status).phrase} for status in statuses
    }


# ---- the integrators' contract: what the generated document leaves out or says loosely ----

# Multipart bodies, by operation id: their model's name and the media type of each file part.
_FORMS = {
    "auth-token": ("TokenForm", {}),
    "contracts-create": ("ContractUpload", {"document": "application/pdf"}),
    "authorization-requests-cse-minutes-upload": (
        "CseMinutesUpload",
        {"document": "application/pdf"},
    ),
    "apld-agreements-document-upload": ("ApldDocumentUpload", {"document": "application/pdf"}),
    "apld-renewals-create": ("BilanUpload", {"document": "application/pdf"}),
    "imports-establishments": ("EstablishmentImport", {"file": "text/csv"}),
}
_BINARY = {"type": "string", "format": "binary"}
_DOWNLOAD_HEADERS = {
    "Content-Disposition": {
        "description": "`attachment`, with an ASCII `filename` and the exact UTF-8 `filename*`",
        "schema": {"type": "string"},
    },
    "X-Content-SHA256": {
        "description": "SHA-256 of the bytes, in hexadecimal",
        "schema": {"type": "string", "pattern": "^[0-9a-f]{64}$"},
    },
    "Repr-Digest": {
        "description": "RFC 9530: `sha-256=:<base64>:`",
        "schema": {"type": "string"},
    },
}
_RETRY_AFTER = {
    "description": "Seconds to wait before trying again",
    "schema": {"type": "integer", "minimum": 0},
}
# Dates and moments from FIRST_YEAR to LAST_YEAR (app/core/models.py), said by a pattern:
# `formatMinimum`/`formatMaximum` are no keywords of OpenAPI's JSON Schema.
_YEARS = {"date": "^(?:20[0-9]{2}|2100)-", "date-time": "^(?:20[0-9]{2}|2100)-"}
# pydantic's names of bounds, when one is left in a schema as is, and JSON Schema's.
_BOUNDS = {"ge": "minimum", "le": "maximum", "gt": "exclusiveMinimum", "lt": "exclusiveMaximum"}


def _walk(node: Any) -> None:
    """pydantic's bound keywords left on a schema (`"le": 48`) become JSON Schema's, and the
    years of dates a pattern."""
    if isinstance(node, dict):
        if node.pop("formatMinimum", None) and node.pop("formatMaximum", None):
            node.setdefault("pattern", _YEARS[node["format"]])
        if "anyOf" in node and "pattern" in node:  # an optional text's pattern: on the text
            for option in node["anyOf"]:
                if option.get("type") == "string":
                    option["pattern"] = node["pattern"]
            del node["pattern"]
        if "type" in node or "anyOf" in node:
            for ours, theirs in _BOUNDS.items():
                if ours in node:
                    node[theirs] = node.pop(ours)
        for value in node.values():
            _walk(value)
    elif isinstance(node, list):
        for value in node:
            _walk(value)


def _download(response: dict[str, Any]) -> None:
    """A download (any media type but JSON and problems): bytes unless it says otherwise, with
    its file name, and a document's digest."""
    content = response.get("content", {})
    if set(content) <= {"application/json", PROBLEM_JSON}:
        return
    for media in content.values():
        if not media.get("schema"):
            media["schema"] = dict(_BINARY)
    names = ["Content-Disposition"]
    if "application/pdf" in content:  # documents: their digest too
        names += ["X-Content-SHA256", "Repr-Digest"]
    response.setdefault("headers", {}).update(
        {n: {"$ref": f"#/components/headers/{n}"} for n in names}
    )


def _form(schema: dict[str, Any], operation: dict[str, Any], name: str, files: dict) -> None:
    """A multipart or form body: its model named, files as `format: binary` with their media
    type in `encoding`, optional parts without a `null` (a part left out is how one says none)."""
    content = operation["requestBody"]["content"]
    body = next(iter(content.values()))
    old = body["schema"]["$ref"].rsplit("/", 1)[-1]
    schemas = schema["components"]["schemas"]
    model = schemas.pop(old, None) or schemas[name]
    model["title"] = name
    required = set(model.get("required", ()))
    for part, prop in model["properties"].items():
        if "anyOf" in prop:
            options = [o for o in prop.pop("anyOf") if o.get("type") != "null"]
            prop.update(options[0])
        if "contentMediaType" in prop:
            del prop["contentMediaType"]
            prop["format"] = "binary"
        # An empty part is read as a part left out: refused when required, the default if not.
        pattern = prop.get("pattern", "")
        if part in required and prop.get("type") == "string" and prop.get("format") != "binary":
            prop.setdefault("minLength", 1)
        elif part not in required and pattern.startswith("^") and pattern.endswith("$"):
            prop["pattern"] = f"^(?:{pattern[1:-1]})?$"
    schemas[name] = model
    body["schema"] = {"$ref": f"#/components/schemas/{name}"}
    if files:
        body["encoding"] = {part: {"contentType": kind} for part, kind in files.items()}


def contract_openapi(
    schema: dict[str, Any],
    examples: dict[str, Any],
    codes: list[str],
    responses_examples: dict[tuple[str, str], Any],
) -> dict[str, Any]:
    """What the integrators' generated clients need: servers, `security: []` on public
    operations, named form models with binary files, binary downloads and their headers,
    `Retry-After` and `Allow`, JSON Schema bounds, links from creates, request examples."""
    schema["servers"] = [{"url": "/", "description": "this service"}]
    schema["components"]["schemas"]["Problem"]["properties"]["code"]["enum"] = codes
    headers = schema.setdefault("components", {}).setdefault("headers", {})
    headers.update(_DOWNLOAD_HEADERS)
    headers["Retry-After"] = dict(_RETRY_AFTER)
    ids = {
        op["operationId"]: (path, method)
        for path, item in schema["paths"].items()
        for method, op in item.items()
        if isinstance(op, dict) and "operationId" in op
    }
    for path_item in schema["paths"].values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "operationId" not in operation:
                continue
            op_id = operation["operationId"]
            operation.setdefault("security", [])
            if op_id in _FORMS:
                _form(schema, operation, *_FORMS[op_id])
            body = operation.get("requestBody")
            if body is not None and op_id in examples:
                media = next(iter(body["content"].values()))
                media["example"] = examples[op_id]
            for code, response in operation["responses"].items():
                _download(response)
                example = responses_examples.get((op_id, code))
                if code == "422":
                    example = VALIDATION_EXAMPLE
                if example is not None:
                    next(iter(response["content"].values()))["example"] = example
                if code in ("429", "503"):
                    response.setdefault("headers", {})["Retry-After"] = {
                        "$ref": "#/components/headers/Retry-After"
                    }
            links = LINKS.get(op_id)
            if links:
                success = "201" if "201" in operation["responses"] else "200"
                operation["responses"][success]["links"] = {
                    name: link_to(target, param, success == "201")
                    for name, (target, param) in links.items()
                }
                assert all(target in ids for target, _ in links.values())
    _walk(schema["components"]["schemas"])
    _walk(schema["paths"])
    _request_defaults(schema)
    return exact_inputs(schema)


def _models(schema: dict[str, Any], roots: list[Any]) -> set[str]:
    """The component schemas `roots` refer to, directly or not."""
    names: set[str] = set()
    todo = list(roots)
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref[21:] not in names:
                names.add(ref[21:])
                todo.append(schema["components"]["schemas"][ref[21:]])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return names


def _request_defaults(schema: dict[str, Any]) -> None:
    """A request model's defaults said in words, not as `default`: openapi-typescript makes a
    field with a `default` required in the type it generates, though the server fills it in."""
    operations = [
        op for item in schema["paths"].values() for op in item.values() if isinstance(op, dict)
    ]
    asked = _models(schema, [op.get("requestBody") for op in operations])
    answered = _models(schema, [op.get("responses") for op in operations])
    for name in sorted(asked - answered):
        for prop in schema["components"]["schemas"][name].get("properties", {}).values():
            if "default" in prop:
                said = json.dumps(prop.pop("default"), ensure_ascii=False)
                text = prop.get("description", "").rstrip(".")
                prop["description"] = f"{text}. Default: {said}" if text else f"Default: {said}"


# ---- 405: a method the path does not answer to ----

_ALLOW = {
    "description": "Every method the path answers to, comma-separated (RFC 9110)",
    "schema": {"type": "string", "examples": ["GET, PATCH, DELETE"]},
}
_METHOD_NOT_ALLOWED = {
    "description": (
        "The path does not answer to the method used (not one of this path's operations); "
        "`Allow` lists those it does"
    ),
    "headers": {"Allow": {"$ref": "#/components/headers/Allow"}},
    "content": {
        PROBLEM_JSON: {
            "schema": dict(_PROBLEM_SCHEMA),
            "example": {
                "type": "urn:apart-api:problem:method_not_allowed",
                "title": "Method Not Allowed",
                "status": 405,
                "detail": "Method Not Allowed",
                "code": "method_not_allowed",
            },
        }
    },
}
_METHOD_NOT_ALLOWED_REF = {"$ref": "#/components/responses/MethodNotAllowed"}


def method_not_allowed_openapi(schema: dict[str, Any]) -> dict[str, Any]:
    """The 405 of every path, with its `Allow` header: one shared response in
    `components.responses`, referred to by each operation (OpenAPI has no place for the methods
    a path does not have, so each of its operations says what the others answer). Idempotent."""
    components = schema.setdefault("components", {})
    components.setdefault("headers", {})["Allow"] = dict(_ALLOW)
    components.setdefault("responses", {})["MethodNotAllowed"] = json.loads(
        json.dumps(_METHOD_NOT_ALLOWED)
    )
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"]["405"] = dict(_METHOD_NOT_ALLOWED_REF)
    return schema
