"""The daily scan: a deadline announced once when it comes within 7 days and once when it is
overdue, an implicit acceptance once (R16, R25); running it again sends nothing new."""

import json
from datetime import UTC, date, datetime

from sqlmodel import select

from app.webhooks.models import WebhookDelivery
from app.webhooks.scan import scan
from tests.conftest import RolledBackSessions
from tests.support.lifecycle import another_client, create_request, filed, ready_establishment

SCANNED = ["deadline.due_soon", "deadline.overdue", "authorization_request.implicitly_accepted"]


def run_scan(connection, portal, today: date) -> int:
    async def go() -> int:
        async with RolledBackSessions(connection)(write=True) as session:
            now = datetime(today.year, today.month, today.day, 9, tzinfo=UTC)
            sent = await scan(session, today=today, now=now)
            await session.commit()
            return sent

    return portal.call(go)


def announced(session, endpoint_id: str) -> list[tuple[str, dict]]:
    import uuid

    rows = session.exec(
        select(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == uuid.UUID(endpoint_id))
        .order_by(WebhookDelivery.id)
    ).all()
    return [(r.event_type, json.loads(r.payload)["data"]) for r in rows]


def test_deadlines_and_implicit_acceptances_are_announced_once(client, connection, portal, session):
    ctx = ready_establishment(client)
    h = ctx["headers"]
    endpoint = client.post(
        "/v1/webhook-endpoints",
        headers=h,
        json={"url": "https://93.184.215.14/hooks", "event_types": SCANNED},
    ).json()
    draft = create_request(client, ctx)  # starts 2020-03-16: to be filed by 2020-04-30 (R12)
    other = filed(client, another_client(client, ctx), "2020-03-20T10:00:00+01:00")

    assert run_scan(connection, portal, date(2020, 3, 23)) == 1  # accepted 2020-03-22 (R16)
    assert run_scan(connection, portal, date(2020, 3, 24)) == 0
    assert run_scan(connection, portal, date(2020, 4, 25)) >= 1  # the draft: due in 5 days
    assert run_scan(connection, portal, date(2020, 4, 26)) == 0
    assert run_scan(connection, portal, date(2020, 5, 2)) >= 1  # now overdue

    events = announced(session, endpoint["id"])
    implicit = [d for t, d in events if t == "authorization_request.implicitly_accepted"]
    assert [d["resource_id"] for d in implicit] == [other["id"]]
    soon = [d for t, d in events if t == "deadline.due_soon" and d["resource_id"] == draft["id"]]
    late = [d for t, d in events if t == "deadline.overdue" and d["resource_id"] == draft["id"]]
    assert [(d["kind"], d["due_on"]) for d in soon] == [("filing_window", "2020-04-30")]
    assert [(d["kind"], d["overdue"]) for d in late] == [("filing_window", True)]
