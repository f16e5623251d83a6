import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.core.models import PublicModel, created_at_field, id_field


class AuditEvent(SQLModel, table=True):
    """R26: append-only; written in the transaction of the change it records."""

    __tablename__ = "audit_event"
    __table_args__ = (
        Index("ix_audit_event_firm_account_id_id", "firm_account_id", "id"),
        Index("ix_audit_event_resource", "firm_account_id", "resource_type", "resource_id"),
        Index("ix_audit_event_establishment", "firm_account_id", "establishment_id", "id"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    actor_id: uuid.UUID | None = Field(default=None)
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
    actor_id: uuid.UUID | None
    at: datetime
    resource_type: str
    resource_id: uuid.UUID
    establishment_id: uuid.UUID | None
    status_before: str | None
    status_after: str | None
