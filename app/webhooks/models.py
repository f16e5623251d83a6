"""Webhooks (Standard Webhooks): the firm's endpoints, the outbox of deliveries written in the
transaction of the change they announce, and every attempt to send one."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

from pydantic import Field as Described
from pydantic import StringConstraints
from sqlalchemy import Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.crypto import Encrypted
from app.core.models import InputModel, PublicModel, created_at_field, id_field, trimmed
from app.core.preconditions import Versioned
from app.db import UTCDateTime


class WebhookEventType(StrEnum):
    """The events an endpoint can subscribe to."""

    authorization_request_filed = "authorization_request.filed"
    authorization_request_implicitly_accepted = "authorization_request.implicitly_accepted"
    authorization_request_decided = "authorization_request.decided"
    amendment_decided = "amendment.decided"
    apld_agreement_decided = "apld_agreement.decided"
    claim_filed = "claim.filed"
    claim_validated = "claim.validated"
    claim_rejected = "claim.rejected"
    claim_paid = "claim.paid"
    deadline_due_soon = "deadline.due_soon"
    deadline_overdue = "deadline.overdue"
    establishment_limit_near = "firm.establishment_limit_near"


# Sent by `POST /v1/webhook-endpoints/{id}/test` whatever the endpoint subscribes to.
TEST_EVENT = "webhook.test"


class DeliveryStatus(StrEnum):
    pending = "pending"  # waiting for its next attempt (or being sent)
    succeeded = "succeeded"
    failed = "failed"  # every attempt of the schedule failed


class WebhookEndpoint(Versioned, table=True):
    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_firm_account_id_id", "firm_account_id", "id"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    # The subscribed event types, separated by spaces.
    event_types: str = Field(max_length=1000)
    # `whsec_…`: kept encrypted (not hashed): every delivery is signed with it.
    secret: str = Field(sa_type=Encrypted(500))
    enabled: bool = Field(default=True)
    disabled_reason: str | None = Field(default=None, max_length=300)
    disabled_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()


class WebhookDelivery(SQLModel, table=True):
    """One message for one endpoint (the outbox row), until it is delivered or its attempts
    run out. A worker claims it by setting `lease_until` and `lease_token`."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id")
    # `webhook-id`: the same for every attempt and redelivery of the message.
    message_id: str = Field(max_length=60)
    event_type: str = Field(max_length=60)
    # The exact JSON body that is signed and sent.
    payload: str = Field(sa_type=Text)
    status: str = Field(default=DeliveryStatus.pending, sa_type=String(20))
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(sa_type=UTCDateTime)
    lease_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    lease_token: uuid.UUID | None = Field(default=None)
    last_attempt_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = created_at_field()


class WebhookAttempt(SQLModel, table=True):
    __tablename__ = "webhook_attempt"
    __table_args__ = (
        # One row per attempt: a second worker could not record the same attempt again.
        UniqueConstraint("delivery_id", "number", name="uq_webhook_attempt_delivery_id_number"),
        Index("ix_webhook_attempt_endpoint", "firm_account_id", "endpoint_id", "id"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    endpoint_id: uuid.UUID = Field(foreign_key="webhook_endpoint.id")
    delivery_id: uuid.UUID = Field(foreign_key="webhook_delivery.id")
    number: int
    attempted_at: datetime = Field(sa_type=UTCDateTime)
    succeeded: bool
    status_code: int | None = Field(default=None)
    duration_ms: int
    response_excerpt: str | None = Field(default=None, max_length=1024)
    error: str | None = Field(default=None, max_length=500)


class ScanMark(SQLModel, table=True):
    """An announcement of the daily scan already made (a deadline coming due, an implicit
    acceptance): the scan may run any number of times, each event goes out once."""

    __tablename__ = "webhook_scan_mark"
    __table_args__ = (UniqueConstraint("firm_account_id", "key", name="uq_webhook_scan_mark"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    key: str = Field(max_length=120)
    created_at: datetime = created_at_field()


Text500 = Annotated[str, trimmed(500)]
# An absolute http(s) URL without spaces; whether its host is allowed is the service's to say.
Url = Annotated[
    str,
    StringConstraints(
        min_length=10, max_length=2000, pattern=r"^[Hh][Tt][Tt][Pp][Ss]?://[^\s/?#]+([/?#]\S*)?$"
    ),
]
URL_DESCRIPTION = (
    "Where the events are POSTed: an https:// URL whose host resolves to public addresses only"
)


class WebhookEndpointCreate(InputModel):
    url: Url = Field(description=URL_DESCRIPTION)
    event_types: list[WebhookEventType] = Field(min_length=1, max_length=len(WebhookEventType))
    description: Text500 | None = None


class WebhookEndpointUpdate(InputModel):
    url: Url | None = Field(default=None, description=URL_DESCRIPTION)
    event_types: list[WebhookEventType] | None = Field(default=None, min_length=1)
    description: Text500 | None = None
    enabled: bool | None = Field(
        default=None,
        description="false: no more deliveries; true: deliveries resume (those still "
        "pending included) and the reason of an automatic disabling is cleared",
    )


class WebhookEndpointPublic(PublicModel):
    id: uuid.UUID
    url: str
    description: str | None
    event_types: list[WebhookEventType]
    enabled: bool
    disabled_reason: str | None = Described(
        description="Why it is disabled: by a user, or after every retry of a delivery failed"
    )
    disabled_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: WebhookEndpoint) -> "WebhookEndpointPublic":
        return cls.build(row, {"event_types": row.event_types.split()})


class WebhookEndpointWithSecret(WebhookEndpointPublic):
    secret: str = Described(
        description="The signing secret (`whsec_…`), shown this once: verify each delivery's "
        "`webhook-signature` with it (Standard Webhooks)"
    )


class WebhookDeliveryPublic(PublicModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    message_id: str = Described(description="The `webhook-id` header of every attempt")
    event_type: str
    status: DeliveryStatus
    attempts: int
    next_attempt_at: datetime | None
    delivered_at: datetime | None
    created_at: datetime

    @classmethod
    def of(cls, row: WebhookDelivery) -> "WebhookDeliveryPublic":
        pending = row.status == DeliveryStatus.pending
        return cls.build(row, {"next_attempt_at": row.next_attempt_at if pending else None})


class WebhookAttemptPublic(PublicModel):
    id: uuid.UUID
    delivery_id: uuid.UUID
    number: int = Described(description="1 for a delivery's first attempt, then 2, 3…")
    attempted_at: datetime
    succeeded: bool
    status_code: int | None
    duration_ms: int
    response_excerpt: str | None = Described(description="The answer's first 1,024 characters")
    error: str | None = Described(description="Why no answer came (timeout, refused address…)")
