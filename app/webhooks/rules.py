"""Which audited change announces which event, the message's body (Standard Webhooks), and
when a failed delivery is tried again. Pure: no database, no network."""

import base64
import json
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from app.webhooks.models import WebhookEventType

# The one place that says which audit actions (R26) are announced, and as what. Actions not
# named here (drafts, edits, documents…) send nothing.
EVENT_OF_ACTION: dict[str, WebhookEventType] = {
    "authorization_request.filed": WebhookEventType.authorization_request_filed,
    "authorization_request.accepted": WebhookEventType.authorization_request_decided,
    "authorization_request.refused": WebhookEventType.authorization_request_decided,
    "authorization_request.invalidated": WebhookEventType.authorization_request_decided,
    "amendment.accepted": WebhookEventType.amendment_decided,
    "amendment.refused": WebhookEventType.amendment_decided,
    "amendment.invalidated": WebhookEventType.amendment_decided,
    "apld_agreement.validated": WebhookEventType.apld_agreement_decided,
    "apld_agreement.homologated": WebhookEventType.apld_agreement_decided,
    "apld_agreement.refused": WebhookEventType.apld_agreement_decided,
    "claim.filed": WebhookEventType.claim_filed,
    "claim.validated": WebhookEventType.claim_validated,
    "claim.rejected": WebhookEventType.claim_rejected,
    "claim.paid": WebhookEventType.claim_paid,
}

# R3: the firm hears when its active establishments reach these counts (of 200).
ESTABLISHMENT_LIMIT = 200
LIMIT_THRESHOLDS = (190, ESTABLISHMENT_LIMIT)
LIMIT_ACTIONS = ("establishment.created", "establishment.restored")
# A deadline is announced once when it is this close, and once when it is overdue.
DUE_SOON_DAYS = 7

JITTER = 0.2


def new_secret() -> str:
    """A signing secret as Standard Webhooks writes it: `whsec_` and 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def message_id(delivery_id: str) -> str:
    return f"msg_{delivery_id}"


def payload(event_type: str, at: datetime, data: dict[str, Any]) -> str:
    """The body, `{type, timestamp, data}`, serialised once: the exact bytes signed and sent."""
    body = {"type": event_type, "timestamp": at.isoformat().replace("+00:00", "Z"), "data": data}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False, default=str)


def limit_reached(active: int) -> int | None:
    """The threshold an establishment's creation or restoration has just reached, if any."""
    return active if active in LIMIT_THRESHOLDS else None


def retry_delay(failures: int, schedule: Sequence[int], rand: float) -> timedelta | None:
    """How long after its `failures`-th failed attempt a delivery is tried again (the schedule's
    delay, ±20 % by `rand` in [0, 1) so that many failed deliveries do not come back at the
    same instant); None when the schedule is exhausted."""
    if failures > len(schedule):
        return None
    base = schedule[failures - 1]
    return timedelta(seconds=base * (1 + JITTER * (2 * rand - 1)))


def excerpt(body: bytes, limit: int = 1024) -> str:
    """The answer's first characters, as text, for the attempt's record."""
    return body[: limit * 4].decode("utf-8", errors="replace")[:limit]
