"""What the OpenAPI document says of request values, so that it allows what the server takes
and nothing else (schemathesis checks both ways, contract/schemathesis/):

- an optional query or header parameter has no `null` option: one says "none" by leaving it
  out, and a client that sent `null` would send the text `null`, or an empty value;
- no text of a request carries a control character but tab and line breaks: the server refuses
  them in JSON texts, query parameters and form fields alike (app.core.models, app.core.routing).
  A text without a pattern of its own gets `PLAIN_TEXT`; those with a format (dates, e-mails,
  files) or a closed list are already narrower."""

from typing import Any

from app.core.models import PLAIN_TEXT


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = [o for o in schema.get("anyOf", ()) if o.get("type") != "null"]
    if len(options) != 1 or len(options) == len(schema["anyOf"]):
        return schema
    rest = {k: v for k, v in schema.items() if k != "anyOf"}
    return {**options[0], **rest}


def _plain_texts(node: Any) -> None:
    if isinstance(node, dict):
        if (
            node.get("type") == "string"
            and not {"pattern", "enum", "const"} & node.keys()
            and node.get("format") in (None, "password")
        ):
            node["pattern"] = PLAIN_TEXT
        for key, value in node.items():
            if key not in ("example", "examples", "default"):
                _plain_texts(value)
    elif isinstance(node, list):
        for value in node:
            _plain_texts(value)


def _asked(schema: dict[str, Any], operations: list[dict[str, Any]]) -> set[str]:
    """The component schemas that request bodies refer to, directly or not."""
    schemas = schema["components"]["schemas"]
    names: set[str] = set()
    todo: list[Any] = [op.get("requestBody") for op in operations]
    while todo:
        node = todo.pop()
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/components/schemas/") and ref[21:] not in names:
                names.add(ref[21:])
                todo.append(schemas[ref[21:]])
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return names


def exact_inputs(schema: dict[str, Any]) -> dict[str, Any]:
    """Idempotent: run it last, on the finished document."""
    operations = [
        op
        for item in schema["paths"].values()
        for op in item.values()
        if isinstance(op, dict) and "responses" in op
    ]
    parameters = [p for op in operations for p in op.get("parameters", ()) if p.get("in") != "path"]
    parameters += schema["components"].get("parameters", {}).values()
    for parameter in parameters:
        if "schema" in parameter:
            parameter["schema"] = _without_null(parameter["schema"])
            _plain_texts(parameter["schema"])
    for name in sorted(_asked(schema, operations)):
        _plain_texts(schema["components"]["schemas"][name])
    for op in operations:
        body = op.get("requestBody", {}).get("content", {})
        for media in body.values():
            _plain_texts(media.get("schema"))
    return schema
