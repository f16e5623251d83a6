import uuid
from datetime import datetime

from pydantic import Field as Described
from sqlalchemy import BigInteger, Index
from sqlmodel import Field, SQLModel

from app.core.models import PublicModel, created_at_field, id_field


class AuditEvent(SQLModel, table=True):
    """R26: append-only; written in the transaction of the change it records."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_audit_event_resource", "firm_account_id", "resource_type", "resource_id"),
        Index("ix_audit_event_establishment", "firm_account_id", "establishment_id", "id"),
        Index("uq_audit_event_firm_account_id_seq", "firm_account_id", "seq", unique=True),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    # Position in the firm's change feed: 1, 2, 3… in commit order, without gaps (see record).
    seq: int = Field(sa_type=BigInteger, nullable=False)
    # Who made the change: a user (`actor_id`), or an API client (`actor_api_client_id`).
    actor_id: uuid.UUID | None = Field(default=None)
    actor_api_client_id: uuid.UUID | None = Field(default=None)
    at: datetime = created_at_field()
    resource_type: str = Field(max_length=40)
    resource_id: uuid.UUID
    establishment_id: uuid.UUID | None = Field(default=None)
    action: str = Field(max_length=60)
    status_before: str | None = Field(default=None, max_length=40)
    status_after: str | None = Field(default=None, max_length=40)


class AuditEventPublic(PublicModel):
    id: uuid.UUID
    action: str
    actor_id: uuid.UUID | None = Described(
        description="The user who made the change, if a user did"
    )
    actor_api_client_id: uuid.UUID | None = Described(
        description="The API client that made the change, if one did (then `actor_id` is null)"
    )
    at: datetime
    resource_type: str
    resource_id: uuid.UUID
    establishment_id: uuid.UUID | None
    status_before: str | None
    status_after: str | None
