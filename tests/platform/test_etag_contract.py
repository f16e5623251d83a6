"""The OpenAPI document declares optimistic concurrency where it applies: `If-Match` and 412
on every edit, deletion and step of a versioned resource, `ETag` on their answers."""

import json
from typing import Any

from tests.conftest import ROOT

VERSIONED = (
    "/v1/clients/{client_id}",
    "/v1/establishments/{establishment_id}",
    "/v1/users/{user_id}",
    "/v1/authorization-requests/{request_id}",
    "/v1/amendments/{amendment_id}",
    "/v1/claims/{claim_id}",
    "/v1/claw-backs/{claw_back_id}",
    "/v1/contracts/{contract_id}",
    "/v1/establishments/{establishment_id}/habilitation",
    "/v1/apld-agreements/{agreement_id}",
    "/v1/apld-renewals/{renewal_id}",
)
# Writes under a versioned path that change another resource (or none of its own).
NOT_CHECKED = {
    ("post", "/v1/authorization-requests/{request_id}/claims"),
    ("post", "/v1/authorization-requests/{request_id}/amendments"),
    ("post", "/v1/clients/{client_id}/contracts"),
    ("post", "/v1/clients/{client_id}/apld-agreements"),
    ("post", "/v1/apld-agreements/{agreement_id}/renewals"),
    ("post", "/v1/apld-agreements/{agreement_id}/claims"),
    ("post", "/v1/clients/{client_id}/regimes"),
    ("post", "/v1/establishments/{establishment_id}/authorization-requests"),
}


def resolved(document: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """A parameter, or the shared one its `$ref` points to."""
    ref = item.get("$ref")
    if ref is None:
        return item
    found: Any = document
    for part in ref.removeprefix("#/").split("/"):
        found = found[part]
    return dict(found)


def test_every_write_on_a_versioned_resource_takes_if_match_and_declares_412():
    document = json.loads((ROOT / "openapi.json").read_text())
    assert "ETag" in document["components"]["headers"]
    checked = 0
    for path, item in document["paths"].items():
        if not path.startswith(VERSIONED):
            continue
        for method, operation in item.items():
            if method not in ("post", "patch", "put", "delete") or (method, path) in NOT_CHECKED:
                continue
            names = [resolved(document, p)["name"] for p in operation.get("parameters", ())]
            assert "If-Match" in names, (method, path)
            assert "412" in operation["responses"], (method, path)
            if method != "delete":
                responses = operation["responses"]
                ok = responses.get("200") or responses["201"]
                assert ok["headers"]["ETag"] == {"$ref": "#/components/headers/ETag"}, path
            checked += 1
        get = item.get("get")
        if get is not None and path in VERSIONED:
            assert "ETag" in get["responses"]["200"].get("headers", {}), path
    assert checked >= 25
