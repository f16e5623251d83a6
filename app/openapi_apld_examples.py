"""Example answers of the APLD operations (R35–R38), by component schema: an agreement of
Boulangerie Martin validated in January 2021, its first bilan, an APLD claim and the meter of
an employee (R39, R41), as the service answers them; and the payroll software's API client of
Cabinet Durand.
tests/platform/test_examples.py validates each against its schema."""

from typing import Any

from app.openapi_responses import _DRAFT_CLAIM, _LINE

AGREEMENT: dict[str, Any] = {
    "id": "0190f1d0-5a6b-7c8d-9e0f-1a2b3c4d5e6f",
    "client_id": "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e5f",
    "status": "validated",
    "type": "agreement",
    "establishment_ids": ["0190f1c3-1d2e-7f40-8a5b-6c7d8e9f0a1b"],
    "start_on": "2021-01-04",
    "duration_months": 24,
    "max_reduction": "40.00",
    "activities": "Production et livraison",
    "employees_covered": "Les 9 salariés de l'atelier de production",
    "diagnostic": "Commandes en baisse de 45 % depuis mars 2020",
    "commitments": "Aucun licenciement économique ; deux formations par an",
    "information": "Bilan trimestriel au CSE et aux délégués syndicaux",
    "has_cse": None,
    "document_sha256": "b3e44df802e407df3d586bb3d4b3a7db17bc868565f04a061077f7d8de3e44bd",
    "cse_opinion_sha256": None,
    "entry_deadline": None,
    "filed_at": "2021-01-05T08:30:00Z",
    "tacit_decision_at": "2021-01-20T08:30:00Z",
    "decided_on": "2021-01-10",
    "decision_reason": None,
    "max_reduction_granted": "40.00",
    "neutralisation": {
        "applies": True,
        "automatic": True,
        "basis": None,
        "recorded_on": None,
        "first_month": "2020-11",
        "last_month": "2021-06",
    },
    "authorizations": [
        {"sequence": 1, "start_on": "2021-01-04", "end_on": "2021-07-03", "renewal_id": None}
    ],
    "usage": {
        "months_used": 1,
        "months_left": 23,
        "cap_months": 24,
        "window_months": 36,
        "window_end_on": "2024-07-03",
        "agreement_end_on": "2023-07-03",
    },
    "created_at": "2026-12-02T09:31:12.507432Z",
    "updated_at": "2026-12-02T09:31:12Z",
}

RENEWAL: dict[str, Any] = {
    "id": "0190f1d1-6b7c-7d8e-9f00-2b3c4d5e6f70",
    "agreement_id": "0190f1d0-5a6b-7c8d-9e0f-1a2b3c4d5e6f",
    "client_id": "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e5f",
    "status": "filed",
    "bilan_on": "2021-06-20",
    "bilan_sha256": "b3e44df802e407df3d586bb3d4b3a7db17bc868565f04a061077f7d8de3e44bd",
    "start_on": "2021-07-04",
    "end_on": "2022-01-03",
    "cap_months": 24,
    "cap_window_months": 36,
    "decided_on": None,
    "decision_reason": None,
    "created_at": "2026-12-02T09:31:12.553074Z",
    "updated_at": "2026-12-02T09:31:12.553082Z",
}

# R41: 40 h at 12.50 EUR in 2021-07: 70 % (8.75 EUR) and 60 % (7.50 EUR) of the APLD table.
APLD_CLAIM: dict[str, Any] = {
    **_DRAFT_CLAIM,
    "id": "0190f1d3-8d9e-7fa0-b122-4d5e6f708192",
    "scheme": "apld",
    "request_id": None,
    "apld_agreement_id": AGREEMENT["id"],
    "establishment_id": AGREEMENT["establishment_ids"][0],
    "month": "2021-07",
    "payroll_paid_on": "2021-07-30",
    "total_allocation": "300.00",
    "employer_cost": "50.00",
    "expected_allocation": "300.00",
    "created_at": "2021-08-01T10:00:00Z",
    "lines": [{**_LINE, "allocation_per_hour": "7.5000", "allocation_amount": "300.00"}],
}

METER_ENTRY: dict[str, Any] = {
    "employee_ref": "E001",
    "employee_name": "Martin Dupont",
    "nir": "1 ** ** ** *** *** 91",
    "used": "303.34",
    "allowed": "1456.03",
    "left": "1152.69",
}

API_CLIENT: dict[str, Any] = {
    "id": "0190f1d2-7c8d-7e9f-a011-3c4d5e6f7081",
    "client_id": "0190f1d2-7c8d-7e9f-a011-3c4d5e6f7081",
    "name": "Logiciel de paie",
    "role": "owner",
    "scopes": ["claims:read", "claims:write", "events:read"],
    "expires_at": None,
    "last_used_at": "2021-01-05T08:00:00Z",
    "revoked_at": None,
    "previous_secret_valid_until": None,
    "created_by": "0190f1c0-2b41-7a52-9c63-7d8e9fa0b1c2",
    "created_at": "2021-01-04T17:30:00Z",
}

APLD_EXAMPLES: dict[str, Any] = {
    "AgreementPublic": AGREEMENT,
    "RenewalPublic": RENEWAL,
    "MeterEntry": METER_ENTRY,
    "ApiClientPublic": API_CLIENT,
    "ApiClientWithSecret": API_CLIENT
    | {"client_secret": "kq3V0s8w1yQbJ2c7Xf5ZrN4hTmA9uLpE6dGiHoWxYzC"},
}
