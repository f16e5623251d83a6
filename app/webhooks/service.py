"""Webhook endpoints: registered, changed, disabled and deleted by a firm's owner or admin; their
attempts listed; a test event sent; a delivery sent again."""

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, delete
from sqlmodel.ext.asyncio.session import AsyncSession

from app.audit.service import record
from app.core import ssrf
from app.core.pagination import PageParams, paginate
from app.core.principal import Principal
from app.core.tenancy import get_scoped, scoped
from app.errors import NotFound
from app.webhooks import outbox, rules
from app.webhooks.errors import DeliveryPending, EndpointDisabled, UnsafeUrl
from app.webhooks.models import (
    TEST_EVENT,
    DeliveryStatus,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
    WebhookEndpointCreate,
    WebhookEndpointUpdate,
)

LABEL = "Webhook endpoint"
DISABLED_BY_USER = "disabled by a user"


async def checked_url(url: str, *, allow_private: bool) -> str:
    """The URL, once its host resolves to allowed addresses only (SSRF)."""
    try:
        await ssrf.resolve(url, allow_private=allow_private)
    except ssrf.UnsafeDestination as exc:
        raise UnsafeUrl(str(exc)) from None
    return url


def _types(values: Sequence[str]) -> str:
    return " ".join(sorted(set(values)))


async def create_endpoint(
    session: AsyncSession,
    principal: Principal,
    *,
    data: WebhookEndpointCreate,
    allow_private: bool,
    now: datetime,
) -> tuple[WebhookEndpoint, str]:
    """The new endpoint and its signing secret, which is never shown again."""
    url = await checked_url(data.url, allow_private=allow_private)
    secret = rules.new_secret()
    endpoint = WebhookEndpoint(
        firm_account_id=principal.firm_account_id,
        url=url,
        description=data.description,
        event_types=_types(data.event_types),
        secret=secret,
        created_at=now,
    )
    session.add(endpoint)
    await session.flush()
    outbox.forget_endpoints(session)
    await record(
        session,
        principal,
        action="webhook_endpoint.created",
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        at=now,
    )
    return endpoint, secret


async def list_endpoints(
    session: AsyncSession, principal: Principal, *, page: PageParams
) -> tuple[list[WebhookEndpoint], str | None]:
    stmt = scoped(WebhookEndpoint, principal)
    rows, cursor = await paginate(session, stmt, WebhookEndpoint.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def get_endpoint(
    session: AsyncSession, principal: Principal, endpoint_id: uuid.UUID, *, for_update: bool = False
) -> WebhookEndpoint:
    """`for_update` takes PostgreSQL's `FOR NO KEY UPDATE`: the changes audited meanwhile still
    insert their deliveries for it (a foreign key's `KEY SHARE`), and wait for nothing."""
    return await get_scoped(
        session,
        WebhookEndpoint,
        endpoint_id,
        principal,
        label=LABEL,
        for_update=for_update,
        key_share=for_update,
    )


async def update_endpoint(
    session: AsyncSession,
    principal: Principal,
    *,
    endpoint_id: uuid.UUID,
    data: WebhookEndpointUpdate,
    allow_private: bool,
    now: datetime,
) -> WebhookEndpoint:
    endpoint = await get_endpoint(session, principal, endpoint_id, for_update=True)
    changes = data.model_dump(exclude_unset=True)
    before = "enabled" if endpoint.enabled else "disabled"
    if changes.get("url") is not None:
        endpoint.url = await checked_url(changes["url"], allow_private=allow_private)
    if changes.get("event_types") is not None:
        endpoint.event_types = _types(changes["event_types"])
    if "description" in changes:
        endpoint.description = changes["description"]
    enabled = changes.get("enabled")
    if enabled is True and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = True, None, None
    elif enabled is False and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.disabled_at = (
            False,
            DISABLED_BY_USER,
            now,
        )
    after = "enabled" if endpoint.enabled else "disabled"
    session.add(endpoint)
    await record(
        session,
        principal,
        action="webhook_endpoint.updated",
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        before=before,
        after=after,
        at=now,
    )
    return endpoint


async def rotate_secret(
    session: AsyncSession, principal: Principal, *, endpoint_id: uuid.UUID, now: datetime
) -> tuple[WebhookEndpoint, str]:
    """A new signing secret, used from the next attempt on; the previous one is forgotten."""
    endpoint = await get_endpoint(session, principal, endpoint_id, for_update=True)
    secret = rules.new_secret()
    endpoint.secret = secret
    session.add(endpoint)
    await record(
        session,
        principal,
        action="webhook_endpoint.secret_rotated",
        resource_type="webhook_endpoint",
        resource_id=endpoint.id,
        at=now,
    )
    return endpoint, secret


async def delete_endpoint(
    session: AsyncSession, principal: Principal, *, endpoint_id: uuid.UUID, now: datetime
) -> None:
    """The endpoint, its deliveries (pending ones are not sent) and their attempts. The event
    is recorded first: it locks the firm's feed before the endpoint's row, in the order of a
    change that writes a delivery for it (firm's feed, then the endpoint's key), not the
    reverse, which would deadlock with it."""
    await get_endpoint(session, principal, endpoint_id)
    await record(
        session,
        principal,
        action="webhook_endpoint.deleted",
        resource_type="webhook_endpoint",
        resource_id=endpoint_id,
        at=now,
    )
    endpoint = await get_scoped(
        session, WebhookEndpoint, endpoint_id, principal, label=LABEL, for_update=True
    )
    await session.exec(delete(WebhookAttempt).where(col(WebhookAttempt.endpoint_id) == endpoint.id))
    await session.exec(
        delete(WebhookDelivery).where(col(WebhookDelivery.endpoint_id) == endpoint.id)
    )
    await session.delete(endpoint)
    outbox.forget_endpoints(session)


async def list_attempts(
    session: AsyncSession, principal: Principal, *, endpoint_id: uuid.UUID, page: PageParams
) -> tuple[list[WebhookAttempt], str | None]:
    """Oldest first (ids follow time)."""
    await get_endpoint(session, principal, endpoint_id)
    stmt = scoped(WebhookAttempt, principal).where(WebhookAttempt.endpoint_id == endpoint_id)
    rows, cursor = await paginate(session, stmt, WebhookAttempt.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def list_deliveries(
    session: AsyncSession, principal: Principal, *, endpoint_id: uuid.UUID, page: PageParams
) -> tuple[list[WebhookDelivery], str | None]:
    await get_endpoint(session, principal, endpoint_id)
    stmt = scoped(WebhookDelivery, principal).where(WebhookDelivery.endpoint_id == endpoint_id)
    rows, cursor = await paginate(session, stmt, WebhookDelivery.id, page)  # type: ignore[arg-type]
    return list(rows), cursor


async def send_test(
    session: AsyncSession, principal: Principal, *, endpoint_id: uuid.UUID, now: datetime
) -> WebhookDelivery:
    """A `webhook.test` delivery, sent by the worker like any other."""
    endpoint = await get_endpoint(session, principal, endpoint_id)
    if not endpoint.enabled:
        raise EndpointDisabled()
    body = rules.payload(TEST_EVENT, now, {"endpoint_id": str(endpoint.id)})
    delivery = outbox.deliver(session, endpoint, event_type=TEST_EVENT, body=body, at=now)
    await session.flush()
    return delivery


async def redeliver(
    session: AsyncSession,
    principal: Principal,
    *,
    endpoint_id: uuid.UUID,
    delivery_id: uuid.UUID,
    now: datetime,
) -> WebhookDelivery:
    """The message again, as a new delivery with a fresh schedule and the same `webhook-id`
    (the receiver can tell it has seen it)."""
    endpoint = await get_endpoint(session, principal, endpoint_id)
    original = await get_scoped(
        session, WebhookDelivery, delivery_id, principal, label="Webhook delivery"
    )
    if original.endpoint_id != endpoint.id:
        raise NotFound("Webhook delivery")
    if original.status == DeliveryStatus.pending:
        raise DeliveryPending()
    if not endpoint.enabled:
        raise EndpointDisabled()
    delivery = outbox.deliver(
        session,
        endpoint,
        event_type=original.event_type,
        body=original.payload,
        at=now,
        message_id=original.message_id,
    )
    await session.flush()
    return delivery
