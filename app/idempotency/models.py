"""Answers kept for retries that carry an `Idempotency-Key` (IETF httpapi draft)."""

import uuid
from datetime import datetime

from sqlalchemy import LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.core.models import id_field
from app.db import UTCDateTime

# The owner of the keys sent without a token (the sign-up): keyed by the key alone.
ANONYMOUS = uuid.UUID(int=0)


class IdempotencyRecord(SQLModel, table=True):
    """One key of one firm account: claimed (`completed_at` empty) while its first request runs,
    then the answer that request got. No foreign key: a record is a cache of an answer, and the
    sign-up's records belong to no firm yet (`ANONYMOUS`)."""

    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("firm_account_id", "key"),)

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID
    key: str = Field(max_length=255)
    method: str = Field(max_length=10)
    path: str = Field(sa_type=Text)  # with its query string, if any
    fingerprint: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=UTCDateTime)
    completed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    status: int | None = None
    headers: str | None = Field(default=None, sa_type=Text)  # JSON: [[name, value], ...]
    body: bytes | None = Field(default=None, sa_type=LargeBinary)
