"""Example answers of the OpenAPI document where an operation shows another step of the README
walkthrough than its schema's example (app/openapi_responses.py): a draft as created, a claim
as filed, validated, rejected..., by operation id and status."""

from typing import Any

from app.openapi_apld_examples import APLD_CLAIM
from app.openapi_responses import (
    _AMENDMENT,
    _CLAIM_ID,
    _CLAW_BACK,
    _CLIENT,
    _CONTRACT,
    _DRAFT_CLAIM,
    _DRAFT_REQUEST,
    _ESTABLISHMENT,
    _FILED_CLAIM,
    _FILED_REQUEST,
    _FIRM,
    _HABILITATION,
    _LINE,
    _MEMBER,
    _OWNER,
    _PAID_CLAIM,
    _VALIDATED_CLAIM,
    _page,
)

_CLAIM_LINES = {"lines": [_LINE]}
_CORRECTED = {**_LINE, "hours_not_worked": "42.00", "indemnity_amount": "367.50"}
_CORRECTED["allocation_amount"] = "367.50"
_CORRECTION = {
    **_DRAFT_CLAIM,
    "id": "0192a0c4-1e2f-7a3b-8c4d-5e6f7a8b9c0d",
    "version": 2,
    "corrects_id": _CLAIM_ID,
    "total_hours": "42.00",
    **dict.fromkeys(("total_indemnity", "total_allocation", "expected_allocation"), "367.50"),
    "created_at": "2020-09-15T10:00:00Z",
    "lines": [_CORRECTED],
}
_FILED_AMENDMENT = {
    **_AMENDMENT,
    "status": "filed",
    "filed_at": "2020-06-20T08:00:00Z",
    "implicit_acceptance_at": "2020-06-22T08:00:00Z",
}

# Where an operation shows another step than its schema's example.
OPERATION_EXAMPLES: dict[tuple[str, str], Any] = {
    ("firm-update", "200"): {**_FIRM, "name": "Cabinet Durand & associés"},
    ("users-list", "200"): _page(_OWNER, _MEMBER),
    ("users-update", "200"): {**_MEMBER, "role": "admin"},
    ("clients-update", "200"): {**_CLIENT, "headcount": 14, "updated_at": "2020-06-02T09:00:00Z"},
    ("establishments-archive", "200"): {
        **_ESTABLISHMENT,
        "status": "archived",
        **dict.fromkeys(("archived_at", "updated_at"), "2021-01-15T09:00:00Z"),
    },
    ("contracts-create", "201"): {**_CONTRACT, "in_use": False},
    ("contracts-terminate", "200"): {
        **_CONTRACT,
        "status": "terminated",
        "terminated_on": "2021-12-31",
    },
    ("habilitation-request", "200"): {
        **_HABILITATION,
        "status": "requested",
        **dict.fromkeys(("credentials_sent_on", "habilitated_on")),
    },
    ("habilitation-credentials-sent", "200"): {
        **_HABILITATION,
        "status": "credentials_sent",
        "habilitated_on": None,
    },
    ("authorization-requests-create", "201"): _DRAFT_REQUEST,
    ("authorization-requests-update", "200"): _DRAFT_REQUEST,
    ("authorization-requests-file", "200"): _FILED_REQUEST,
    ("amendments-file", "200"): _FILED_AMENDMENT,
    ("amendments-decide", "200"): {
        **_FILED_AMENDMENT,
        "status": "accepted",
        "decided_on": "2020-06-25",
    },
    ("claims-create", "201"): {**_DRAFT_CLAIM, **_CLAIM_LINES},
    ("apld-claims-create", "201"): APLD_CLAIM,
    ("claims-update", "200"): {**_DRAFT_CLAIM, **_CLAIM_LINES},
    ("claims-file", "200"): {**_FILED_CLAIM, **_CLAIM_LINES},
    ("claims-validate", "200"): {**_VALIDATED_CLAIM, **_CLAIM_LINES},
    ("claims-reject", "200"): {
        **_FILED_CLAIM,
        "status": "rejected",
        "rejected_on": "2020-05-10",
        "reject_reason": "The payroll slip of E001 is missing",
        **_CLAIM_LINES,
    },
    ("claims-withdraw", "200"): {
        **_FILED_CLAIM,
        "status": "withdrawn",
        "withdrawn_on": "2020-05-06",
        "withdraw_reason": "Hours of E001 entered twice",
        **_CLAIM_LINES,
    },
    ("claims-pay", "200"): {**_PAID_CLAIM, **_CLAIM_LINES},
    ("claims-correct", "201"): _CORRECTION,
    ("claw-backs-create", "201"): _CLAW_BACK,
    ("claw-backs-cancel", "200"): {
        **_CLAW_BACK,
        "status": "cancelled",
        "cancelled_on": "2020-10-20",
        "cancel_reason": "The ASP invalidated the OR",
        "updated_at": "2020-10-20T09:00:00Z",
    },
}
