"""Example request bodies of the OpenAPI document, by operation id: the README walkthrough's
payloads, so that a generated client's documentation shows values the service accepts."""

from typing import Any

_LINE = {
    "employee_ref": "E001",
    "employee_name": "Martin Dupont",
    "contract_hours": "151.67",
    "hours_not_worked": "40.00",
    "hourly_rate": "12.5000",
}
_DRAFT = {
    "motive": "economic_downturn",
    "sub_motive": "coronavirus",
    "scope": "reduction_whole",
    "start_on": "2020-04-01",
    "end_on": "2020-06-30",
    "employees_concerned": 12,
    "weekly_hours": "35.00",
    "forecast_hours": "1200.00",
    "justification": "Orders down 60% since the lockdown",
    "previous_use": False,
}
_DAY = {"on": "2020-04-02"}

REQUEST_EXAMPLES: dict[str, Any] = {
    "firms-create": {
        "name": "Cabinet Durand",
        "siret": "73282932000074",
        "email": "apart@cabinet-durand.fr",
        "owner": {
            "email": "claire@cabinet-durand.fr",
            "full_name": "Claire Durand",
            "password": "correct horse battery staple",
        },
    },
    "firm-update": {"name": "Cabinet Durand & associés"},
    "auth-token": {
        "username": "claire@cabinet-durand.fr",
        "password": "correct horse battery staple",
    },
    "api-clients-create": {
        "name": "Logiciel de paie",
        "scopes": ["clients:read", "establishments:read", "claims:write"],
        "expires_at": "2099-12-31T23:59:59+01:00",
    },
    "auth-refresh": {"refresh_token": "q1aP3y5XQm0hQ6rWk2Zs9vT4bN8cE7uLd1GfHjKoIpY"},
    "auth-logout": {"refresh_token": "q1aP3y5XQm0hQ6rWk2Zs9vT4bN8cE7uLd1GfHjKoIpY"},
    "users-create": {
        "email": "paul@cabinet-durand.fr",
        "full_name": "Paul Leroy",
        "password": "another long passphrase",
        "role": "member",
    },
    "users-update": {"role": "admin"},
    "clients-create": {"siren": "732829320", "legal_name": "Boulangerie Martin", "headcount": 12},
    "clients-update": {"headcount": 14},
    "clients-regimes-change": {"regime": "general", "effective_from": "2021-01-01"},
    "establishments-create": {
        "client_id": "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e5f",
        "siret": "732 829 320 00074",
        "name": "Boulangerie du Port",
        "address": "3 quai des Indes",
        "postal_code": "56100",
        "city": "Lorient",
    },
    "establishments-update": {"name": "Boulangerie du Port (quai)"},
    "contracts-create": {
        "signed_on": "2020-03-20",
        "signatory_name": "Jean Martin",
        "signatory_role": "Gérant",
        "document": "(the PDF file)",
    },
    "contracts-terminate": {"on": "2021-12-31"},
    "habilitation-request": _DAY,
    "habilitation-credentials-sent": {"on": "2020-03-25"},
    "habilitation-habilitated": {"on": "2020-03-30"},
    "authorization-requests-create": _DRAFT,
    "authorization-requests-update": {"forecast_hours": "1500.00"},
    "authorization-requests-file": {"filed_at": "2020-04-01T09:30:00+02:00"},
    "authorization-requests-decide": {
        "outcome": "accepted",
        "decided_on": "2020-04-10",
        "authorized_employees": 12,
        "authorized_hours": "1200.00",
    },
    "authorization-requests-cse-opinion": {"consulted_on": "2020-04-05", "opinion": "favourable"},
    "authorization-requests-cse-minutes-upload": {"document": "(the PDF file)"},
    "amendments-create": {"additional_hours": "300.00", "end_on": "2020-09-30"},
    "amendments-file": {"filed_at": "2020-06-20T10:00:00+02:00"},
    "amendments-decide": {"outcome": "accepted", "decided_on": "2020-06-25"},
    "apld-agreements-create": {
        "type": "agreement",
        "establishment_ids": ["0190f1c3-1d2e-7f40-8a5b-6c7d8e9f0a1b"],
        "start_on": "2021-01-04",
        "duration_months": 24,
        "max_reduction": "40.00",
        "activities": "Bakery production and delivery",
        "employees_covered": "The 9 production and delivery staff of the Lorient bakery",
        "diagnostic": "Catering orders down 45% since March 2020; recovery expected in 2022",
        "commitments": "No redundancy for economic reasons; 2 training courses a year each",
        "information": "Quarterly report to the CSE and the union delegates",
    },
    "apld-agreements-update": {"duration_months": 18},
    "apld-agreements-document-upload": {"document": "(the PDF file)"},
    "apld-agreements-file": {"filed_at": "2021-01-05T09:30:00+01:00"},
    "apld-agreements-decide": {"outcome": "validated", "decided_on": "2021-01-15"},
    "apld-agreements-neutralise": {"basis": "activity_stopped", "on": "2021-01-20"},
    "apld-renewals-create": {"bilan_on": "2021-06-25", "document": "(the PDF file)"},
    "apld-renewals-decide": {"outcome": "granted", "decided_on": "2021-07-02"},
    "claims-create": {"month": "2020-04", "payroll_paid_on": "2020-04-30", "lines": [_LINE]},
    "apld-claims-create": {
        "establishment_id": "0190f1c3-1d2e-7f40-8a5b-6c7d8e9f0a1b",
        "month": "2021-07",
        "payroll_paid_on": "2021-07-30",
        "lines": [_LINE],
    },
    "claims-update": {"lines": [{**_LINE, "hours_not_worked": "45.00"}]},
    "claims-correct": {"lines": [{**_LINE, "hours_not_worked": "42.00"}]},
    "claims-file": {"filed_on": "2020-05-04"},
    "claims-validate": {"on": "2020-05-10"},
    "claims-reject": {"on": "2020-05-10", "reason": "The payroll slip of E001 is missing"},
    "claims-pay": {"paid_on": "2020-05-15", "amount": "272.80"},
    "claims-withdraw": {"on": "2020-05-06", "reason": "Hours of E001 entered twice"},
    "claw-backs-create": {
        "amount": "68.20",
        "reason": "Hours of E001 claimed above those paid",
        "noticed_on": "2020-09-14",
    },
    "claw-backs-issue": {"on": "2020-10-02"},
    "claw-backs-cancel": {"on": "2020-10-20", "reason": "The ASP invalidated the OR"},
    "simulations-create": {
        "month": "2020-04",
        "lines": [{k: v for k, v in _LINE.items() if k != "employee_name"}],
    },
}

_CLIENT_ID = "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e5f"
_AT = "2020-03-16T09:00:00Z"

# The main answers, by operation id and status.
RESPONSE_EXAMPLES: dict[tuple[str, str], Any] = {
    ("auth-token", "200"): {
        "access_token": "<JWT>",
        "refresh_token": "<opaque token>",
        "token_type": "bearer",
        "expires_in": 900,
        "scope": "firm:read clients:read clients:write",
    },
    ("clients-create", "201"): {
        "id": _CLIENT_ID,
        "siren": "732829320",
        "legal_name": "Boulangerie Martin",
        "headcount": 12,
        "contact_email": None,
        "regime": "general",
        "created_at": _AT,
        "updated_at": _AT,
    },
    ("establishments-create", "201"): {
        "id": "0190f1c3-1d2e-7f40-8a5b-6c7d8e9f0a1b",
        "client_id": _CLIENT_ID,
        "siret": "73282932000074",
        "siren": "732829320",
        "name": "Boulangerie du Port",
        "address": "3 quai des Indes",
        "postal_code": "56100",
        "city": "Lorient",
        "status": "active",
        "archived_at": None,
        "created_at": _AT,
        "updated_at": _AT,
    },
}

# Every 422: one entry per invalid field.
VALIDATION_EXAMPLE = {
    "type": "urn:apart-api:problem:validation_error",
    "title": "Unprocessable Content",
    "status": 422,
    "detail": "The request has invalid fields",
    "code": "validation_error",
    "errors": [
        {
            "location": "body",
            "field": "forecast_hours",
            "type": "decimal_comma",
            "message": 'a decimal uses a point, not a comma: "12.50", not "12,50"',
        }
    ],
}
