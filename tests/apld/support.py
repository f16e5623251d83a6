"""Builders for APLD agreements over the HTTP API."""

from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient

from tests.support.lifecycle import line
from tests.support.pdf import PDF

FILED_AT = "2021-01-05T09:30:00+01:00"
# Before silence takes effect on a filing of 2021-01-05 (15 days: 2021-01-20).
BEFORE_SILENCE = datetime(2021, 1, 10, 12, tzinfo=UTC)


def agreement_payload(ctx: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "agreement",
        "establishment_ids": [ctx["establishment"]["id"]],
        "start_on": "2021-01-04",
        "duration_months": 24,
        "max_reduction": "40.00",
        "activities": "Production et livraison",
        "employees_covered": "Les 9 salariés de l'atelier de production",
        "diagnostic": "Commandes en baisse de 45 % depuis mars 2020",
        "commitments": "Aucun licenciement économique ; deux formations par an",
        "information": "Bilan trimestriel au CSE et aux délégués syndicaux",
    }
    payload.update(overrides)
    return payload


def create_agreement(client: TestClient, ctx: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    response = client.post(
        f"/v1/clients/{ctx['client']['id']}/apld-agreements",
        headers=ctx["headers"],
        json=agreement_payload(ctx, **overrides),
    )
    assert response.status_code == 201, response.text
    return response.json()


def upload(
    client: TestClient,
    ctx: dict[str, Any],
    agreement_id: str,
    kind: str = "agreement",
    content: bytes = PDF,
    headers: dict[str, str] | None = None,
) -> Any:
    return client.post(
        f"/v1/apld-agreements/{agreement_id}/documents/{kind}",
        headers={**ctx["headers"], **(headers or {})},
        files={"document": (f"{kind}.pdf", content, "application/pdf")},
    )


def file_agreement(
    client: TestClient, ctx: dict[str, Any], agreement_id: str, filed_at: str = FILED_AT
) -> Any:
    return client.post(
        f"/v1/apld-agreements/{agreement_id}/file",
        headers=ctx["headers"],
        json={"filed_at": filed_at},
    )


def filed_agreement(
    client: TestClient, ctx: dict[str, Any], filed_at: str = FILED_AT, **overrides: Any
) -> dict[str, Any]:
    created = create_agreement(client, ctx, **overrides)
    assert upload(client, ctx, created["id"]).status_code == 200
    response = file_agreement(client, ctx, created["id"], filed_at)
    assert response.status_code == 200, response.text
    return response.json()


def decide(client: TestClient, ctx: dict[str, Any], agreement_id: str, **body: Any) -> Any:
    return client.post(
        f"/v1/apld-agreements/{agreement_id}/decision", headers=ctx["headers"], json=body
    )


def file_renewal(client: TestClient, ctx: dict[str, Any], agreement_id: str, bilan_on: str) -> Any:
    return client.post(
        f"/v1/apld-agreements/{agreement_id}/renewals",
        headers=ctx["headers"],
        data={"bilan_on": bilan_on},
        files={"document": ("bilan.pdf", PDF, "application/pdf")},
    )


def grant(client: TestClient, ctx: dict[str, Any], renewal_id: str, decided_on: str) -> Any:
    response = client.post(
        f"/v1/apld-renewals/{renewal_id}/decision",
        headers=ctx["headers"],
        json={"outcome": "granted", "decided_on": decided_on},
    )
    assert response.status_code == 200, response.text
    return response.json()


def decided_agreement(
    client: TestClient,
    ctx: dict[str, Any],
    *,
    filed_at: str = FILED_AT,
    decided_on: str | None = "2021-01-15",
    **overrides: Any,
) -> dict[str, Any]:
    """A filed agreement, validated on `decided_on` (None: by silence, 15 days after filing).
    By default: 2021-01-04 for 24 months at 40 %, decided after mid-December 2020, so months
    2021-01 – 2021-06 are neutralised; the first authorization runs to 2021-07-03."""
    body = filed_agreement(client, ctx, filed_at, **overrides)
    if decided_on is None:
        return body
    response = decide(client, ctx, body["id"], outcome="validated", decided_on=decided_on)
    assert response.status_code == 200, response.text
    return response.json()


def apld_claim(
    client: TestClient,
    ctx: dict[str, Any],
    agreement_id: str,
    month: str,
    lines: list[dict[str, Any]] | None = None,
    payroll_paid_on: str | None = None,
    establishment_id: str | None = None,
) -> Any:
    body: dict[str, Any] = {
        "establishment_id": establishment_id or ctx["establishment"]["id"],
        "month": month,
        "lines": lines or [line()],
    }
    if payroll_paid_on:
        body["payroll_paid_on"] = payroll_paid_on
    return client.post(
        f"/v1/apld-agreements/{agreement_id}/claims", headers=ctx["headers"], json=body
    )


def file_claim(client: TestClient, ctx: dict[str, Any], claim_id: str, filed_on: str) -> Any:
    return client.post(
        f"/v1/claims/{claim_id}/file", headers=ctx["headers"], json={"filed_on": filed_on}
    )
