"""The outbox: a delivery row per subscribed endpoint, written in the transaction of the change
it announces (R26's audit event is written there too), so that a change is announced if and
only if it is committed. The worker (`webhooks.delivery`) sends them afterwards."""

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Uuid, column, table
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.core.ids import uuid7
from app.webhooks import rules
from app.webhooks.models import WebhookDelivery, WebhookEndpoint, WebhookEventType

# The firm's count of active establishments (R3), named here without importing the firms domain.
FirmCounts = table("firm_account", column("id", Uuid()), column("establishments_active", Integer()))


_CACHE = "webhook_endpoints"


def forget_endpoints(session: AsyncSession) -> None:
    """After an endpoint is added or deleted in this transaction: `subscribed` reads again."""
    session.info.pop(_CACHE, None)


async def subscribed(
    session: AsyncSession, firm_account_id: uuid.UUID, event_type: str
) -> list[WebhookEndpoint]:
    """The firm's enabled endpoints that take `event_type`. Read once per transaction (a batch
    of 200 creations announces 200 changes): the endpoints are the session's own objects, so
    a change to one in this transaction shows here; additions and deletions call
    `forget_endpoints`."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_CACHE)
    if held is None or held[0] is not transaction:  # a session outlives its transactions
        held = session.info[_CACHE] = (transaction, {})
    cache: dict[uuid.UUID, list[WebhookEndpoint]] = held[1]
    if firm_account_id not in cache:
        stmt = select(WebhookEndpoint).where(
            col(WebhookEndpoint.firm_account_id) == firm_account_id
        )
        cache[firm_account_id] = list((await session.exec(stmt)).all())
    return [r for r in cache[firm_account_id] if r.enabled and event_type in r.event_types.split()]


def deliver(
    session: AsyncSession,
    endpoint: WebhookEndpoint,
    *,
    event_type: str,
    body: str,
    at: datetime,
    message_id: str | None = None,
) -> WebhookDelivery:
    delivery_id = uuid7()
    delivery = WebhookDelivery(
        id=delivery_id,
        firm_account_id=endpoint.firm_account_id,
        endpoint_id=endpoint.id,
        message_id=message_id or rules.message_id(delivery_id.hex),
        event_type=event_type,
        payload=body,
        next_attempt_at=at,
        created_at=at,
    )
    session.add(delivery)
    return delivery


async def announce(
    session: AsyncSession,
    firm_account_id: uuid.UUID,
    *,
    event_type: str,
    data: dict[str, Any],
    at: datetime,
) -> int:
    """One delivery of the event per enabled endpoint subscribed to it; how many."""
    endpoints = await subscribed(session, firm_account_id, event_type)
    if endpoints:
        body = rules.payload(event_type, at, data)
        for endpoint in endpoints:
            deliver(session, endpoint, event_type=event_type, body=body, at=at)
    return len(endpoints)


async def on_audit_event(
    session: AsyncSession,
    firm_account_id: uuid.UUID,
    *,
    event_id: uuid.UUID,
    action: str,
    resource_type: str,
    resource_id: uuid.UUID,
    establishment_id: uuid.UUID | None,
    before: str | None,
    after: str | None,
    at: datetime,
) -> None:
    """Called by `audit.service.record` for every event it writes. Actions that announce
    nothing cost nothing: no statement."""
    event_type = rules.EVENT_OF_ACTION.get(action)
    if event_type is not None:
        data = {
            "event_id": str(event_id),
            "action": action,
            "resource_type": resource_type,
            "resource_id": str(resource_id),
            "establishment_id": str(establishment_id) if establishment_id else None,
            "status_before": before,
            "status_after": after,
        }
        await announce(session, firm_account_id, event_type=event_type, data=data, at=at)
    if action in rules.LIMIT_ACTIONS:
        await _limit_near(session, firm_account_id, at=at)


async def _limit_near(session: AsyncSession, firm_account_id: uuid.UUID, *, at: datetime) -> None:
    """R3: the count of active establishments this transaction reached (the firm's counter is
    updated under a row lock, so each count is reached by one transaction only)."""
    event_type = WebhookEventType.establishment_limit_near
    endpoints = await subscribed(session, firm_account_id, event_type)
    if not endpoints:
        return
    active = (
        await session.exec(
            select(FirmCounts.c.establishments_active).where(FirmCounts.c.id == firm_account_id)
        )
    ).one()
    threshold = rules.limit_reached(int(active))
    if threshold is None:
        return
    data = {"establishments_active": int(active), "establishments_limit": rules.ESTABLISHMENT_LIMIT}
    body = rules.payload(event_type, at, data)
    for endpoint in endpoints:
        deliver(session, endpoint, event_type=event_type, body=body, at=at)
