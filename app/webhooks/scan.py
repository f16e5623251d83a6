"""The daily scan: deadlines coming due in 7 days or overdue (R25) and implicit acceptances
(R16), which no change writes, announced once each (`ScanMark`). Any worker may run it any
number of times: a second run finds its marks and sends nothing."""

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.authorizations.implicit import implicitly_accepted_between
from app.core.pagination import PageParams
from app.core.principal import Principal
from app.deadlines.service import list_deadlines
from app.webhooks import outbox, rules
from app.webhooks.models import ScanMark, WebhookEndpoint, WebhookEventType

# Older overdue deadlines and implicit acceptances are history (files recorded after the
# fact), not news: a firm that subscribes is not sent its whole past.
LOOK_BACK = timedelta(days=30)
IMPLICIT_LOOK_BACK = timedelta(days=7)
SCANNED = (
    WebhookEventType.deadline_due_soon,
    WebhookEventType.deadline_overdue,
    WebhookEventType.authorization_request_implicitly_accepted,
)


async def _firms(session: AsyncSession) -> list[uuid.UUID]:
    rows = (
        await session.exec(
            select(WebhookEndpoint.firm_account_id, WebhookEndpoint.event_types).where(
                col(WebhookEndpoint.enabled).is_(True)
            )
        )
    ).all()
    return sorted({firm for firm, types in rows if set(types.split()) & set(SCANNED)})


async def _marked(session: AsyncSession, firm: uuid.UUID, keys: list[str]) -> set[str]:
    if not keys:
        return set()
    stmt = select(ScanMark.key).where(
        col(ScanMark.firm_account_id) == firm, col(ScanMark.key).in_(keys)
    )
    return set((await session.exec(stmt)).all())


async def scan_firm(session: AsyncSession, firm: uuid.UUID, *, today: date, now: datetime) -> int:
    """The firm's announcements not made yet; how many events."""
    principal = Principal(None, firm, "system", frozenset())
    found: dict[str, tuple[WebhookEventType, dict[str, Any]]] = {}
    cursor = None
    while True:
        items, cursor = await list_deadlines(
            session,
            principal,
            page=PageParams(limit=100, cursor=None),
            cursor=cursor,
            today=today,
            now=now,
            due_before=today + timedelta(days=rules.DUE_SOON_DAYS + 1),
        )
        for item in items:
            if item.overdue and item.due_on < today - LOOK_BACK:
                continue
            event = (
                WebhookEventType.deadline_overdue
                if item.overdue
                else WebhookEventType.deadline_due_soon
            )
            key = f"{event}:{item.kind}:{item.resource_id}:{item.month or ''}:{item.due_on}"
            found[key] = (event, item.model_dump(mode="json"))
        if cursor is None:
            break
    for request in await implicitly_accepted_between(
        session, principal, since=now - IMPLICIT_LOOK_BACK, until=now
    ):
        event = WebhookEventType.authorization_request_implicitly_accepted
        found[f"{event}:{request.id}"] = (
            event,
            {
                "resource_type": "authorization_request",
                "resource_id": str(request.id),
                "establishment_id": str(request.establishment_id),
                "status_before": "filed",
                "status_after": "accepted_implicitly",
                "accepted_at": request.implicit_acceptance_at.isoformat()
                if request.implicit_acceptance_at
                else None,
            },
        )
    done = await _marked(session, firm, list(found))
    sent = 0
    for key, (event, data) in found.items():
        if key in done:
            continue
        session.add(ScanMark(firm_account_id=firm, key=key, created_at=now))
        sent += await outbox.announce(session, firm, event_type=event, data=data, at=now) > 0
    return sent


async def scan(session: AsyncSession, *, today: date, now: datetime) -> int:
    """Every firm with an endpoint subscribed to a scanned event; the caller commits. Two
    scans racing: the second's marks break the unique constraint and it rolls back."""
    total = 0
    for firm in await _firms(session):
        total += await scan_firm(session, firm, today=today, now=now)
    return total
