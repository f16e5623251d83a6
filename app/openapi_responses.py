"""Example answers of the OpenAPI document, by component schema: the README walkthrough as the
service answers it (Cabinet Durand files for Boulangerie Martin's establishment in Lorient,
April 2020: 40 hours not worked at 12.50 EUR an hour, 70 %: 8.75 EUR an hour, 350.00 EUR).
app/openapi_steps.py gives the operations that show another step of it;
tests/platform/test_examples.py validates each against its schema."""

from typing import Any

_FIRM_ID = "0190f1c0-2b3c-7d4e-8f50-6172839a4b5c"
_OWNER_ID = "0190f1c0-2b41-7a52-9c63-7d8e9fa0b1c2"
_MEMBER_ID = "0190f1c1-4e5f-7061-8273-9405a6b7c8d9"
_CLIENT_ID = "0190f1c2-8a4b-7c3d-9e5f-0a1b2c3d4e5f"
_ESTABLISHMENT_ID = "0190f1c3-1d2e-7f40-8a5b-6c7d8e9f0a1b"
_CONTRACT_ID = "0190f1c4-5a6b-7c8d-9e0f-1a2b3c4d5e6f"
_HABILITATION_ID = "0190f1c5-0b1c-7d2e-8f3a-4b5c6d7e8f90"
_REQUEST_ID = "01913a77-3c4d-7e5f-8a6b-7c8d9e0f1a2b"
_AMENDMENT_ID = "0192d4a1-6e7f-7081-92a3-b4c5d6e7f809"
_CLAIM_ID = "0191e3b8-9d0e-7f1a-8b2c-3d4e5f6a7b8c"
_CLAW_BACK_ID = "01948f2e-7a8b-7c9d-8e0f-a1b2c3d4e5f6"
_AT = "2020-03-16T09:00:00Z"

_FIRM = {
    "id": _FIRM_ID,
    "name": "Cabinet Durand",
    "siret": "73282932000074",
    "email": "apart@cabinet-durand.fr",
    "establishments_active": 1,
    "establishments_limit": 200,
    "created_at": "2020-03-16T08:30:00Z",
}
_OWNER = {
    "id": _OWNER_ID,
    "email": "claire@cabinet-durand.fr",
    "full_name": "Claire Durand",
    "role": "owner",
    "active": True,
    "created_at": "2020-03-16T08:30:00Z",
}
_MEMBER = {
    **_OWNER,
    "id": _MEMBER_ID,
    "email": "paul@cabinet-durand.fr",
    "full_name": "Paul Leroy",
    "role": "member",
    "created_at": "2020-03-16T08:45:00Z",
}
_SCOPES = [
    f"{area}:{access}"
    for area in (
        "authorizations", "claims", "clients", "contracts", "establishments", "events", "firm",
        "users",
    )
    for access in ("read", "write")
]  # fmt: skip
_TOKENS = {
    "access_token": "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIwMTkwZjFjMC0yYjQxIn0."
    "gFNbG_A0V9fAahpkEmbSYiHJJK0dvlp65GycekqOVlQ",
    "token_type": "bearer",
    "expires_in": 900,
    "refresh_token": "q1aP3y5XQm0hQ6rWk2Zs9vT4bN8cE7uLd1GfHjKoIpY",
    "scope": " ".join(_SCOPES),
}
_CLIENT = {
    "id": _CLIENT_ID,
    "siren": "732829320",
    "legal_name": "Boulangerie Martin",
    "headcount": 12,
    "contact_email": None,
    "regime": "general",
    "created_at": _AT,
    "updated_at": _AT,
}
_ESTABLISHMENT = {
    "id": _ESTABLISHMENT_ID,
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
}
_CONTRACT = {
    "id": _CONTRACT_ID,
    "client_id": _CLIENT_ID,
    "sha256": "b3e44df802e407df3d586bb3d4b3a7db17bc868565f04a061077f7d8de3e44bd",
    "size": 48213,
    "filename": "contrat-boulangerie-martin.pdf",
    "signed_on": "2020-03-20",
    "signatory_name": "Jean Martin",
    "signatory_role": "Gérant",
    "engagement_letter_on": None,
    "status": "active",
    "terminated_on": None,
    "in_use": True,
    "created_at": "2020-03-20T14:00:00Z",
}
_HABILITATION = {
    "establishment_id": _ESTABLISHMENT_ID,
    "status": "habilitated",
    "requested_on": "2020-03-23",
    "credentials_sent_on": "2020-03-25",
    "habilitated_on": "2020-03-30",
}
_AUTHORIZED = {
    "start_on": "2020-04-01",
    "end_on": "2020-06-30",
    "hours": "1200.00",
    "employees": 12,
}
_DRAFT_REQUEST = {
    "id": _REQUEST_ID,
    "establishment_id": _ESTABLISHMENT_ID,
    "client_id": _CLIENT_ID,
    "status": "draft",
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
    "commitments": None,
    "cse": None,
    "cse_due_on": None,
    "cse_minutes_sha256": None,
    "filing_deadline": "2020-04-30",
    "filed_at": None,
    "implicit_acceptance_at": None,
    "decided_on": None,
    "decision_number": None,
    "decision_reason": None,
    "appeal_until": None,
    "authorized": None,
    "created_at": "2020-03-31T16:00:00Z",
    "updated_at": "2020-03-31T16:00:00Z",
}
_FILED_REQUEST = {
    **_DRAFT_REQUEST,
    "status": "filed",
    "filing_deadline": None,
    "filed_at": "2020-04-01T07:30:00Z",
    "implicit_acceptance_at": "2020-04-03T07:30:00Z",
    "updated_at": "2020-04-01T07:31:00Z",
}
_REQUEST = {
    **_FILED_REQUEST,
    "status": "accepted",
    "decided_on": "2020-04-10",
    "decision_number": "DEC-56-2020-0412",
    "authorized": _AUTHORIZED,
    "updated_at": "2020-04-10T15:20:00Z",
}
_AMENDMENT = {
    "id": _AMENDMENT_ID,
    "request_id": _REQUEST_ID,
    "establishment_id": _ESTABLISHMENT_ID,
    "status": "draft",
    "end_on": "2020-09-30",
    "additional_hours": "300.00",
    "additional_employees": 0,
    "filed_at": None,
    "implicit_acceptance_at": None,
    "decided_on": None,
    "decision_number": None,
    "decision_reason": None,
    "authorized_hours": None,
    "authorized_employees": None,
    "created_at": "2020-06-18T10:00:00Z",
}
# A line's amounts: 40 h at 12.50 EUR (under the cap of 4.5 SMIC), 70 %: 8.75 EUR an hour.
_AMOUNTS: dict[str, Any] = {
    "regime": "general",
    "capped_hourly_rate": "12.5000",
    "indemnity_base": "12.5000",
    "indemnity_per_hour": "8.7500",
    "allocation_per_hour": "8.7500",
    "indemnity_amount": "350.00",
    "allocation_amount": "350.00",
    "applied": [],
    "warnings": [],
    "employee_ref": "E001",
    "category": "standard",
    "contract_hours": "151.67",
    "hours_not_worked": "40.00",
    "hourly_rate": "12.5000",
    **dict.fromkeys(
        (
            "declared_hours", "declared_hourly_rate", "rmm_complement", "absence_reason",
            "specific_absence_days", "half_days_not_worked", "days_not_worked",
            "weeks_not_worked", "leave_days", "overtime_basis", "overtime_basis_signed_on",
            "usual_net_hourly_pay", "net_pay_for_hours_worked",
        )
    ),
}  # fmt: skip
_LINE = {**_AMOUNTS, "employee_name": "Martin Dupont", "nir": None}
_TOTALS = {
    "employee_count": 1,
    "total_hours": "40.00",
    "total_indemnity": "350.00",
    "total_allocation": "350.00",
    "employer_cost": "0.00",
    "expected_allocation": "350.00",
}
_DRAFT_CLAIM = {
    "id": _CLAIM_ID,
    "scheme": "ordinary",
    "request_id": _REQUEST_ID,
    "apld_agreement_id": None,
    "establishment_id": _ESTABLISHMENT_ID,
    "month": "2020-04",
    "version": 1,
    "corrects_id": None,
    "status": "draft",
    "payroll_paid_on": "2020-04-30",
    "filed_on": None,
    "validated_on": None,
    "rejected_on": None,
    "reject_reason": None,
    "withdrawn_on": None,
    "withdraw_reason": None,
    "paid_on": None,
    **_TOTALS,
    "paid_amount": None,
    "discrepancy": None,
    "clawed_back": "0.00",
    "net_amount_received": None,
    "created_at": "2020-05-02T10:00:00Z",
}
_FILED_CLAIM = {**_DRAFT_CLAIM, "status": "filed", "filed_on": "2020-05-04"}
_VALIDATED_CLAIM = {**_FILED_CLAIM, "status": "validated", "validated_on": "2020-05-10"}
_PAID_CLAIM = {
    **_VALIDATED_CLAIM,
    "status": "paid",
    "paid_on": "2020-05-15",
    "paid_amount": "350.00",
    "discrepancy": "0.00",
    "net_amount_received": "350.00",
}
# After the claw-back of 50.00 EUR was issued.
_CLAIM = {**_PAID_CLAIM, "clawed_back": "50.00", "net_amount_received": "300.00"}
_CLAW_BACK = {
    "id": _CLAW_BACK_ID,
    "claim_id": _CLAIM_ID,
    "amount": "50.00",
    "reason": "Hours of E001 claimed above those paid",
    "status": "to_issue",
    "noticed_on": "2020-09-14",
    "issued_on": None,
    "cancelled_on": None,
    "cancel_reason": None,
    "created_at": "2020-09-14T08:00:00Z",
    "updated_at": "2020-09-14T08:00:00Z",
}
_ISSUED = {**_CLAW_BACK, "status": "issued", "issued_on": "2020-10-02"}
_ISSUED["updated_at"] = "2020-10-02T09:00:00Z"


def _deadline(kind: str, due_on: str, month: str, description: str, **ids: str) -> dict:
    return {
        "kind": kind,
        "due_on": due_on,
        "overdue": False,
        "establishment_id": _ESTABLISHMENT_ID,
        "client_id": _CLIENT_ID,
        "resource_type": ids.get("resource_type", "authorization_request"),
        "resource_id": ids.get("resource_id", _REQUEST_ID),
        "month": month,
        "description": description,
        "warnings": [],
    }


def _event(n: int, action: str, resource_id: str, before: str | None, after: str | None) -> dict:
    return {
        "id": f"0190f1c6-{n:04x}-7a00-8b00-0c0d0e0f1a2b",
        "action": action,
        "actor_id": _OWNER_ID,
        "actor_api_client_id": None,
        "at": f"2020-03-{22 + n}T09:00:00Z",
        "resource_type": action.split(".")[0],
        "resource_id": resource_id,
        "establishment_id": _ESTABLISHMENT_ID,
        "status_before": before,
        "status_after": after,
    }


_EVENTS = [
    _event(1, "habilitation.requested", _HABILITATION_ID, "not_requested", "requested"),
    _event(3, "habilitation.credentials_sent", _HABILITATION_ID, "requested", "credentials_sent"),
    _event(8, "habilitation.habilitated", _HABILITATION_ID, "credentials_sent", "habilitated"),
]
_LAST_PAGE: dict[str, Any] = {"next_cursor": None}


def _page(*items: dict) -> dict:
    return {"items": list(items), **_LAST_PAGE}


_SUMS = {
    "expected_allocation": "350.00",
    "paid_amount": "350.00",
    "clawed_back": "50.00",
    "net_amount_received": "300.00",
}
_LEGAL = {
    "on": "2020-04-15",
    "month": "2020-04",
    "regime": "general",
    "smic_hourly": "10.15",
    "hourly_cap": "45.675",
    "indemnity_rate": "0.7",
    "allocation_rate": "0.7",
    "indemnity_floor": "8.03",
    "allocation_floor": "8.03",
    "base_cap": False,
    "net_ceiling": False,
    "annual_quota_hours": "1607",
    "uncertain": [],
    "single_source": [],
    "source": "Decree 2020-325",
}
_SIMULATION = {
    "month": "2020-04",
    "lines": [_AMOUNTS],
    **{k: v for k, v in _TOTALS.items() if k.startswith("total_")},
    "employer_cost": "0.00",
    "total_rmm_complement": "0.00",
}

# By component schema (a page of a model is made of its example).
SCHEMA_EXAMPLES: dict[str, Any] = {
    "FirmPublic": _FIRM,
    "UserPublic": _MEMBER,
    "Me": {"user": _OWNER, "firm": _FIRM, "scopes": _SCOPES},
    "TokenPair": _TOKENS,
    "ClientPublic": _CLIENT,
    "RegimePublic": {"regime": "general", "effective_from": "2020-01-01"},
    "EstablishmentPublic": _ESTABLISHMENT,
    "ContractPublic": _CONTRACT,
    "HabilitationPublic": _HABILITATION,
    "RequestPublic": _REQUEST,
    "AmendmentPublic": _AMENDMENT,
    "ClaimPublic": {**_CLAIM, "lines": [_LINE]},
    "ClaimSummary": _CLAIM,
    "ClawBackPublic": _ISSUED,
    "Deadline": _deadline(
        "claim", "2021-06-30", "2020-05", "File the claim for 2020-05 (R19, R21)"
    ),
    "AuditEventPublic": _EVENTS[0],
    "EstablishmentSummary": {
        "establishment_id": _ESTABLISHMENT_ID,
        "authorizations": [
            {
                "request_id": _REQUEST_ID,
                "status": "accepted",
                "start_on": "2020-04-01",
                "end_on": "2020-06-30",
                "authorized_hours": "1200.00",
                "hours_claimed": "40.00",
                "hours_remaining": "1160.00",
                **_SUMS,
                "claims": 1,
            }
        ],
        **_SUMS,
    },
    "EventPage": {"items": _EVENTS, "next_cursor": None, "next": "3"},
    "LegalParameters": _LEGAL,
    "SimulationResult": _SIMULATION,
    "Status": {"status": "ok"},
    "Page_Deadline_": _page(
        _deadline(
            "claw_back",
            "2020-10-02",
            "2020-04",
            "Claw-back (OR) of 50.00 € on the claim for 2020-04 issued: repay it (R42)",
            resource_type="claw_back",
            resource_id=_CLAW_BACK_ID,
        ),
        _deadline("claim", "2021-06-30", "2020-05", "File the claim for 2020-05 (R19, R21)"),
    ),
    "Page_AuditEventPublic_": {"items": _EVENTS, "next_cursor": "AaI15eQlcx2jypLmNqTC5g"},
}
