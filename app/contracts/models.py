import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Index, LargeBinary, String
from sqlmodel import Field, SQLModel

from app.core.models import Day, InputModel, PublicModel, created_at_field, id_field
from app.core.preconditions import Versioned


class Document(SQLModel, table=True):
    """Signed documents kept for controls (R7), in the database so that metadata and bytes
    commit together."""

    __tablename__ = "document"

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id", index=True)
    media_type: str = Field(max_length=100)
    filename: str = Field(max_length=255)
    size: int
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = created_at_field()


class ContractStatus(StrEnum):
    active = "active"
    terminated = "terminated"


class Contract(Versioned, table=True):
    __tablename__ = "contract"
    __table_args__ = (
        Index("ix_contract_firm_account_id_client_id", "firm_account_id", "client_id"),
    )

    id: uuid.UUID = id_field()
    firm_account_id: uuid.UUID = Field(foreign_key="firm_account.id")
    client_id: uuid.UUID = Field(foreign_key="client.id")
    document_id: uuid.UUID = Field(foreign_key="document.id")
    sha256: str = Field(max_length=64)
    size: int
    filename: str = Field(max_length=255)
    signed_on: date
    signatory_name: str = Field(max_length=200)
    signatory_role: str = Field(max_length=200)
    engagement_letter_on: date | None = None
    status: ContractStatus = Field(default=ContractStatus.active, sa_type=String(16))
    terminated_on: date | None = None
    # R7: once a filing relied on it, the contract is kept (terminated, never deleted).
    in_use: bool = Field(default=False)
    created_at: datetime = created_at_field()


class ContractPublic(PublicModel):
    id: uuid.UUID
    client_id: uuid.UUID
    sha256: str
    size: int
    filename: str
    signed_on: date
    signatory_name: str
    signatory_role: str
    engagement_letter_on: date | None
    status: ContractStatus
    terminated_on: date | None
    in_use: bool
    created_at: datetime


class TerminateContract(InputModel):
    on: Day | None = Field(default=None, description="Default: today (Europe/Paris)")
