"""Examples of the batches and the CSV import (requests and answers), by operation id."""

from typing import Any

from app.openapi_examples import REQUEST_EXAMPLES
from app.openapi_responses import SCHEMA_EXAMPLES

_CLIENT = SCHEMA_EXAMPLES["ClientPublic"]
_ESTABLISHMENT = SCHEMA_EXAMPLES["EstablishmentPublic"]
_DRAFT = {
    **SCHEMA_EXAMPLES["ClaimSummary"],
    "status": "draft",
    "filed_on": None,
    "validated_on": None,
    "paid_on": None,
    "paid_amount": None,
    "discrepancy": None,
    "clawed_back": "0.00",
    "net_amount_received": None,
}
_SECOND_ESTABLISHMENT = {
    **REQUEST_EXAMPLES["establishments-create"],
    "siret": "73282932000132",
    "name": "Boulangerie du Marché",
    "address": "1 place Bisson",
}


def _duplicate(kind: str, detail: str) -> dict[str, Any]:
    return {
        "type": f"urn:apart-api:problem:{kind}",
        "title": "Establishment already exists",
        "status": 409,
        "detail": detail,
        "code": kind,
        "errors": None,
    }


BULK_REQUESTS: dict[str, Any] = {
    "clients-batch-create": {
        "items": [
            REQUEST_EXAMPLES["clients-create"],
            {"siren": "552100554", "legal_name": "Garage Leroy", "headcount": 4},
        ]
    },
    "establishments-batch-create": {
        "items": [REQUEST_EXAMPLES["establishments-create"], _SECOND_ESTABLISHMENT]
    },
    "claims-batch-create": {
        "items": [
            {"request_id": _DRAFT["request_id"], **REQUEST_EXAMPLES["claims-create"]},
        ]
    },
    "imports-establishments": {"file": "(the CSV file)"},
}

BULK_ANSWERS: dict[tuple[str, str], Any] = {
    ("clients-batch-create", "200"): {
        "partial": False,
        "created": 2,
        "failed": 0,
        "items": [
            {"index": 0, "status": 201, "resource": _CLIENT, "problem": None},
            {
                "index": 1,
                "status": 201,
                "resource": {
                    **_CLIENT,
                    "id": "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e60",
                    "siren": "552100554",
                    "legal_name": "Garage Leroy",
                    "headcount": 4,
                },
                "problem": None,
            },
        ],
    },
    ("establishments-batch-create", "200"): {
        "partial": True,
        "created": 1,
        "failed": 1,
        "items": [
            {"index": 0, "status": 201, "resource": _ESTABLISHMENT, "problem": None},
            {
                "index": 1,
                "status": 409,
                "resource": None,
                "problem": _duplicate(
                    "duplicate_siret",
                    "This firm account already manages SIRET 73282932000132 (R4)",
                ),
            },
        ],
    },
    ("claims-batch-create", "200"): {
        "partial": False,
        "created": 1,
        "failed": 0,
        "items": [{"index": 0, "status": 201, "resource": _DRAFT, "problem": None}],
    },
    ("imports-establishments", "200"): {
        "dry_run": True,
        "written": False,
        "rows": 2,
        "clients_created": 1,
        "establishments_created": 1,
        "failed": 1,
        "columns": {"siren": "SIREN", "siret": "SIRET", "name": "Nom", "address": "Adresse"},
        "ignored_columns": ["Notes"],
        "items": [
            {
                "index": 0,
                "line": 2,
                "status": 201,
                "siret": "73282932000074",
                "client_created": True,
                "client_id": None,
                "establishment_id": None,
                "problem": None,
            },
            {
                "index": 1,
                "line": 3,
                "status": 422,
                "siret": "73282932000075",
                "client_created": False,
                "client_id": None,
                "establishment_id": None,
                "problem": {
                    "type": "urn:apart-api:problem:validation_error",
                    "title": "Invalid input",
                    "status": 422,
                    "detail": "The request is invalid: SIRET",
                    "code": "validation_error",
                    "errors": [
                        {
                            "location": "body",
                            "field": "SIRET",
                            "type": "siret_checksum",
                            "message": "SIRET checksum is invalid (R1)",
                        }
                    ],
                },
            },
        ],
    },
}
