"""An example on every JSON answer of the OpenAPI document (the examples themselves are in
app/openapi_responses.py and app/openapi_steps.py)."""

import json
from typing import Any


def _example_of(schema: dict[str, Any], by_schema: dict[str, Any]) -> Any:
    """The example of a response schema: its component's, a page or a list of its items'."""
    name = schema.get("$ref", "").rsplit("/", 1)[-1]
    if name in by_schema:
        return by_schema[name]
    if name.startswith("Page_") and name[5:-1] in by_schema:
        return {"items": [by_schema[name[5:-1]]], "next_cursor": None}
    if schema.get("type") == "array":
        item = _example_of(schema.get("items", {}), by_schema)
        return None if item is None else [item]
    return None


def response_examples_openapi(
    schema: dict[str, Any],
    by_schema: dict[str, Any],
    by_operation: dict[tuple[str, str], Any],
) -> dict[str, Any]:
    """An example on each 2xx JSON answer that has none: the operation's own step if it shows
    one, else its schema's (app/openapi_responses.py, app/openapi_steps.py). Idempotent."""
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, response in operation["responses"].items():
                media = response.get("content", {}).get("application/json")
                if not code.startswith("2") or media is None or "example" in media:
                    continue
                example = by_operation.get((operation.get("operationId", ""), code))
                if example is None:
                    example = _example_of(media.get("schema", {}), by_schema)
                if example is not None:
                    media["example"] = json.loads(json.dumps(example))
    return schema
