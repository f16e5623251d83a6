"""The `Idempotency-Key` request header and the `Idempotent-Replayed` answer header, declared on
every POST operation of the OpenAPI document."""

from typing import Any

from app.idempotency.middleware import EXCLUDED_PREFIXES, HEADER, NOT_KEPT

REPLAYED = "Idempotent-Replayed"
# `parse_key`'s rule as a pattern: in double quotes, 1-255 printable characters but a quote or
# a backslash; bare, 1-255 printable characters that neither start nor end with a space (HTTP
# strips them) nor both start and end with a quote.
KEY_PATTERN = r'^(?:"[ !#-\[\]-~]{1,255}"|[!-~]|[!#-~][ -~]{0,253}[!-~]|[!-~][ -~]{0,253}[!#-~])$'

_PARAMETER = {
    "name": HEADER,
    "in": "header",
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 257, "pattern": KEY_PATTERN},
    "description": (
        "Makes the POST safe to retry (IETF httpapi idempotency-key draft): a unique value "
        "(a UUID) chosen by the client, 1-255 printable ASCII characters, bare or in double "
        "quotes. The first answer is kept for the firm account and key for "
        "`IDEMPOTENCY_TTL_SECONDS` (24 h); a retry with the same key, path and body gets that "
        "answer again (same status, body, `Content-Type`, `Location`, `ETag`) with "
        "`Idempotent-Replayed: true`, and nothing is done twice. The same key with another "
        "path or body: 422 `idempotency_key_reused`; while the first request still runs: 409 "
        "`idempotency_key_in_flight` with `Retry-After`. Answers 5xx, 401, 403, 408 and 429 "
        "are not kept (a retry runs again). Without a token (the sign-up) the key alone "
        "identifies the request. Ignored on the `/v1/auth/` and `/v1/api-clients` operations: "
        "their answers carry tokens or client secrets and are never kept."
    ),
}
_REPLAYED = {
    "description": "`true` when this answer is the kept answer of an earlier request with the "
    "same `Idempotency-Key`, repeated.",
    "schema": {"type": "string", "enum": ["true"]},
}


def declare_idempotency(schema: dict[str, Any]) -> dict[str, Any]:
    """Idempotent: run it on the generated document before `problem_openapi`."""
    components = schema.setdefault("components", {})
    components.setdefault("parameters", {})[HEADER] = dict(_PARAMETER)
    components.setdefault("headers", {})[REPLAYED] = dict(_REPLAYED)
    ref = {"$ref": f"#/components/parameters/{HEADER}"}
    for path, item in schema.get("paths", {}).items():
        operation = item.get("post")
        if not isinstance(operation, dict):
            continue
        parameters = operation.setdefault("parameters", [])
        if ref not in parameters:
            parameters.append(dict(ref))
        responses = operation.setdefault("responses", {})
        responses.setdefault("422", {"description": "Unprocessable Content"})
        if path.startswith(EXCLUDED_PREFIXES):
            continue
        responses.setdefault("409", {"description": "Conflict"})
        for code, response in responses.items():
            if code[0] in "234" and int(code) not in NOT_KEPT:
                response.setdefault("headers", {})[REPLAYED] = {
                    "$ref": f"#/components/headers/{REPLAYED}"
                }
    return schema
