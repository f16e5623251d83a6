"""Sending the outbox: claim due deliveries, sign and POST each, record the attempt, schedule
the next one or, when the schedule is exhausted, disable the endpoint.

Claiming: one short transaction selects due deliveries `FOR UPDATE … SKIP LOCKED` (PostgreSQL;
SQLite has one writer at a time anyway) and gives them a lease (`lease_until`, `lease_token`);
the requests are sent outside any transaction; a second transaction records the outcome, only
if the lease is still this worker's. A lease outlives any request (`WEBHOOK_LEASE_SECONDS` >
the timeout), so no two workers send the same attempt; a worker that dies mid-way leaves a
lease that expires, and the delivery is tried again (at least once, never lost)."""

import logging
import random
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import or_, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from standardwebhooks import Webhook

from app.audit.service import record
from app.core import ssrf
from app.core.clock import Clock
from app.core.principal import Principal
from app.webhooks import rules
from app.webhooks.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint

log = logging.getLogger("app.webhooks")

USER_AGENT = "apart-api-webhooks/1"
READ_LIMIT = 4096


@dataclass(frozen=True)
class Claimed:
    delivery: WebhookDelivery
    url: str
    secret: str
    token: uuid.UUID


@dataclass(frozen=True)
class Outcome:
    succeeded: bool
    status_code: int | None
    duration_ms: int
    excerpt: str | None
    error: str | None


@dataclass
class Sender:
    """What a worker needs: sessions that commit for real, the schedule, and a clock that
    tests move forward instead of waiting."""

    sessions: Callable[[], AsyncSession]
    schedule: Sequence[int]
    allow_private: bool
    timeout: float
    lease: timedelta
    clock: Clock = field(default_factory=Clock)
    batch: int = 10
    rand: Callable[[], float] = random.random

    async def run_once(self, http: httpx.AsyncClient) -> int:
        """Claim a batch of due deliveries and send them; how many were claimed."""
        claimed = await self.claim()
        for item in claimed:
            outcome = await self.send(http, item)
            await self.settle(item, outcome)
        return len(claimed)

    async def claim(self) -> list[Claimed]:
        now = self.clock.now()
        token = uuid.uuid4()
        async with self.sessions() as session:
            due = (
                select(WebhookDelivery.id)
                .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                .where(
                    col(WebhookDelivery.status) == DeliveryStatus.pending,
                    col(WebhookDelivery.next_attempt_at) <= now,
                    or_(
                        col(WebhookDelivery.lease_until).is_(None),
                        col(WebhookDelivery.lease_until) < now,
                    ),
                    col(WebhookEndpoint.enabled).is_(True),
                )
                .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
                .limit(self.batch)
                .with_for_update(of=WebhookDelivery, skip_locked=True)
            )
            ids = list((await session.exec(due)).all())
            if not ids:
                await session.rollback()
                return []
            # The conditions again: on SQLite nothing was locked, the UPDATE decides.
            taken = (
                await session.exec(
                    update(WebhookDelivery)
                    .where(
                        col(WebhookDelivery.id).in_(ids),
                        col(WebhookDelivery.status) == DeliveryStatus.pending,
                        or_(
                            col(WebhookDelivery.lease_until).is_(None),
                            col(WebhookDelivery.lease_until) < now,
                        ),
                    )
                    .values(lease_until=now + self.lease, lease_token=token)
                    .returning(col(WebhookDelivery.id))
                )
            ).all()
            rows = (
                await session.exec(
                    select(WebhookDelivery, WebhookEndpoint)
                    .join(WebhookEndpoint, col(WebhookEndpoint.id) == WebhookDelivery.endpoint_id)
                    .where(col(WebhookDelivery.id).in_([t[0] for t in taken]))
                    .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.id))
                    .execution_options(populate_existing=True)
                )
            ).all()
            await session.commit()
        return [Claimed(d, e.url, e.secret, token) for d, e in rows]

    async def send(self, http: httpx.AsyncClient, item: Claimed) -> Outcome:
        started = time.perf_counter()

        def took() -> int:
            return int((time.perf_counter() - started) * 1000)

        try:
            destination = await ssrf.resolve(item.url, allow_private=self.allow_private)
        except ssrf.UnsafeDestination as exc:
            return Outcome(False, None, took(), None, f"refused: {exc}"[:500])
        delivery = item.delivery
        # The signature's time is the wall clock's: receivers refuse a timestamp more than a
        # few minutes away from theirs.
        signed_at = datetime.now(UTC)
        signature = Webhook(item.secret).sign(delivery.message_id, signed_at, delivery.payload)
        try:
            url = httpx.URL(item.url)
        except httpx.InvalidURL as exc:
            return Outcome(False, None, took(), None, f"refused: {exc}"[:500])
        headers = {
            "host": url.netloc.decode("ascii"),
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery.message_id,
            "webhook-timestamp": str(int(signed_at.timestamp())),
            "webhook-signature": signature,
        }
        # To the address that was checked, not to a second resolution of the name.
        pinned = url.copy_with(host=str(destination.address))
        try:
            request = http.build_request(
                "POST",
                pinned,
                content=delivery.payload.encode(),
                headers=headers,
                extensions={"sni_hostname": url.host, "timeout": self._timeouts()},
            )
            response = await http.send(request, stream=True, follow_redirects=False)
            try:
                body = b""
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) >= READ_LIMIT:
                        break
            finally:
                await response.aclose()
        except httpx.TimeoutException:
            return Outcome(False, None, took(), None, "timeout")
        except httpx.HTTPError as exc:
            return Outcome(False, None, took(), None, f"{type(exc).__name__}: {exc}"[:500])
        ok = 200 <= response.status_code < 300
        return Outcome(ok, response.status_code, took(), rules.excerpt(body), None)

    def _timeouts(self) -> dict[str, float]:
        return {
            "connect": min(5.0, self.timeout),
            "read": self.timeout,
            "write": self.timeout,
            "pool": self.timeout,
        }

    async def settle(self, item: Claimed, outcome: Outcome) -> None:
        """The attempt, and what follows it, if the lease is still ours."""
        now = self.clock.now()
        async with self.sessions() as session:
            delivery = (
                await session.exec(
                    select(WebhookDelivery)
                    .where(
                        col(WebhookDelivery.id) == item.delivery.id,
                        col(WebhookDelivery.lease_token) == item.token,
                    )
                    .with_for_update()
                    .execution_options(populate_existing=True)
                )
            ).first()
            if delivery is None:
                log.warning("delivery %s: lease lost, attempt not recorded", item.delivery.id)
                await session.rollback()
                return
            number = delivery.attempts + 1
            session.add(
                WebhookAttempt(
                    firm_account_id=delivery.firm_account_id,
                    endpoint_id=delivery.endpoint_id,
                    delivery_id=delivery.id,
                    number=number,
                    attempted_at=now,
                    succeeded=outcome.succeeded,
                    status_code=outcome.status_code,
                    duration_ms=outcome.duration_ms,
                    response_excerpt=outcome.excerpt,
                    error=outcome.error,
                )
            )
            delivery.attempts = number
            delivery.last_attempt_at = now
            delivery.lease_until = delivery.lease_token = None
            if outcome.succeeded:
                delivery.status = DeliveryStatus.succeeded
                delivery.delivered_at = now
            else:
                delay = rules.retry_delay(number, self.schedule, self.rand())
                if delay is not None:
                    delivery.next_attempt_at = now + delay
                else:
                    delivery.status = DeliveryStatus.failed
                    await self._disable(session, delivery, now)
            session.add(delivery)
            await session.commit()

    async def _disable(
        self, session: AsyncSession, delivery: WebhookDelivery, now: datetime
    ) -> None:
        endpoint = (
            await session.exec(
                select(WebhookEndpoint)
                .where(col(WebhookEndpoint.id) == delivery.endpoint_id)
                # not FOR UPDATE: changes audited meanwhile insert deliveries for it
                .with_for_update(key_share=True)
            )
        ).one()
        if not endpoint.enabled:
            return
        endpoint.enabled = False
        endpoint.disabled_at = now
        endpoint.disabled_reason = (
            f"every attempt ({delivery.attempts}) of delivery {delivery.id} failed"
        )
        session.add(endpoint)
        # The service itself makes this change: no user, no API client.
        system = Principal(None, endpoint.firm_account_id, "system", frozenset())
        await record(
            session,
            system,
            action="webhook_endpoint.disabled",
            resource_type="webhook_endpoint",
            resource_id=endpoint.id,
            before="enabled",
            after="disabled",
            at=now,
        )
