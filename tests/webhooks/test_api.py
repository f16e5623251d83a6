"""Webhook endpoints over HTTP: registration (secret once, encrypted at rest), scopes, tenancy,
changes, deletion, and the outbox rows written with the changes they announce."""

import json
import uuid
from typing import Any

from sqlalchemy import String, Uuid, column, table
from sqlalchemy import select as sa_select
from sqlmodel import select

from app.webhooks.models import WebhookDelivery
from tests.support.builders import bearer, firm_headers, token
from tests.support.lifecycle import (
    accepted_request,
    create_claim,
    pay_claim,
    ready_establishment,
)
from tests.support.problems import assert_problem

URL = "https://93.184.215.14/hooks"  # a public address: no name to resolve


def register(client, headers, **overrides: Any) -> dict[str, Any]:
    body = {"url": URL, "event_types": ["claim.paid"], "description": "Paie"}
    body.update(overrides)
    response = client.post("/v1/webhook-endpoints", headers=headers, json=body)
    assert response.status_code == 201, response.text
    return response.json()


def test_the_secret_is_shown_once_and_stored_encrypted(client, session):
    _, headers = firm_headers(client)
    created = register(client, headers)
    assert created["secret"].startswith("whsec_")
    assert created["enabled"] is True and created["event_types"] == ["claim.paid"]
    listed = client.get("/v1/webhook-endpoints", headers=headers).json()["items"]
    assert [e["id"] for e in listed] == [created["id"]]
    assert "secret" not in listed[0]
    one = client.get(f"/v1/webhook-endpoints/{created['id']}", headers=headers).json()
    assert "secret" not in one
    raw = table("webhook_endpoint", column("id", Uuid()), column("secret", String()))
    stored = session.exec(
        sa_select(raw.c.secret).where(raw.c.id == uuid.UUID(created["id"]))
    ).scalar_one()
    assert stored.startswith("v1:") and created["secret"] not in stored


def test_event_types_are_a_closed_set(client):
    _, headers = firm_headers(client)
    response = client.post(
        "/v1/webhook-endpoints", headers=headers, json={"url": URL, "event_types": ["claim.eaten"]}
    )
    assert response.status_code == 422


def test_a_member_cannot_manage_endpoints_and_another_firm_sees_nothing(client):
    _, owner = firm_headers(client)
    created = register(client, owner)
    member = {"email": "membre@example.fr", "full_name": "M", "password": "x" * 16}
    assert (
        client.post("/v1/users", headers=owner, json={**member, "role": "member"}).status_code
        == 201
    )
    as_member = bearer(token(client, member["email"], "x" * 16)["access_token"])
    assert client.get("/v1/webhook-endpoints", headers=as_member).status_code == 403
    _, other = firm_headers(client)
    response = client.get(f"/v1/webhook-endpoints/{created['id']}", headers=other)
    assert_problem(response, 404, "not_found")


def test_disable_enable_change_and_delete_are_audited(client):
    _, headers = firm_headers(client)
    created = register(client, headers)
    path = f"/v1/webhook-endpoints/{created['id']}"
    off = client.patch(path, headers=headers, json={"enabled": False}).json()
    assert off["enabled"] is False and off["disabled_reason"] == "disabled by a user"
    assert off["disabled_at"] is not None
    on = client.patch(
        path, headers=headers, json={"enabled": True, "event_types": ["claim.filed", "claim.paid"]}
    ).json()
    assert on["enabled"] is True and on["disabled_reason"] is None
    assert on["event_types"] == ["claim.filed", "claim.paid"]
    rotated = client.post(f"{path}/rotate-secret", headers=headers).json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert client.delete(path, headers=headers).status_code == 204
    assert client.get(path, headers=headers).status_code == 404
    events = client.get(
        "/v1/events", headers=headers, params={"resource_id": created["id"]}
    ).json()["items"]
    assert [e["action"] for e in events] == [
        "webhook_endpoint.created",
        "webhook_endpoint.updated",
        "webhook_endpoint.updated",
        "webhook_endpoint.secret_rotated",
        "webhook_endpoint.deleted",
    ]


def _deliveries(session, endpoint_id: str) -> list[WebhookDelivery]:
    stmt = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id))
    return list(session.exec(stmt.order_by(WebhookDelivery.id)).all())


def test_each_announced_change_writes_one_outbox_row_per_subscribed_endpoint(client, session):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    everything = register(
        client,
        h,
        event_types=[
            "authorization_request.filed",
            "authorization_request.decided",
            "claim.filed",
            "claim.validated",
            "claim.paid",
        ],
    )
    paid_only = register(client, h, event_types=["claim.paid"])
    disabled = register(client, h, event_types=["claim.paid"])
    client.patch(f"/v1/webhook-endpoints/{disabled['id']}", headers=h, json={"enabled": False})

    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    pay_claim(client, ctx, claim["id"])

    types = [d.event_type for d in _deliveries(session, everything["id"])]
    assert types == [
        "authorization_request.filed",
        "authorization_request.decided",
        "claim.filed",
        "claim.validated",
        "claim.paid",
    ]
    [paid] = _deliveries(session, paid_only["id"])
    assert _deliveries(session, disabled["id"]) == []
    body = json.loads(paid.payload)
    assert set(body) == {"type", "timestamp", "data"} and body["type"] == "claim.paid"
    assert body["data"]["resource_id"] == claim["id"]
    assert body["data"]["status_after"] == "paid"
    assert paid.message_id.startswith("msg_")


def test_a_refused_change_writes_no_outbox_row(client, session):
    ctx = ready_establishment(client)
    endpoint = register(client, ctx["headers"], event_types=["claim.filed"])
    request = accepted_request(client, ctx)
    claim = create_claim(client, ctx, request["id"]).json()
    response = client.post(
        f"/v1/claims/{claim['id']}/file", headers=ctx["headers"], json={"filed_on": "2019-01-01"}
    )
    assert response.status_code >= 400
    assert _deliveries(session, endpoint["id"]) == []


def test_the_establishment_limit_is_announced_at_190_and_200(client, session):
    from sqlalchemy import Integer, update

    from tests.support.builders import make_client, make_establishment

    firm, h = firm_headers(client)
    endpoint = register(client, h, event_types=["firm.establishment_limit_near"])
    company = make_client(client, h)
    counts = table("firm_account", column("id", Uuid()), column("establishments_active", Integer()))

    def active(n: int) -> None:  # as if n establishments were active already
        session.exec(
            update(counts)
            .where(counts.c.id == uuid.UUID(firm["id"]))
            .values(establishments_active=n)
        )

    active(188)
    make_establishment(client, h, company, n=2)  # the 189th: nothing
    make_establishment(client, h, company, n=3)  # the 190th
    active(198)
    make_establishment(client, h, company, n=4)  # the 199th: nothing
    make_establishment(client, h, company, n=5)  # the 200th
    bodies = [json.loads(d.payload)["data"] for d in _deliveries(session, endpoint["id"])]
    assert bodies == [
        {"establishments_active": 190, "establishments_limit": 200},
        {"establishments_active": 200, "establishments_limit": 200},
    ]
