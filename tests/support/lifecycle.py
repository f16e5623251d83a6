"""Builders for the filing lifecycle: a client walked up to any stage, over the HTTP API."""

from typing import Any

from fastapi.testclient import TestClient

from tests.support.builders import firm_headers, make_client, make_establishment
from tests.support.pdf import PDF


def upload_contract(
    client: TestClient, headers: dict[str, str], client_id: str, **fields: Any
) -> dict[str, Any]:
    data = {
        "signed_on": "2020-03-02",
        "signatory_name": "Jeanne Martin",
        "signatory_role": "Gérante",
        "engagement_letter_on": "2020-03-01",
    }
    data.update({k: v for k, v in fields.items() if k not in ("content", "filename")})
    files = {
        "document": (
            fields.get("filename", "contrat.pdf"),
            fields.get("content", PDF),
            "application/pdf",
        )
    }
    response = client.post(
        f"/v1/clients/{client_id}/contracts", headers=headers, data=data, files=files
    )
    assert response.status_code == 201, response.text
    return response.json()


def habilitate(
    client: TestClient, headers: dict[str, str], establishment_id: str, on: str = "2020-03-05"
) -> None:
    for step in ("request", "credentials-sent", "habilitated"):
        response = client.post(
            f"/v1/establishments/{establishment_id}/habilitation/{step}",
            headers=headers,
            json={"on": on},
        )
        assert response.status_code == 200, response.text


def request_payload(**overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "motive": "exceptional_circumstances",
        "sub_motive": "coronavirus",
        "scope": "reduction_whole",
        "start_on": "2020-03-16",
        "end_on": "2020-06-30",
        "employees_concerned": 4,
        "weekly_hours": "35",
        "forecast_hours": "1500",
        "justification": "Fermeture administrative liée à l'épidémie de covid-19.",
        "previous_use": False,
        "cse": {"status": "not_required"},
    }
    payload.update(overrides)
    return payload


def ready_establishment(client: TestClient, **client_overrides: Any) -> dict[str, Any]:
    """A firm, a client with a contract (signed 2020-03-02), a habilitated establishment."""
    _, headers = firm_headers(client)
    company = make_client(client, headers, **client_overrides)
    est = make_establishment(client, headers, company)
    upload_contract(client, headers, company["id"])
    habilitate(client, headers, est["id"])
    return {"headers": headers, "client": company, "establishment": est}


def another_client(client: TestClient, ctx: dict[str, Any]) -> dict[str, Any]:
    """A second client of the same firm, with its own establishment, ready to file."""
    h = ctx["headers"]
    company = make_client(client, h)
    est = make_establishment(client, h, company)
    upload_contract(client, h, company["id"])
    habilitate(client, h, est["id"])
    return {"headers": h, "client": company, "establishment": est}


def create_request(client: TestClient, ctx: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    response = client.post(
        f"/v1/establishments/{ctx['establishment']['id']}/authorization-requests",
        headers=ctx["headers"],
        json=request_payload(**overrides),
    )
    assert response.status_code == 201, response.text
    return response.json()


def file_request(
    client: TestClient,
    ctx: dict[str, Any],
    request_id: str,
    filed_at: str = "2020-03-20T10:00:00+01:00",
):
    return client.post(
        f"/v1/authorization-requests/{request_id}/file",
        headers=ctx["headers"],
        json={"filed_at": filed_at},
    )


def filed(
    client: TestClient, ctx: dict[str, Any], filed_at: str, **overrides: Any
) -> dict[str, Any]:
    """A new request filed at `filed_at`, as the filing answered it."""
    created = create_request(client, ctx, **overrides)
    response = file_request(client, ctx, created["id"], filed_at)
    assert response.status_code == 200, response.text
    return response.json()


def decide_request(
    client: TestClient, ctx: dict[str, Any], request_id: str, **body: Any
) -> dict[str, Any]:
    """Record the administration's decision on a filed request; it must be accepted."""
    response = client.post(
        f"/v1/authorization-requests/{request_id}/decision", headers=ctx["headers"], json=body
    )
    assert response.status_code == 200, response.text
    return response.json()


def accepted_request(client: TestClient, ctx: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    created = create_request(client, ctx, **overrides)
    assert file_request(client, ctx, created["id"]).status_code == 200
    response = client.post(
        f"/v1/authorization-requests/{created['id']}/decision",
        headers=ctx["headers"],
        json={
            "outcome": "accepted",
            "decided_on": "2020-03-25",
            "decision_number": "DEC-2020-001",
            "authorized_hours": "1200",
            "authorized_employees": 4,
        },
    )
    assert response.status_code == 200, response.text
    return response.json()


# R31: hours above the legal 151.67 h a month count with a structural-overtime basis signed
# before 2020-04-24 (months 2020-03 to 2021-12).
OVERTIME: dict[str, Any] = {
    "overtime_basis": "collective_agreement",
    "overtime_basis_signed_on": "2020-01-15",
}


def line(ref: str = "E1", **overrides: Any) -> dict[str, Any]:
    payload = {
        "employee_ref": ref,
        "employee_name": f"Salarié {ref}",
        "contract_hours": "151.67",
        "hours_not_worked": "80",
        "hourly_rate": "12.50",
    }
    payload.update(overrides)
    return payload


def create_claim(
    client: TestClient,
    ctx: dict[str, Any],
    request_id: str,
    month: str = "2020-04",
    lines: list[dict[str, Any]] | None = None,
    payroll_paid_on: str | None = "2020-04-30",
):
    body: dict[str, Any] = {"month": month, "lines": lines or [line()]}
    if payroll_paid_on:
        body["payroll_paid_on"] = payroll_paid_on
    return client.post(
        f"/v1/authorization-requests/{request_id}/claims", headers=ctx["headers"], json=body
    )


def ok(response: Any, status: int = 200) -> Any:
    """The body of a response that must have `status`, or None when it has no body."""
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def walk_claim(
    client: TestClient, headers: dict[str, str], claim_id: str, steps: list[tuple[str, Any]]
) -> None:
    """Take a claim through `steps`, (action, body) pairs that must all succeed."""
    for name, body in steps:
        ok(client.post(f"/v1/claims/{claim_id}/{name}", headers=headers, json=body))


def pay_claim(client: TestClient, ctx: dict[str, Any], claim_id: str) -> None:
    """File, validate and pay a draft claim."""
    steps = (
        ("file", {"filed_on": "2020-05-04"}),
        ("validate", {"on": "2020-05-10"}),
        ("paid", {"paid_on": "2020-05-15", "amount": "700.00"}),
    )
    for action, body in steps:
        response = client.post(f"/v1/claims/{claim_id}/{action}", headers=ctx["headers"], json=body)
        assert response.status_code == 200, response.text


def setup_request(client: TestClient, **client_overrides: Any) -> tuple[dict[str, Any], str]:
    """A ready establishment and the id of its accepted request (2020-03-16 – 2020-06-30)."""
    ctx = ready_establishment(client, **client_overrides)
    return ctx, accepted_request(client, ctx)["id"]


def claim_for(
    client: TestClient,
    ctx: dict[str, Any],
    request_id: str,
    month: str,
    lines: list[dict[str, Any]],
) -> dict[str, Any]:
    """A draft claim for April, May or June 2020, its payroll paid at the end of the month."""
    paid_on = {"2020-04": "2020-04-30", "2020-05": "2020-05-29", "2020-06": "2020-06-30"}[month]
    response = create_claim(
        client, ctx, request_id, month=month, lines=lines, payroll_paid_on=paid_on
    )
    assert response.status_code == 201, response.text
    return response.json()


def get_claim(client: TestClient, ctx: dict[str, Any], claim_id: str) -> dict[str, Any]:
    response = client.get(f"/v1/claims/{claim_id}", headers=ctx["headers"])
    assert response.status_code == 200, response.text
    return response.json()
