"""Post-processing of the generated OpenAPI document, and the `responses=` helper of routes."""

import json
from http import HTTPStatus
from typing import Any

from app.errors import Problem

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
